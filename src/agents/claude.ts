// The `claude` backend: Claude Code run headless (`claude -p --output-format stream-json`), prompt on stdin.
import type { AttemptExit } from "../runner/types.ts";
import { num, obj, readJsonl, stderrSummary, str, type JsonEvent } from "./jsonl.ts";
import type { NativeOptions } from "./native-options.ts";
import type { AgentAdapter, AgentLaunch, AgentReply, LaunchRequest } from "./types.ts";
import { jsonLineMeter, reportedCost, type EventUsage, type UsageMeter } from "../usage/meter.ts";
import { totalTokens, usageOf, type Usage } from "../usage/record.ts";

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

/** Token counts of a Claude `usage` object (the Messages API's, or the result's total). */
function claudeTokens(u: JsonEvent, model: string | null): Usage {
  return usageOf({ input: num(u.input_tokens), output: num(u.output_tokens), cacheRead: num(u.cache_read_input_tokens), cacheWrite: num(u.cache_creation_input_tokens) }, model);
}

/**
 * Claude's usage: each `assistant` event carries its API message's `usage` (one message can span several events,
 * so they are keyed by message id) until the final `result{usage, total_cost_usd}` gives the attempt's total and
 * cost. The model is `system/init`'s, or the only key of `result.modelUsage`.
 */
export function claudeUsage(fallbackModel: string | null = null): EventUsage {
  let model: string | null = fallbackModel;
  const messages = new Map<string, Usage>();
  let result: Usage | null = null;
  return {
    event(event) {
      if (event.type === "system" && event.subtype === "init") model = str(event.model) ?? model;
      else if (event.type === "assistant") {
        const message = obj(event.message);
        if (message.model === "<synthetic>" || message.usage === undefined) return;
        messages.set(str(message.id) ?? String(messages.size), claudeTokens(obj(message.usage), model));
      } else if (event.type === "result" && event.usage !== undefined) {
        const models = Object.keys(obj(event.modelUsage));
        const total = claudeTokens(obj(event.usage), models.length === 1 ? models[0]! : model);
        const cost = reportedCost(num(event.total_cost_usd), totalTokens(total));
        result = cost === null ? total : { ...total, cost_usd: cost, cost_source: "agent" };
      }
    },
    usage() {
      if (result) return result;
      if (messages.size === 0) return null;
      const sum = usageOf({}, model);
      for (const u of messages.values()) {
        sum.input += u.input;
        sum.output += u.output;
        sum.cache_read += u.cache_read;
        sum.cache_write += u.cache_write;
      }
      return sum;
    },
  };
}

/** A live meter of Claude's stream-json stdout. */
export const claudeMeter = (model: string | null = null): UsageMeter => jsonLineMeter(claudeUsage(model), /"usage"|"init"/);

/**
 * Claude's stream-json events: `system/init{session_id}`, `assistant{message}`, `user{tool_result}`, and a
 * final `result{is_error, result, session_id, usage}`. An API failure shows as an assistant message from the
 * `<synthetic>` model and a result with `is_error: true`; its text is an error, not the agent's reply.
 */
export async function parseClaudeStream(outLog: string, errLog: string, exit: AttemptExit, model: string | null = null): Promise<AgentReply> {
  const usage = claudeUsage(model);
  let sessionId: string | null = null;
  let lastText = "";
  let result: string | null = null;
  let rateLimit: AgentReply["rateLimit"] = null;
  const errors: string[] = [];
  for await (const event of readJsonl(outLog)) {
    sessionId ??= str(event.session_id) ?? null;
    usage.event(event);
    if (event.type === "assistant") {
      const text = textOf(event);
      if (obj(event.message).model === "<synthetic>") {
        if (text) errors.push(text);
      } else if (text) lastText = text;
    } else if (event.type === "result") {
      const text = str(event.result) ?? "";
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
  return { finalMessage: result ?? lastText, sessionId, errors, usage: usage.usage(), rateLimit };
}

/** The claude adapter. */
export function claudeAdapter(options: NativeOptions): AgentAdapter {
  return {
    name: "claude",
    buildLaunch: (request) => claudeLaunch(request, options),
    parseReply: (outLog, errLog, exit) => parseClaudeStream(outLog, errLog, exit, options.model ?? null),
    usageMeter: () => claudeMeter(options.model ?? null),
  };
}
