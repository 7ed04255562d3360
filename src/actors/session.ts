// The session actor's work: wait for a started attempt to end, then judge it from the agent's final message.
import { dirname, join } from "node:path";
import type { AttemptOutcome, SessionInput } from "../../machines/orchestrator.ts";
import type { AttemptHandle } from "../runner/types.ts";
import { detectSignal } from "../signals.ts";
import type { RunContext } from "./run-context.ts";

/**
 * Wait for the attempt in `input.dispatched`; `signal` (the actor being stopped) and the run's stop signal
 * end the agent's process tree. TASK_DONE in the final message completes the unit, HALT halts the run,
 * anything else is a failed attempt whatever the exit code.
 */
export async function awaitAttempt(context: RunContext, input: SessionInput, signal: AbortSignal): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener("abort", abort, { once: true });
  context.stopSignal.addEventListener("abort", abort, { once: true });
  if (input.stopRequested || context.stopSignal.aborted) abort();
  try {
    const handle = input.dispatched.handle as AttemptHandle;
    const exit = await context.runner.wait(handle, controller.signal);
    if (exit.reason === "aborted") return { kind: "interrupted", reason: exit.detail ?? "stopped by the user" };
    const adapter = context.adapterFor(input.assignment.backend);
    const reply = await adapter.parseReply(input.dispatched.outLog, join(dirname(input.dispatched.outLog), "err.log"), exit);
    if (exit.reason === "lost") {
      return { kind: "failed", reason: exit.detail ?? "the agent's window or tmux server went away", message: reply.finalMessage, exitCode: null };
    }
    const found = detectSignal(reply.finalMessage);
    if (found === "halt") return { kind: "halt", message: reply.finalMessage, exitCode: exit.exitCode };
    if (found === "done") return { kind: "done", message: reply.finalMessage, exitCode: exit.exitCode };
    const errors = reply.errors.length > 0 ? `: ${reply.errors.join("; ")}` : "";
    return {
      kind: "failed",
      reason: `no completion marker in the agent's reply (exit code ${exit.exitCode ?? "none"})${errors}`,
      message: reply.finalMessage,
      exitCode: exit.exitCode,
    };
  } finally {
    signal.removeEventListener("abort", abort);
    context.stopSignal.removeEventListener("abort", abort);
  }
}
