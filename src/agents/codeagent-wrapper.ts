// The `codeagent-wrapper` backend: the reference's Go wrapper, run for one task with the prompt on stdin.
import type { AttemptExit } from "../runner/types.ts";
import { readTail } from "./log-tail.ts";
import { stderrSummary } from "./jsonl.ts";
import type { NativeOptions } from "./native-options.ts";
import type { AgentAdapter, AgentLaunch, AgentReply, LaunchRequest } from "./types.ts";

/** The program this backend runs, and how to install it. */
export const WRAPPER_CLI = {
  binary: "codeagent-wrapper",
  install: "build it from PeterFile/devpilot-agents (codeagent-wrapper/) and put it on PATH",
} as const;

const REPLY_TAIL_BYTES = 64 * 1024;
const SESSION_LINE = /\n---\nSESSION_ID: *(\S*)\s*$/;

/**
 * `codeagent-wrapper [extra, e.g. --backend claude] - <workdir>`, or `… resume <session id> - <workdir>`.
 * The wrapper reads the prompt from stdin (`-`). Full bypass sets the reference's own switches.
 */
export function wrapperLaunch(request: LaunchRequest, options: NativeOptions): AgentLaunch {
  const resume = options.resume && request.previousSessionId ? ["resume", request.previousSessionId] : [];
  return {
    argv: [WRAPPER_CLI.binary, ...options.extraArgs, ...resume, "-", request.workdir],
    env: options.permission === "bypass" ? { CODEX_BYPASS_SANDBOX: "true", CODEAGENT_SKIP_PERMISSIONS: "true" } : {},
    stdin: "prompt",
  };
}

/** The wrapper prints the agent's message, then `\n---\nSESSION_ID: <id>`; errors go to stderr. */
export async function parseWrapperOutput(outLog: string, errLog: string, exit: AttemptExit): Promise<AgentReply> {
  const text = readTail(outLog, REPLY_TAIL_BYTES);
  const match = SESSION_LINE.exec(text);
  const errors: string[] = [];
  if (exit.exitCode !== 0 && exit.exitCode !== null) {
    const detail = stderrSummary(errLog);
    if (detail) errors.push(detail);
  }
  return { finalMessage: match ? text.slice(0, match.index) : text, sessionId: match?.[1] || null, errors };
}

/** The codeagent-wrapper adapter. */
export function wrapperAdapter(options: NativeOptions): AgentAdapter {
  return { name: "codeagent-wrapper", buildLaunch: (request) => wrapperLaunch(request, options), parseReply: parseWrapperOutput };
}
