// The `opencode` backend: opencode run headless (`opencode run --format json`), prompt on stdin.
import type { AttemptExit } from "../runner/types.ts";
import { num, obj, readJsonl, stderrSummary, str } from "./jsonl.ts";
import type { NativeOptions } from "./native-options.ts";
import type { AgentAdapter, AgentLaunch, AgentReply, LaunchRequest } from "./types.ts";

/** The CLI this backend runs, and how to install it. */
export const OPENCODE_CLI = { binary: "opencode", install: "npm install -g opencode-ai" } as const;

/** Permission flags: opencode's own defaults let it edit the workdir; `--auto` approves every ask. */
const PERMISSION_ARGS = { workdir: [], bypass: ["--auto"] } as const;

/**
 * `opencode run --format json --title "seqorch task ID" <permissions> [--model M] [--agent A] [--session ID]
 * [extra]`; the prompt is read from stdin. The fixed title spares the title-generation request.
 */
export function opencodeArgv(request: LaunchRequest, options: NativeOptions): string[] {
  return [
    OPENCODE_CLI.binary,
    "run",
    "--format",
    "json",
    "--title",
    `seqorch task ${request.taskId}`,
    ...PERMISSION_ARGS[options.permission],
    ...(options.model ? ["--model", options.model] : []),
    ...(options.opencodeAgent ? ["--agent", options.opencodeAgent] : []),
    ...(options.resume && request.previousSessionId ? ["--session", request.previousSessionId] : []),
    ...options.extraArgs,
  ];
}

/**
 * opencode's JSON events, each `{type, sessionID, part}`: `step_start`, `text{part.text}`, `tool_use`,
 * `step_finish{part.tokens}`, `error{error{name, data{message, statusCode}}}`. The final message is the text
 * of the last message that had text.
 */
export async function parseOpencodeStream(outLog: string, errLog: string, exit: AttemptExit): Promise<AgentReply> {
  let sessionId: string | null = null;
  let text = "";
  let textMessage: string | undefined;
  let input = 0;
  let output = 0;
  let sawUsage = false;
  let rateLimit: AgentReply["rateLimit"] = null;
  const errors: string[] = [];
  for await (const event of readJsonl(outLog)) {
    sessionId ??= str(event.sessionID) ?? null;
    const part = obj(event.part);
    if (event.type === "text") {
      const messageId = str(part.messageID);
      const chunk = str(part.text) ?? "";
      text = messageId !== undefined && messageId === textMessage ? `${text}\n${chunk}` : chunk;
      textMessage = messageId;
    } else if (event.type === "step_finish") {
      const tokens = obj(part.tokens);
      input += num(tokens.input);
      output += num(tokens.output);
      sawUsage = true;
    } else if (event.type === "error") {
      const error = obj(event.error);
      const data = obj(error.data);
      const status = num(data.statusCode);
      const message = str(data.message) ?? str(error.name) ?? "error";
      const detail = status ? `API error: ${status} ${message}` : message;
      errors.push(detail);
      if (status === 429) {
        const retryAfter = Number(obj(data.responseHeaders)["retry-after"]);
        const at = num(event.timestamp) || Date.now();
        rateLimit = { resetAt: Number.isFinite(retryAfter) && retryAfter > 0 ? at + retryAfter * 1000 : null, detail };
      }
    }
  }
  if (errors.length === 0 && exit.exitCode !== 0 && exit.exitCode !== null) {
    const detail = stderrSummary(errLog);
    if (detail) errors.push(detail);
  }
  return { finalMessage: text, sessionId, errors, usage: sawUsage ? { input, output } : null, rateLimit };
}

/** The opencode adapter. */
export function opencodeAdapter(options: NativeOptions): AgentAdapter {
  return {
    name: "opencode",
    buildLaunch: (request): AgentLaunch => ({ argv: opencodeArgv(request, options), env: {}, stdin: "prompt" }),
    parseReply: parseOpencodeStream,
  };
}
