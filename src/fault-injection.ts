// Test-only fault injection: SEQORCH_CRASH_AT="point#n" makes the process SIGKILL itself the n-th time it
// passes `point`, so tests can kill a real run at exact places (a dispatch, a state write, a sleep…).
// Without the variable every call is a no-op.

const target = /^([\w.-]+)#(\d+)$/.exec(process.env.SEQORCH_CRASH_AT ?? "");
let passes = 0;

/** Die here (SIGKILL, no clean-up) when SEQORCH_CRASH_AT names this point and pass. */
export function crashPoint(point: string): void {
  if (!target || target[1] !== point) return;
  if (++passes === Number(target[2])) process.kill(process.pid, "SIGKILL");
}
