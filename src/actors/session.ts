// The session actor's work: wait for a started attempt to end, then judge it from the agent's final message.
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AttemptOutcome, SessionInput } from "../../machines/orchestrator.ts";
import { readTail } from "../agents/log-tail.ts";
import { detectRateLimit } from "../agents/rate-limit.ts";
import type { AgentReply } from "../agents/types.ts";
import type { AttemptExit, AttemptHandle } from "../runner/types.ts";
import { crashPoint } from "../fault-injection.ts";
import { capLog } from "../runner/log-cap.ts";
import { detectSignal, TASK_DONE } from "../signals.ts";
import { appendProgressNote } from "../store/progress.ts";
import { contextForUnit, type RunContext } from "./run-context.ts";
import { priceUsage } from "../usage/prices.ts";
import { watchAttemptBudget } from "./budget.ts";
import { canDoubtLate, doubtDone, doubtLate, fingerprintAfter, fingerprintAfterEnd } from "./runaway.ts";

/** How often the agent's log sizes are compared for the idle timeout, ms. */
const IDLE_CHECK_MS = 1_000;
const ERROR_TAIL_BYTES = 16 * 1024;

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // not created yet
  }
}

/**
 * Watch the attempt's output files: cap them at `maxLogBytes` (tail kept), and call `onIdle` when neither has
 * grown for `idleMs` (Infinity: never). Returns a stop function.
 * (The wall-clock limit is the machine's `taskTimeout` delay; this one needs to see output, so it lives here.)
 */
function watchOutput(outLog: string, errLog: string, idleMs: number, maxLogBytes: number, writers: number | null, onIdle: () => void): () => void {
  let last = sizeOf(outLog) + sizeOf(errLog);
  let quietSince = Date.now();
  const timer = setInterval(() => {
    const cut = capLog(outLog, maxLogBytes, writers) + capLog(errLog, maxLogBytes, writers);
    const size = sizeOf(outLog) + sizeOf(errLog);
    if (cut > 0) {
      last = size;
      quietSince = Date.now();
      return;
    }
    if (!Number.isFinite(idleMs)) {
      last = size;
      return;
    }
    if (size !== last) {
      last = size;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= idleMs) {
      clearInterval(timer);
      onIdle();
    }
  }, Math.min(IDLE_CHECK_MS, idleMs > 0 ? idleMs : IDLE_CHECK_MS));
  return () => clearInterval(timer);
}

/** The last `n` non-empty lines: where an agent's own closing words are (not file contents it printed earlier). */
function lastLines(text: string, n: number): string {
  return text.split(/\r?\n/).filter((l) => l.trim() !== "").slice(-n).join("\n");
}

/** Judge a finished attempt: signal in the final message first, then a rate limit, else a failure. `errText` (the stderr tail) is read only when no signal was found. */
export function judgeAttempt(exit: AttemptExit, reply: AgentReply, errText: () => string, patterns: readonly RegExp[] | undefined, now: number): AttemptOutcome {
  const found = detectSignal(reply.finalMessage);
  if (found === "halt") return { kind: "halt", message: reply.finalMessage, exitCode: exit.exitCode };
  if (found === "done") return { kind: "done", message: reply.finalMessage, exitCode: exit.exitCode };
  const limit = reply.rateLimit
    ? { resetAt: reply.rateLimit.resetAt, line: reply.rateLimit.detail }
    : detectRateLimit([...reply.errors, errText(), lastLines(reply.finalMessage, 5)], now, patterns);
  if (limit) {
    return { kind: "rate-limited", reason: `rate limited: ${limit.line}`, message: reply.finalMessage, resetAt: limit.resetAt };
  }
  if (exit.reason === "lost") {
    return { kind: "failed", reason: exit.detail ?? "the agent's window or tmux server went away", message: reply.finalMessage, exitCode: null };
  }
  const errors = reply.errors.length > 0 ? `: ${reply.errors.join("; ")}` : "";
  return {
    kind: "failed",
    reason: `no completion marker in the agent's reply (its last lines must hold ${TASK_DONE}; exit code ${exit.exitCode ?? "none"})${errors}`,
    message: reply.finalMessage,
    exitCode: exit.exitCode,
  };
}

/** Name in the progress log (and on the display) what the agent left running that the runner had to end. */
function noteLeftovers(context: RunContext, input: SessionInput, leftovers: string[]): void {
  const message = `unit ${input.unit.id}, attempt ${input.attempt}: ended what the agent left running: ${leftovers.join(", ")}`;
  context.report({ type: "warning", message });
  appendProgressNote(context.paths.progressFile, `Processes left behind ${new Date().toISOString()}`, [message]);
}

/** Keep the agent CLI's session id and usage (priced: src/usage/prices.ts) on the running attempt's record. */
function recordAgentSession(context: RunContext, unitKey: string, reply: AgentReply): void {
  if (!reply.sessionId && !reply.usage) return;
  context.store.update((state) => {
    const record = state.attempts[unitKey]?.findLast((a) => a.status === "running");
    if (!record) return;
    record.agent_session_id = reply.sessionId ?? null;
    record.agent_usage = reply.usage ? priceUsage(reply.usage, context.prices) : null;
  }, { units: [unitKey] });
}

/**
 * Wait for the attempt in `input.dispatched`; `signal` (the actor being stopped: timeout or STOP) and the run's
 * stop signal end the agent's process tree. TASK_DONE in the final message completes the unit, HALT halts the
 * run, a rate limit waits and retries, anything else is a failed attempt whatever the exit code.
 */
export async function awaitAttempt(runContext: RunContext, input: SessionInput, signal: AbortSignal): Promise<AttemptOutcome> {
  const context = contextForUnit(runContext, input.unit.key); // its "done" is judged in its worktree with --parallel
  const controller = new AbortController();
  let idle = false;
  // With --detach-on-stop a user's stop leaves the agent running for the next run to adopt; timeouts still end it.
  const abort = () => {
    if (context.detachOnStop && context.stopSignal.aborted && !idle) return;
    controller.abort();
  };
  signal.addEventListener("abort", abort, { once: true });
  context.stopSignal.addEventListener("abort", abort, { once: true });
  if (input.stopRequested || context.stopSignal.aborted) abort();
  const outLog = input.dispatched.outLog;
  const errLog = join(dirname(outLog), "err.log");
  // The attempt's process group writes the logs (the agent, or the pane's tee): paused for a trim's last step.
  const writers = (input.dispatched.handle as AttemptHandle).pid;
  const stopWatching = watchOutput(outLog, errLog, context.idleTimeoutMs, context.maxLogBytes, writers, () => {
    idle = true;
    abort();
  });
  // Usage reported while it runs that reaches a limit ends the attempt's whole tree (also with --detach-on-stop).
  let overBudget: string | null = null;
  const stopBudget = watchAttemptBudget(context, input.unit, input.assignment.backend, outLog, (reached) => {
    overBudget = reached;
    controller.abort();
  });
  try {
    const handle = input.dispatched.handle as AttemptHandle;
    // The runaway check's git status starts as soon as the agent has exited (before the runner looks for what it
    // left running) and runs beside the reading of the reply (and the recording).
    let early: ReturnType<typeof fingerprintAfter> = null;
    const waiting = context.runner.wait(handle, controller.signal, () => (early = fingerprintAfter(context, input.dispatched.before)));
    crashPoint("wait");
    const exit = await waiting;
    const after = exit.reason === "aborted" ? null : fingerprintAfterEnd(context, input.dispatched.before, early, Boolean(exit.leftovers?.length));
    if (exit.leftovers?.length) noteLeftovers(context, input, exit.leftovers);
    capLog(outLog, context.maxLogBytes);
    capLog(errLog, context.maxLogBytes);
    if (idle) {
      return { kind: "timeout", reason: `no output for ${Math.round(context.idleTimeoutMs / 1000)} s (--idle-timeout)`, message: readTail(outLog, 4096) };
    }
    const adapter = context.adapterFor(input.assignment.backend);
    if (overBudget !== null) {
      const reply = await adapter.parseReply(outLog, errLog, exit);
      recordAgentSession(context, input.unit.key, reply);
      return { kind: "over-budget", reason: `over budget: ${overBudget} (the agent was ended)`, message: reply.finalMessage, reached: overBudget };
    }
    if (exit.reason === "aborted") return { kind: "interrupted", reason: exit.detail ?? "stopped by the user" };
    const reply = await adapter.parseReply(outLog, errLog, exit);
    recordAgentSession(context, input.unit.key, reply);
    const outcome = judgeAttempt(exit, reply, () => readTail(errLog, ERROR_TAIL_BYTES), context.rateLimitPatterns, Date.now());
    if (outcome.kind === "done" && canDoubtLate(context)) {
      doubtLate(context, input.unit.key, doubtDone(context, outcome, input.dispatched.before, after));
      return outcome;
    }
    return await doubtDone(context, outcome, input.dispatched.before, after);
  } finally {
    stopWatching();
    stopBudget();
    signal.removeEventListener("abort", abort);
    context.stopSignal.removeEventListener("abort", abort);
  }
}
