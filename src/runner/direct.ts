// The direct session runner: each attempt is a child process in its own process group, logs appended to files.
import { closeSync, openSync } from "node:fs";
import { constants as osConstants } from "node:os";
import type { Subprocess } from "bun";
import { RunnerError } from "../errors.ts";
import { createAttemptTrees } from "./attempt-trees.ts";
import { pidMark, processStartTicks, sinceOf, isAlive, type AttemptTree } from "./process-tree.ts";
import type { AttemptExit, AttemptHandle, LaunchSpec, SessionRunner } from "./types.ts";
import { withoutNestingMarkers } from "./agent-env.ts";

/** Options of {@link createDirectRunner}. */
export interface DirectRunnerOptions {
  /** Time in ms between SIGTERM and SIGKILL when an attempt is ended. Default 5000. */
  graceMs?: number;
  /** Aborted by a second Ctrl-C: every attempt's tree gets SIGKILL at once (synchronously, before the exit). */
  hurry?: AbortSignal;
}

/** The processes of an attempt: its group (the agent is its leader), the tree under it, and its attempt id. */
function treeOf(handle: AttemptHandle): AttemptTree {
  return { pgid: handle.pid, rootPid: handle.pid, attemptId: handle.attemptId ?? null, ...sinceOf(handle) };
}

/** How often an attempt not started by this runner (adopted from a state file) is checked, in ms. */
const ADOPTED_POLL_MS = 1000;

/** The exit code a shell would report: the code itself, or 128 + signal number. */
function shellExitCode(proc: Subprocess): { code: number | null; detail?: string } {
  if (proc.exitCode !== null) return { code: proc.exitCode };
  const signal = proc.signalCode;
  if (signal === null) return { code: null };
  const number = typeof signal === "number" ? signal : osConstants.signals[signal];
  return { code: number === undefined ? null : 128 + number, detail: `killed by ${String(signal)}` };
}

/** Spawn `spec.argv` detached (its own process group) with stdin from a file and output appended to the logs. */
function spawnAttempt(spec: LaunchSpec): Subprocess {
  const fds: number[] = [];
  const open = (file: string, flags: "r" | "a"): number => {
    const fd = openSync(file, flags);
    fds.push(fd);
    return fd;
  };
  try {
    const stdin = spec.stdinFile === null ? "ignore" : open(spec.stdinFile, "r");
    // "a" is O_APPEND: the child's writes go straight to the end of the log, nothing is buffered here.
    const stdout = open(spec.outLog, "a");
    const stderr = open(spec.errLog, "a");
    return Bun.spawn(spec.argv, {
      cwd: spec.cwd,
      env: { ...withoutNestingMarkers(process.env), ...spec.env },
      stdio: [stdin, stdout, stderr],
      detached: true,
    });
  } catch (error) {
    throw new RunnerError("direct", `cannot start ${JSON.stringify(spec.argv[0] ?? "")}: ${(error as Error).message}`);
  } finally {
    // The child holds its own copies of the descriptors.
    for (const fd of fds) closeSync(fd);
  }
}

/** Resolve after `ms`, or as soon as `signal` aborts. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Create the direct runner: no tmux, each attempt a detached child of this process. */
export function createDirectRunner(options: DirectRunnerOptions = {}): SessionRunner {
  const graceMs = options.graceMs ?? 5000;
  const children = new Map<number, Subprocess>();
  const trees = createAttemptTrees({ graceMs, hurry: options.hurry });

  /** End the attempt's tree (once, however many callers); resolves with what was found, described. */
  function endTree(handle: AttemptHandle): Promise<string[]> {
    return trees.end(handle.pid!, treeOf(handle));
  }

  async function waitAdopted(handle: AttemptHandle, pid: number, signal: AbortSignal): Promise<AttemptExit> {
    trees.track(pid, treeOf(handle));
    while (isAlive(pid) && !signal.aborted) await sleepUnlessAborted(ADOPTED_POLL_MS, signal);
    const durationMs = Date.now() - handle.startedAt;
    if (signal.aborted) {
      await endTree(handle);
      return { exitCode: null, reason: "aborted", durationMs, detail: "ended by seqorch" };
    }
    const leftovers = await endTree(handle);
    return { exitCode: null, reason: "lost", durationMs, detail: `process ${pid} was not started by this run; its exit code is unknown`, ...(leftovers.length ? { leftovers } : {}) };
  }

  return {
    kind: "direct",

    async start(spec) {
      if (spec.argv.length === 0) throw new RunnerError("direct", "empty argv");
      const startedAt = Date.now();
      const mark = pidMark();
      const proc = spawnAttempt(spec);
      children.set(proc.pid, proc);
      const attemptId = spec.env.SEQORCH_ATTEMPT_ID;
      const startTicks = processStartTicks(proc.pid);
      const handle: AttemptHandle = {
        runner: "direct",
        pid: proc.pid,
        windowId: null,
        sessionId: null,
        startedAt,
        attemptDir: spec.attemptDir,
        ...(attemptId ? { attemptId } : {}),
        ...(startTicks !== null ? { startTicks } : {}),
        ...(mark !== null ? { pidMark: mark } : {}),
      };
      trees.track(proc.pid, treeOf(handle));
      return handle;
    },

    async wait(handle, signal, onExit) {
      const pid = handle.pid;
      if (pid === null) throw new RunnerError("direct", "attempt handle has no pid");
      const proc = children.get(pid);
      if (proc === undefined) return waitAdopted(handle, pid, signal);
      let ending: Promise<string[]> | null = null;
      const onAbort = () => {
        ending ??= endTree(handle);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
      try {
        await proc.exited;
      } finally {
        signal.removeEventListener("abort", onAbort);
        children.delete(pid);
      }
      const durationMs = Date.now() - handle.startedAt;
      if (ending !== null) {
        // The leader is gone; report once the rest of its group is gone too.
        await ending;
        return { exitCode: null, reason: "aborted", durationMs, detail: "ended by seqorch" };
      }
      onExit?.();
      // What the agent left behind (a background child, a daemon in its own session) is ended now, and named.
      const leftovers = await endTree(handle);
      const { code, detail } = shellExitCode(proc);
      return { exitCode: code, reason: "exited", durationMs, ...(detail === undefined ? {} : { detail }), ...(leftovers.length ? { leftovers } : {}) };
    },

    async kill(handle) {
      if (handle.pid !== null) await endTree(handle);
    },

    async close() {
      // Endings under way finish before the run exits (an attempt left by --detach-on-stop is not ended).
      await trees.settled();
      children.clear();
    },
  };
}
