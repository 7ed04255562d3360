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

/** Hooks are ended after this long, ms (SEQORCH_HOOK_LIMIT_MS: tests shorten it). */
function hookLimitMs(): number {
  const n = Number(process.env.SEQORCH_HOOK_LIMIT_MS);
  return Number.isFinite(n) && n > 0 ? n : 60_000;
}
/** After the limit's SIGTERM, SIGKILL follows this many seconds later. */
const HOOK_KILL_AFTER_S = 5;

/**
 * The hook's argv: under coreutils `timeout`, a watchdog that outlives seqorch and ends the hook's whole process
 * group (SIGTERM at the limit, SIGKILL 5 s later); where there is no `timeout` (macOS without coreutils), the
 * hook alone, ended by seqorch's own timer if seqorch still runs then.
 */
function hookArgv(command: string, limitMs: number): { argv: string[]; watched: boolean } {
  const timeout = Bun.which("timeout");
  const shell = ["/bin/sh", "-c", command];
  if (timeout === null) return { argv: shell, watched: false };
  return { argv: [timeout, "-k", `${HOOK_KILL_AFTER_S}s`, `${limitMs / 1000}s`, ...shell], watched: true };
}

/**
 * Start `command` with `/bin/sh -c` (it is the user's own command line) and the event in its environment.
 * Returns at once; the hook and what it started are ended after a minute, even when seqorch has exited by then
 * (see hookArgv). Returns an error message when it could not start, else null.
 */
export function runHook(command: string, event: HookEvent): string | null {
  return runHookCommand(command, {
    SEQORCH_EVENT: event.event,
    SEQORCH_REASON: event.reason,
    SEQORCH_SUMMARY: event.summary,
    SEQORCH_SPEC_DIR: event.specDir,
    SEQORCH_UNIT: event.unit ?? "",
    SEQORCH_STATE_FILE: event.stateFile,
    SEQORCH_PROGRESS_FILE: event.progressFile,
  });
}

/**
 * Start a hook with `env` added to seqorch's environment (`--on-decision` passes its own variables), in the
 * background, ended like the others (see hookArgv). Returns an error message when it could not start, else null.
 */
export function runHookCommand(command: string, env: Record<string, string>): string | null {
  const limitMs = hookLimitMs();
  const { argv, watched } = hookArgv(command, limitMs);
  try {
    const proc = Bun.spawn(argv, { detached: true, stdin: "ignore", stdout: "ignore", stderr: "ignore", env: { ...process.env, ...env } });
    proc.unref();
    if (!watched) {
      const timer = setTimeout(() => proc.kill("SIGKILL"), limitMs);
      timer.unref();
      void proc.exited.then(() => clearTimeout(timer));
    }
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
