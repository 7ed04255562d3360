// The `codex` backend: OpenAI Codex CLI run headless (`codex exec --json`), prompt on stdin.
import type { AttemptExit } from "../runner/types.ts";
import { num, obj, readJsonl, stderrSummary, str } from "./jsonl.ts";
import type { NativeOptions } from "./native-options.ts";
import type { AgentAdapter, AgentLaunch, AgentReply, LaunchRequest } from "./types.ts";

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
 * Codex's `--json` events: `thread.started{thread_id}`, `item.completed{item}` (the last `agent_message` is the
 * final message), `turn.completed{usage}`, `turn.failed{error}`, `error{message}` (retry notices and errors).
 */
export async function parseCodexStream(outLog: string, errLog: string, exit: AttemptExit): Promise<AgentReply> {
  let sessionId: string | null = null;
  let finalMessage = "";
  let input = 0;
  let output = 0;
  let sawUsage = false;
  let lastError: string | undefined;
  const errors: string[] = [];
  for await (const event of readJsonl(outLog)) {
    const type = event.type;
    if (type === "thread.started") sessionId ??= str(event.thread_id) ?? null;
    else if (type === "item.completed") {
      const item = obj(event.item);
      if (item.type === "agent_message") finalMessage = str(item.text) ?? finalMessage;
    } else if (type === "turn.completed") {
      const usage = obj(event.usage);
      input += num(usage.input_tokens);
      output += num(usage.output_tokens);
      sawUsage = true;
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
  return { finalMessage, sessionId, errors, usage: sawUsage ? { input, output } : null, rateLimit: limited ? { resetAt: null, detail: limited } : null };
}

/** The codex adapter. */
export function codexAdapter(options: NativeOptions): AgentAdapter {
  return {
    name: "codex",
    buildLaunch: (request): AgentLaunch => ({ argv: codexArgv(request, options), env: {}, stdin: "prompt" }),
    parseReply: parseCodexStream,
  };
}
