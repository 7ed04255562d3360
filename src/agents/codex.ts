// The `codex` backend: OpenAI Codex CLI run headless (`codex exec --json`), prompt on stdin.
import type { AttemptExit } from "../runner/types.ts";
import { num, obj, readJsonl, stderrSummary, str } from "./jsonl.ts";
import type { NativeOptions } from "./native-options.ts";
import type { AgentAdapter, AgentLaunch, AgentReply, LaunchRequest } from "./types.ts";
import { jsonLineMeter, type EventUsage, type UsageMeter } from "../usage/meter.ts";
import { usageOf, type Usage } from "../usage/record.ts";

/** The CLI this backend runs, and how to install it. */
export const CODEX_CLI = { binary: "codex", install: "npm install -g @openai/codex" } as const;

/** Permission flags. `-s` is not accepted by `codex exec resume`, so the sandbox is set with `-c` for both. */
const PERMISSION_ARGS = {
  workdir: ["-c", 'sandbox_mode="workspace-write"', "-c", 'approval_policy="never"'],
  bypass: ["--dangerously-bypass-approvals-and-sandbox"],
} as const;

/**
 * `codex exec --json --skip-git-repo-check <permissions> [-m MODEL] [extra] -`, or
 * `codex exec resume <same options> <thread id> -` to continue the previous attempt's thread.
 */
export function codexArgv(request: LaunchRequest, options: NativeOptions): string[] {
  const common = [
    "--json",
    "--skip-git-repo-check",
    ...PERMISSION_ARGS[options.permission],
    ...(options.model ? ["-m", options.model] : []),
    ...options.extraArgs,
  ];
  const resume = options.resume && request.previousSessionId ? request.previousSessionId : null;
  return resume ? [CODEX_CLI.binary, "exec", "resume", ...common, resume, "-"] : [CODEX_CLI.binary, "exec", ...common, "-"];
}

/**
 * Codex's usage: `turn.completed{usage{input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens}}`
 * per turn, summed. `input_tokens` includes the cached ones (the Responses API's count), so they are taken off.
 * Codex names no model in its stream and reports no cost: the model is --model's (`fallbackModel`).
 */
export function codexUsage(fallbackModel: string | null = null): EventUsage {
  let sum: Usage | null = null;
  return {
    event(event) {
      if (event.type !== "turn.completed") return;
      const u = obj(event.usage);
      const cacheRead = num(u.cached_input_tokens);
      const cacheWrite = num(u.cache_write_input_tokens);
      sum ??= usageOf({}, fallbackModel);
      sum.input += Math.max(0, num(u.input_tokens) - cacheRead - cacheWrite);
      sum.output += num(u.output_tokens);
      sum.cache_read += cacheRead;
      sum.cache_write += cacheWrite;
    },
    usage: () => sum,
  };
}

/** A live meter of Codex's `--json` stdout. */
export const codexMeter = (model: string | null = null): UsageMeter => jsonLineMeter(codexUsage(model), /"turn\.completed"/);

/**
 * Codex's `--json` events: `thread.started{thread_id}`, `item.completed{item}` (the last `agent_message` is the
 * final message), `turn.completed{usage}`, `turn.failed{error}`, `error{message}` (retry notices and errors).
 */
export async function parseCodexStream(outLog: string, errLog: string, exit: AttemptExit, model: string | null = null): Promise<AgentReply> {
  const usage = codexUsage(model);
  let sessionId: string | null = null;
  let finalMessage = "";
  let lastError: string | undefined;
  const errors: string[] = [];
  for await (const event of readJsonl(outLog)) {
    const type = event.type;
    usage.event(event);
    if (type === "thread.started") sessionId ??= str(event.thread_id) ?? null;
    else if (type === "item.completed") {
      const item = obj(event.item);
      if (item.type === "agent_message") finalMessage = str(item.text) ?? finalMessage;
    } else if (type === "turn.failed") {
      const message = str(obj(event.error).message);
      if (message) errors.push(message);
    } else if (type === "error") {
      lastError = str(event.message) ?? lastError;
    }
  }
  if (errors.length === 0 && exit.exitCode !== 0 && exit.exitCode !== null) {
    const detail = lastError ?? stderrSummary(errLog);
    if (detail) errors.push(detail);
  }
  // Codex reports an HTTP 429 as "… status: 429 Too Many Requests" once its retries are spent.
  const limited = errors.find((e) => /\b429\b/.test(e));
  return { finalMessage, sessionId, errors, usage: usage.usage(), rateLimit: limited ? { resetAt: null, detail: limited } : null };
}

/** The codex adapter. */
export function codexAdapter(options: NativeOptions): AgentAdapter {
  return {
    name: "codex",
    buildLaunch: (request): AgentLaunch => ({ argv: codexArgv(request, options), env: {}, stdin: "prompt" }),
    parseReply: (outLog, errLog, exit) => parseCodexStream(outLog, errLog, exit, options.model ?? null),
    usageMeter: () => codexMeter(options.model ?? null),
  };
}
