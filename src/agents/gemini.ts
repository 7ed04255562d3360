// The `gemini` backend: Gemini CLI run headless (`gemini --output-format stream-json`), prompt on stdin.
import { readTail } from "./log-tail.ts";
import type { AttemptExit } from "../runner/types.ts";
import { num, obj, readJsonl, stderrSummary, str } from "./jsonl.ts";
import type { NativeOptions } from "./native-options.ts";
import type { AgentAdapter, AgentLaunch, AgentReply, LaunchRequest } from "./types.ts";
import { jsonLineMeter, type EventUsage, type UsageMeter } from "../usage/meter.ts";
import { usageOf, type Usage } from "../usage/record.ts";

/** The CLI this backend runs, and how to install it. */
export const GEMINI_CLI = { binary: "gemini", install: "npm install -g @google/gemini-cli" } as const;

/**
 * Permission flags. auto_edit approves the edit tools; alone it leaves Gemini without a shell tool headless (it
 * drops the tools that would ask), so `--allowed-tools=run_shell_command` approves the shell too: the narrowest
 * setting that lets the agent run tests and builds.
 * yolo approves everything. `--skip-trust` trusts the workdir for this session: seqorch was told to work there,
 * and Gemini otherwise refuses to run headless in a folder it has not been told to trust.
 */
const PERMISSION_ARGS = {
  workdir: ["--approval-mode", "auto_edit", "--allowed-tools=run_shell_command"],
  bypass: ["--approval-mode", "yolo"],
} as const;

/**
 * `gemini --output-format stream-json --skip-trust <permissions> [-m M] [--resume ID] [extra]`; the prompt is
 * read from stdin (not a TTY, so Gemini runs headless without `-p`).
 */
export function geminiArgv(request: LaunchRequest, options: NativeOptions): string[] {
  return [
    GEMINI_CLI.binary,
    "--output-format",
    "stream-json",
    "--skip-trust",
    ...PERMISSION_ARGS[options.permission],
    ...(options.model ? ["-m", options.model] : []),
    ...(options.resume && request.previousSessionId ? ["--resume", request.previousSessionId] : []),
    ...options.extraArgs,
  ];
}

/** The message of a JSON error Gemini printed on stderr (`{"session_id", "error": {"message"}}`), if any. */
function stderrJsonError(errLog: string): string | undefined {
  const text = readTail(errLog, 16 * 1024);
  const at = text.lastIndexOf('{"session_id"');
  if (at < 0) return undefined;
  try {
    return str(obj(obj(JSON.parse(text.slice(at))).error).message);
  } catch {
    return undefined; // cut or followed by other output
  }
}

/**
 * Gemini's usage: the final `result{stats{input_tokens, output_tokens, cached, input, models}}` only (no usage
 * while it runs). `input_tokens` includes the cached ones; `input` (when given) is the uncached part. No cost is
 * reported. The model is `init`'s, or the only key of `stats.models`.
 */
export function geminiUsage(fallbackModel: string | null = null): EventUsage {
  let model = fallbackModel;
  let total: Usage | null = null;
  return {
    event(event) {
      if (event.type === "init") model = str(event.model) ?? model;
      if (event.type !== "result" || event.stats === undefined) return;
      const stats = obj(event.stats);
      const cached = num(stats.cached);
      const input = typeof stats.input === "number" ? num(stats.input) : Math.max(0, num(stats.input_tokens) - cached);
      const models = Object.keys(obj(stats.models));
      total = usageOf({ input, output: num(stats.output_tokens), cacheRead: cached }, model ?? (models.length === 1 ? models[0]! : null));
    },
    usage: () => total,
  };
}

/** A live meter of Gemini's stream-json stdout. */
export const geminiMeter = (model: string | null = null): UsageMeter => jsonLineMeter(geminiUsage(model), /"stats"|"init"/);

/**
 * Gemini's stream-json events: `init{session_id}`, `message{role, content, delta}`, `tool_use`, `tool_result`,
 * `result{status, error, stats}`. The final message is the assistant text after the last tool event; user
 * messages (the prompt echoed back) are never part of it.
 */
export async function parseGeminiStream(outLog: string, errLog: string, exit: AttemptExit, model: string | null = null): Promise<AgentReply> {
  const usage = geminiUsage(model);
  let sessionId: string | null = null;
  let text = "";
  const errors: string[] = [];
  for await (const event of readJsonl(outLog)) {
    usage.event(event);
    if (event.type === "init") sessionId ??= str(event.session_id) ?? null;
    else if (event.type === "message" && event.role === "assistant") text += str(event.content) ?? "";
    else if (event.type === "tool_use" || event.type === "tool_result") text = "";
    else if (event.type === "result") {
      const message = str(obj(event.error).message);
      if (event.status === "error" || message) errors.push(message ?? "error");
    }
  }
  if (errors.length === 0 && exit.exitCode !== 0 && exit.exitCode !== null) {
    const detail = stderrJsonError(errLog) ?? stderrSummary(errLog);
    if (detail) errors.push(detail);
  }
  // Gemini quotes the API's error JSON in its message: `[API Error: {"error":{"code":429,…}}]`.
  const limited = errors.find((e) => /"code":\s*429\b|\bRESOURCE_EXHAUSTED\b/.test(e));
  return { finalMessage: text, sessionId, errors, usage: usage.usage(), rateLimit: limited ? { resetAt: null, detail: limited } : null };
}

/** The gemini adapter. */
export function geminiAdapter(options: NativeOptions): AgentAdapter {
  return {
    name: "gemini",
    buildLaunch: (request): AgentLaunch => ({ argv: geminiArgv(request, options), env: {}, stdin: "prompt" }),
    parseReply: (outLog, errLog, exit) => parseGeminiStream(outLog, errLog, exit, options.model ?? null),
    usageMeter: () => geminiMeter(options.model ?? null),
  };
}
