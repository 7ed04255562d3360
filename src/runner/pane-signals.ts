// How an attempt's pane tells seqorch it has ended: one line (its channel name) written into a FIFO that seqorch
// reads for the whole run. The write is a shell builtin (`echo CHANNEL 1<>FIFO`), where `tmux wait-for -S` was a
// tmux client the pane started at its end (an exec, a connection to the server, and the server's reply to the
// waiting client: 4–5 ms of a 23 ms unit with the instant agent on the critical path, in a `perf` timeline of
// one unit here; scripts/bench.ts's tmux row went from 1.78× to 1.55× the floor).
//
// Opened read-write on both sides: the pane's open never blocks (with seqorch gone its line is simply dropped:
// the exit file is the record, and recovery reads that), and seqorch's read never sees an end of file between
// writers. A line of at most PIPE_BUF bytes is written whole, so panes of parallel units cannot interleave.
import { closeSync, constants, lstatSync, openSync } from "node:fs";

/** The completion lines of a run's attempt panes. */
export interface PaneSignals {
  /** The FIFO's path, for the attempt scripts. */
  readonly path: string;
  /**
   * Resolves true once the pane of `channel` wrote its line (now, or earlier in this run), false when `stop`
   * aborts first. Never throws.
   */
  wait(channel: string, stop: AbortSignal): Promise<boolean>;
  /** Stop reading and close the FIFO (idempotent); pending waits resolve false. */
  close(): void;
}

/** Lines kept for channels nobody waits on yet (an attempt whose line came before its wait), oldest dropped first. */
const KEPT_LINES = 1024;

/**
 * Create the FIFO at `path` (mode 0600, with `mkfifo`, once: it stays for later runs of the spec) and start reading
 * it. Null, and nothing removed, where that cannot be done (the path is some other kind of file, the file system
 * has no FIFOs, no mkfifo, not a POSIX system): the caller then signals through `tmux wait-for` instead.
 */
export function openPaneSignals(path: string): PaneSignals | null {
  let fd: number;
  try {
    if (process.platform === "win32" || !ensureFifo(path)) return null;
    fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const waiters = new Map<string, (signalled: boolean) => void>();
  const arrived = new Set<string>();
  const reader = Bun.file(fd).stream().getReader();
  let closed = false;

  const deliver = (channel: string) => {
    const waiter = waiters.get(channel);
    if (waiter !== undefined) return waiter(true);
    arrived.add(channel);
    if (arrived.size > KEPT_LINES) arrived.delete(arrived.values().next().value!);
  };
  void (async () => {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const lines = (partial + decoder.decode(value, { stream: true })).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line !== "") deliver(line);
      }
    } catch {
      // Closed under the read, or the FIFO broke: waits fall back on the panes' liveness checks.
    }
  })();

  return {
    path,
    wait(channel, stop) {
      if (arrived.delete(channel)) return Promise.resolve(true);
      if (closed || stop.aborted) return Promise.resolve(false);
      return new Promise((resolve) => {
        const settle = (value: boolean) => {
          waiters.delete(channel);
          stop.removeEventListener("abort", aborted);
          resolve(value);
        };
        const aborted = () => settle(false);
        waiters.set(channel, settle);
        stop.addEventListener("abort", aborted, { once: true });
      });
    },
    close() {
      if (closed) return;
      closed = true;
      for (const settle of [...waiters.values()]) settle(false);
      void reader.cancel().catch(() => {});
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    },
  };
}

/** True when `path` is a FIFO (owned by this user) or could be made one. */
function ensureFifo(path: string): boolean {
  const existing = lstatSync(path, { throwIfNoEntry: false });
  if (existing !== undefined) return existing.isFIFO() && existing.uid === process.getuid?.();
  try {
    const made = Bun.spawnSync(["mkfifo", "-m", "600", path], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    return made.exitCode === 0 && lstatSync(path, { throwIfNoEntry: false })?.isFIFO() === true;
  } catch {
    return false; // no mkfifo on PATH
  }
}
