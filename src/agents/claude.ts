// The `claude` backend: Claude Code run headless (`claude -p --output-format stream-json`), prompt on stdin.
import type { AttemptExit } from "../runner/types.ts";
import { num, obj, readJsonl, stderrSummary, str, type JsonEvent } from "./jsonl.ts";
import type { NativeOptions } from "./native-options.ts";
import type { AgentAdapter, AgentLaunch, AgentReply, LaunchRequest } from "./types.ts";

/** The CLI this backend runs, and how to install it. */
export const CLAUDE_CLI = { binary: "claude", install: "npm install -g @anthropic-ai/claude-code" } as const;

/**
 * Permission flags. acceptEdits lets Claude edit files without asking, and `--allowedTools=Bash` lets it run
 * commands (headless, acceptEdits alone denies every command that is not a file edit, so no tests or build).
 * Only full bypass approves every tool.
 */
const PERMISSION_ARGS = {
  workdir: ["--permission-mode", "acceptEdits", "--allowedTools=Bash"],
  bypass: ["--dangerously-skip-permissions"],
} as const;

/** `claude -p --output-format stream-json --verbose <permissions> [--model M] [--resume ID] [extra]`. */
export function claudeLaunch(request: LaunchRequest, options: NativeOptions): AgentLaunch {
  const resume = options.resume && request.previousSessionId ? ["--resume", request.previousSessionId] : [];
  return {
    argv: [
      CLAUDE_CLI.binary,
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      ...PERMISSION_ARGS[options.permission],
      ...(options.model ? ["--model", options.model] : []),
      ...resume,
      ...options.extraArgs,
    ],
    // Claude Code refuses --dangerously-skip-permissions as root unless told it runs in a sandbox.
    env: options.permission === "bypass" && options.isRoot ? { IS_SANDBOX: "1" } : {},
    stdin: "prompt",
  };
}

/** The text blocks of an assistant event's message. */
function textOf(event: JsonEvent): string {
  const content = obj(event.message).content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => obj(block))
    .filter((block) => block.type === "text")
    .map((block) => str(block.text) ?? "")
    .join("");
}

/**
 * Claude's stream-json events: `system/init{session_id}`, `assistant{message}`, `user{tool_result}`, and a
 * final `result{is_error, result, session_id, usage}`. An API failure shows as an assistant message from the
 * `<synthetic>` model and a result with `is_error: true`; its text is an error, not the agent's reply.
 */
export async function parseClaudeStream(outLog: string, errLog: string, exit: AttemptExit): Promise<AgentReply> {
  let sessionId: string | null = null;
  let lastText = "";
  let result: string | null = null;
  let usage: AgentReply["usage"] = null;
  let rateLimit: AgentReply["rateLimit"] = null;
  const errors: string[] = [];
  for await (const event of readJsonl(outLog)) {
    sessionId ??= str(event.session_id) ?? null;
    if (event.type === "assistant") {
      const text = textOf(event);
      if (obj(event.message).model === "<synthetic>") {
        if (text) errors.push(text);
      } else if (text) lastText = text;
    } else if (event.type === "result") {
      const text = str(event.result) ?? "";
      const u = obj(event.usage);
      usage = { input: num(u.input_tokens) + num(u.cache_read_input_tokens) + num(u.cache_creation_input_tokens), output: num(u.output_tokens) };
      if (event.is_error === true) {
        const detail = text || str(event.subtype) || "error";
        if (!errors.includes(detail)) errors.push(detail);
        if (event.api_error_status === 429) rateLimit = { resetAt: null, detail };
        result = "";
      } else {
        result = text;
      }
    }
  }
  if (errors.length === 0 && exit.exitCode !== 0 && exit.exitCode !== null) {
    const detail = stderrSummary(errLog);
    if (detail) errors.push(detail);
  }
  return { finalMessage: result ?? lastText, sessionId, errors, usage, rateLimit };
}

/** The claude adapter. */
export function claudeAdapter(options: NativeOptions): AgentAdapter {
  return {
    name: "claude",
    buildLaunch: (request) => claudeLaunch(request, options),
    parseReply: parseClaudeStream,
  };
}
