// User hooks (--on-halt, --on-complete): run a shell command with the run's outcome in its environment,
// in the background, so a slow or failing hook never blocks or crashes the run.

/** What a hook learns, as environment variables (SEQORCH_EVENT, SEQORCH_REASON, …). */
export interface HookEvent {
  event: "halt" | "complete";
  reason: string;
  summary: string;
  specDir: string;
  unit: string | null;
  stateFile: string;
  progressFile: string;
}

/** Hooks are ended after this long, ms. */
const HOOK_LIMIT_MS = 60_000;

/**
 * Start `command` with `/bin/sh -c` (it is the user's own command line) and the event in its environment.
 * Returns at once; the hook is ended after a minute. Returns an error message when it could not start, else null.
 */
export function runHook(command: string, event: HookEvent): string | null {
  try {
    const proc = Bun.spawn(["/bin/sh", "-c", command], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
      env: {
        ...process.env,
        SEQORCH_EVENT: event.event,
        SEQORCH_REASON: event.reason,
        SEQORCH_SUMMARY: event.summary,
        SEQORCH_SPEC_DIR: event.specDir,
        SEQORCH_UNIT: event.unit ?? "",
        SEQORCH_STATE_FILE: event.stateFile,
        SEQORCH_PROGRESS_FILE: event.progressFile,
      },
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), HOOK_LIMIT_MS);
    timer.unref();
    proc.unref();
    void proc.exited.then(() => clearTimeout(timer));
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
