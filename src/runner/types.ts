// The interface both session runners (tmux and direct) implement: start one attempt, wait for it, end it.
import type { PidMark } from "./process-tree.ts";

/** Everything a runner needs to start one attempt of one dispatch unit. Built by the session actor from an agent adapter. */
export interface LaunchSpec {
  /** Program and arguments, exec'd without a shell (a backend that wants a shell puts `/bin/sh -c` here). */
  argv: string[];
  /** Variables added to the inherited environment. */
  env: Record<string, string>;
  /** Working directory of the agent (must exist). */
  cwd: string;
  /** File whose bytes become the agent's standard input, which is then closed; null: stdin is /dev/null. */
  stdinFile: string | null;
  /** The agent's standard output is appended here (and shown in the tmux pane). */
  outLog: string;
  /** The agent's standard error is appended here (and shown in the tmux pane). */
  errLog: string;
  /** Folder for the runner's own files of this attempt (script, exit-code file); created by the caller. */
  attemptDir: string;
  /** tmux window name, e.g. `task-2.1` (the runner makes it safe for tmux); ignored by the direct runner. */
  windowName: string;
}

/** A started attempt. Plain data so it can be recorded in the state file and adopted or ended by a later run. */
export interface AttemptHandle {
  runner: "tmux" | "direct";
  /** Process id of the attempt's process-group leader (the pane's shell for tmux, the agent for direct). */
  pid: number | null;
  /** tmux window id (`@12`), tmux only. */
  windowId: string | null;
  /** tmux session id (`$3`), tmux only. */
  sessionId: string | null;
  /** tmux only: the `wait-for` channel the attempt script signals once its exit-code file is in place. */
  channel?: string;
  /** Epoch ms when the attempt started. */
  startedAt: number;
  attemptDir: string;
  /** The attempt's SEQORCH_ATTEMPT_ID (from `LaunchSpec.env`): finds every process of its tree in /proc. */
  attemptId?: string;
  /** When its first process started (clock ticks after boot, /proc): older processes are not looked at. */
  startTicks?: number;
  /** The pid allocator's counters just before its first process was forked (process-tree.ts `pidMark`). */
  pidMark?: PidMark;
}

/** How an attempt ended. */
export interface AttemptExit {
  /** The agent's exit code; null when it did not exit by itself (killed, window closed, server gone). */
  exitCode: number | null;
  /** "exited": ran to its end; "aborted": ended by seqorch (stop, timeout); "lost": its window or tmux server went away. */
  reason: "exited" | "aborted" | "lost";
  /** Wall time in ms from start to end. */
  durationMs: number;
  /** Human-readable detail for lost or aborted attempts. */
  detail?: string;
  /** Processes the agent left running when it exited, which the runner ended (`pid 12 (sleep)`). */
  leftovers?: string[];
}

/** A session runner: tmux (one window per attempt) or direct (a child process in its own process group). */
export interface SessionRunner {
  readonly kind: "tmux" | "direct";
  /** Start the attempt; resolves once the agent process exists. Throws RunnerError when it cannot start. */
  start(spec: LaunchSpec): Promise<AttemptHandle>;
  /**
   * Resolve when the attempt ends. When `signal` aborts, the attempt's whole process tree is ended
   * (SIGTERM, then SIGKILL after a grace period) and the promise resolves with reason "aborted". `onExit` is
   * called once the agent has exited by itself, before what it left running is looked for and ended (so that
   * work that needs only its exit, the runaway check's git status, starts before that look).
   */
  wait(handle: AttemptHandle, signal: AbortSignal, onExit?: () => void): Promise<AttemptExit>;
  /**
   * End a still-running attempt's whole process tree (TERM, grace, KILL; see endAttemptTree), also when its
   * leader is already gone; waits for an ending already under way. Resolves once nothing of it is left.
   */
  kill(handle: AttemptHandle): Promise<void>;
  /** Release resources (not the tmux session: finished windows stay for inspection). */
  close(): Promise<void>;
}
