// Turns run events into lines on the terminal (consola), and prints the end-of-run summary.
import type { RunEvent } from "../actors/run-context.ts";
import { log } from "../log.ts";
import type { RunResult } from "../run-spec.ts";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A reporter that logs each event as one line. */
export function createLineReporter(): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case "unit-next":
        log.start(`Unit ${event.position} of ${event.total}: ${event.unitId} ${event.title}`);
        break;
      case "unit-started":
        log.info(`  attempt ${event.attempt} of ${event.maxAttempts} on ${event.backend}, ${event.where}; log ${event.log}`);
        break;
      case "attempt-finished":
        if (event.status === "done") log.success(`  unit ${event.unitId} done in ${seconds(event.durationMs)}`);
        else if (event.status === "halt") log.warn(`  unit ${event.unitId}: the agent asked for a human (HALT)`);
        else if (event.status !== "rate-limited") log.warn(`  unit ${event.unitId} attempt ${event.attempt} ${event.status}: ${event.reason}`);
        break;
      case "rate-limited":
        log.warn(`  unit ${event.unitId}: ${event.reason}; waiting until ${new Date(event.untilMs).toISOString()} (not counted as an attempt)`);
        break;
      case "spec-changed":
        log.info(`tasks.md changed: ${event.detail}`);
        break;
      case "warning":
        log.warn(event.message);
        break;
    }
  };
}

/** Print what happened and, when the run did not complete, what to do next. */
export function printSummary(result: RunResult, resumeCommand: string): void {
  const where = result.tmuxSession ? ` (tmux session ${result.tmuxSession})` : "";
  switch (result.final) {
    case "complete":
      log.success(`All units done${where}. State: ${result.paths.stateFile}`);
      break;
    case "limitReached":
      log.warn(`Stopped at --max-iterations after ${result.iterations} iterations; ${result.pending} unit(s) left. Resume: ${resumeCommand}`);
      break;
    case "halted":
      log.error(`Halted (${result.haltReason}): ${result.detail ?? ""}`);
      log.info(`Progress: ${result.paths.progressFile}. After fixing, resume with: ${resumeCommand}`);
      break;
    case "stopped":
      log.warn(`Stopped. State and progress are saved; resume with: ${resumeCommand}`);
      break;
    case "failed":
      break;
  }
}
