// The process's stop request: SIGINT, SIGTERM and SIGHUP abort one signal that the run listens to.
// A second signal aborts the hurry signal first: its listeners (the runners) SIGKILL what is left of every
// agent's tree synchronously, and only then does the process exit. A second Ctrl-C shortens the grace; it never
// leaves an agent running.
let controller: AbortController | null = null;
const hurryController = new AbortController();
let received: NodeJS.Signals | null = null;

/** An AbortSignal that aborts on the first SIGINT/SIGTERM/SIGHUP; a second one exits at once. Installs the handlers once. */
export function stopSignal(): AbortSignal {
  if (controller) return controller.signal;
  const ctl = new AbortController();
  controller = ctl;
  for (const name of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(name, () => {
      if (received) {
        hurryController.abort(name);
        process.exit(name === "SIGINT" ? 130 : 143);
      }
      received = name;
      ctl.abort(name);
    });
  }
  return ctl.signal;
}

/** Aborts on the second stop signal, just before the process exits; listeners must be synchronous. */
export function hurrySignal(): AbortSignal {
  return hurryController.signal;
}

/** Wait `ms`, or less when a stop is asked for meanwhile. */
export function sleepUnlessStopped(ms: number): Promise<void> {
  const signal = stopSignal();
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The signal that asked the run to stop, if any. */
export function receivedSignal(): NodeJS.Signals | null {
  return received;
}
