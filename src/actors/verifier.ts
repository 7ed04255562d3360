// The verifier actor's work: run each --verify command with /bin/sh -c in the workdir after a TASK_DONE, output to a
// file in the attempt's folder, and record the results; the machine's verifyTimeout delay (or a stop) aborts it.
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import type { VerifyInput, VerifyOutput } from "../../machines/orchestrator.ts";
import { readTail } from "../agents/log-tail.ts";
import { crashPoint } from "../fault-injection.ts";
import { endAttemptTree } from "../runner/process-tree.ts";
import type { VerifyRecord } from "../store/pipeline.ts";
import { safeName } from "./dispatcher.ts";
import { ensurePipeline } from "./pipeline-record.ts";
import { contextForUnit, type RunContext } from "./run-context.ts";

/** Lines of a failed check's output that go into the next prompt (the issue's figure). */
export const VERIFY_TAIL_LINES = 150;
/** Bytes read from the end of a check's log to find those lines. */
const TAIL_BYTES = 64 * 1024;

/** The last `n` lines of a check's log. */
export function verifyTail(log: string, n = VERIFY_TAIL_LINES): string {
  return readTail(log, TAIL_BYTES).split(/\r?\n/).slice(-n - 1).join("\n").trimEnd();
}

/** Run one command; resolves with its exit code (128+signal when killed), or null when `signal` aborted it. */
async function runCheck(command: string, cwd: string, log: string, env: Record<string, string>, signal: AbortSignal): Promise<number | null> {
  const fd = openSync(log, "a");
  // The check's processes carry this id, so the whole tree is found and ended even where it left the group.
  const checkId = `${process.pid}-check-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let proc;
  try {
    proc = Bun.spawn(["/bin/sh", "-c", command], { cwd, env: { ...process.env, ...env, SEQORCH_ATTEMPT_ID: checkId }, stdio: ["ignore", fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  const pid = proc.pid;
  const onAbort = () => void endAttemptTree({ pgid: pid, rootPid: pid, attemptId: checkId }, { graceMs: 2_000 });
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const code = await proc.exited;
    if (signal.aborted) return null;
    return proc.signalCode ? 128 + (typeof proc.signalCode === "number" ? proc.signalCode : 9) : code;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Run the checks in order, stopping at the first that fails. Each writes `verify-<n>.log` beside the attempt's
 * out.log. Records the results on the unit's pipeline record. Throws when a check cannot be started.
 */
export async function verifyAttempt(runContext: RunContext, input: VerifyInput, signal: AbortSignal): Promise<VerifyOutput> {
  const context = contextForUnit(runContext, input.unit.key); // the checks run in the unit's worktree with --parallel
  // A human's fix has no agent log: its checks get a folder of their own.
  const dir = input.dispatched.outLog ? dirname(input.dispatched.outLog) : join(context.paths.attemptsDir, `${safeName(input.unit.key)}.checks-${input.attempt}`);
  mkdirSync(dir, { recursive: true });
  const results: VerifyRecord[] = [];
  crashPoint("verify.start");
  for (const [i, command] of context.gates.verify.entries()) {
    const log = join(dir, `verify-${i + 1}.log`);
    const started = Date.now();
    const code = await runCheck(command, context.paths.workdir, log, { SEQORCH_SPEC_DIR: context.paths.specDir, SEQORCH_UNIT: input.unit.id }, signal);
    results.push({ command, exit_code: code, timed_out: false, duration_ms: Date.now() - started, log });
    if (code === null) break; // aborted: the machine says why (timeout or stop)
    context.report({ type: "unit-step", unitId: input.unit.id, step: "verify", ok: code === 0, detail: `\`${command}\` ${code === 0 ? "passed" : `failed (exit ${code})`}; log ${log}` });
    if (code !== 0) break;
  }
  crashPoint("verify.done");
  // Not fsynced: the results feed the next prompt; lost, the checks run again.
  context.store.update((state) => void (ensurePipeline(state, input.unit.key).verify = results), { units: [input.unit.key], durable: false });
  const failed = results.find((r) => r.exit_code !== 0);
  if (!failed || failed.exit_code === null) return { passed: !failed, reason: null };
  return { passed: false, reason: `verify failed: \`${failed.command}\` exited ${failed.exit_code} (log: ${failed.log})` };
}
