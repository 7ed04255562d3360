// The tmux session runner: one session per run, one window per attempt, completion signalled by a line into the
// run's FIFO (pane-signals.ts), or by `tmux wait-for` where there is none.
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { RunnerError } from "../errors.ts";
import { createAttemptTrees } from "./attempt-trees.ts";
import { commandLines, pidMark, processStartTicks, sinceOf, parentPid, type AttemptTree } from "./process-tree.ts";
import { agentEnvironment, ENV_NAME } from "./agent-env.ts";
import { createTmuxClient, isServerGone, spawnTmux, type TmuxClient, type TmuxResult } from "./tmux-client.ts";
import { tmuxCommandLine } from "./tmux-command.ts";
import type { ControlClient } from "./tmux-control.ts";
import type { AttemptExit, AttemptHandle, LaunchSpec, SessionRunner } from "./types.ts";
import { closeFinishedWindows } from "./window-cleanup.ts";
import { openPaneSignals, type PaneSignals } from "./pane-signals.ts";

/** Options of {@link createTmuxRunner}. */
export interface TmuxRunnerOptions {
  /** Name of the run's tmux session; characters tmux would mangle become `_`. */
  sessionName: string;
  /** Server socket name (`tmux -L NAME`); default: the default server. */
  socket?: string;
  /** Time in ms between SIGTERM and SIGKILL when an attempt is ended. Default 5000. */
  graceMs?: number;
  /** Injected tmux client (tests); default: a real client for `socket`. */
  client?: TmuxClient;
  /** How often a running attempt's window is checked for having been closed, in ms. Default 1000. */
  livenessMs?: number;
  /** Keep the windows of earlier runs' finished attempts (--keep-windows); default: closed when the session is found. */
  keepWindows?: boolean;
  /** Aborted by a second Ctrl-C: every attempt's tree gets SIGKILL at once (synchronously, before the exit). */
  hurry?: AbortSignal;
  /**
   * The FIFO the attempts' panes write their channel into when they end (src/runner/pane-signals.ts), made at the
   * first attempt where missing; without it, or where no FIFO can be made there, panes signal with `tmux wait-for`.
   */
  signalFile?: string;
}

/**
 * The processes of an attempt: the pane's shell is the group leader and the root; the agent carries its id. Only
 * the agent gets SIGTERM: the script then still writes the exit file and the logs' last bytes.
 */
export function treeOf(handle: Pick<AttemptHandle, "pid" | "attemptId" | "startTicks" | "pidMark">): AttemptTree {
  return { pgid: handle.pid, rootPid: handle.pid, attemptId: handle.attemptId ?? null, ...sinceOf(handle), termAgentOnly: true };
}

/** The name an attempt's pane shell runs under (its `$0`), which begins its arguments in the command line. */
const PANE_NAME = "seqorch-attempt";
/** The exit-code file inside the attempt's folder. */
const EXIT = "exit";

/**
 * True when `cmdline` (a /proc command line, NUL-separated) is the pane shell of the attempt in `attemptDir`, or one
 * of its subshells: `/bin/sh -c PANE_SCRIPT seqorch-attempt DIR …`, or an older seqorch's `/bin/sh DIR/run.sh`.
 */
export function runsAttempt(cmdline: string, attemptDir: string): boolean {
  return cmdline.includes(`\0${PANE_NAME}\0${attemptDir}\0`) || cmdline.includes(`\0${join(attemptDir, "run.sh")}\0`);
}

/** `spec.windowName` made safe for tmux: every character outside `[A-Za-z0-9._-]` becomes `_`. */
export function safeWindowName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_") || "attempt";
}

/** A session name tmux keeps as given (it rewrites `.` and `:`, and expands `#{…}`). */
export function safeSessionName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "_") || "seqorch";
}

let channelCounter = 0;
/** A `wait-for` channel name unique to one attempt, safe characters only; it names the seqorch process waiting on it. */
function newChannel(): string {
  return `seqorch-${process.pid}-${++channelCounter}-${Math.random().toString(36).slice(2, 10)}`;
}
const CHANNEL = /^seqorch-(\d+)-\d+-[a-z0-9]+$/;
/**
 * End the `tmux wait-for` clients left blocked by seqorch processes that were killed: a client whose parent is
 * no longer the process its channel names (it was re-parented when that one died), on the tmux server that
 * `server` selects (the arguments after the binary: `[]` or `["-L", socket]`); another server's clients are left
 * to the runs on that server. Returns their pids.
 */
export function endOrphanedWaitClients(server: readonly string[]): number[] {
  const orphans = commandLines((cmdline) => cmdline.includes("\0wait-for\0seqorch-")).filter(({ pid, argv }) => {
    const at = argv.indexOf("wait-for");
    const owner = CHANNEL.exec(argv[at + 1] ?? "")?.[1];
    const sameServer = at - 1 === server.length && server.every((arg, i) => argv[i + 1] === arg);
    return owner !== undefined && sameServer && parentPid(pid) !== Number(owner);
  });
  for (const { pid } of orphans) {
    try {
      process.kill(pid, "SIGTERM");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error; // gone meanwhile is fine
    }
  }
  return orphans.map((o) => o.pid);
}

/**
 * The POSIX sh script every attempt's pane runs (`/bin/sh -c PANE_SCRIPT seqorch-attempt ARGS… AGENT…`, see
 * {@link paneArgv}); its arguments are data, never parsed as code. The agent's stdout and stderr each go through a
 * `tee -a` into their log and on to the pane; its exit code goes to the exit file; at its end the script writes its
 * channel into the FIFO (a builtin, see pane-signals.ts) or, without one, signals the channel with an exec'd
 * `tmux wait-for -S`. Only the agent carries SEQORCH_ATTEMPT_ID: the shell and the `tee`s, which must outlive the
 * agent's SIGTERM to write its exit code and last bytes, do not; and only the agent takes a Ctrl-C typed in the
 * pane (the shell and the `tee`s ignore SIGINT, the agent gets it back), so the attempt is recorded with its exit
 * code. It sets no variable (the pane's environment, seqorch's, is the agent's: a variable of the script's would
 * change one of the user's) and quotes every expansion.
 */
export const PANE_SCRIPT = `signal() {
  if [ -n "$1" ]; then echo "$2" 1<>"$1" 2>/dev/null
  elif [ -n "$4" ]; then exec "$3" -L "$4" wait-for -S "$2"
  else exec "$3" wait-for -S "$2"; fi
}
if ! cd "$2" 2>>"$5"; then
  printf 'seqorch: cannot cd to %s\\n' "$2" >&2
  echo 127 >"$1/exit"; (signal "$7" "$8" "$9" "\${10}"); exit 127
fi
trap '' INT
exec 3>&1
{ { ( trap - INT; [ -z "$6" ] || export SEQORCH_ATTEMPT_ID="$6"; shift 10; exec "$@" ) <"$3" 2>&1 1>&4 4>&-; echo "$?" >"$1/exit"; } | tee -a "$5" >&3 4>&-; } 4>&1 | tee -a "$4" >&3
signal "$7" "$8" "$9" "\${10}"
`;

/**
 * The pane's command for one attempt: `/bin/sh -c PANE_SCRIPT seqorch-attempt` and the script's ten arguments (the
 * attempt folder, working directory, stdin file, the two logs, the attempt id, the FIFO or "", the channel, the tmux
 * binary and socket or "" for `wait-for`), then the agent's argv. Throws RunnerError on an empty argv.
 */
export function paneArgv(spec: LaunchSpec, channel: string, tmux: { binary: string; socket?: string }, signalFile?: string): string[] {
  if (spec.argv.length === 0) throw new RunnerError("tmux", "empty argv");
  const attemptId = spec.env.SEQORCH_ATTEMPT_ID ?? "";
  const paths = [spec.attemptDir, spec.cwd, spec.stdinFile ?? "/dev/null", spec.outLog, spec.errLog];
  return ["/bin/sh", "-c", PANE_SCRIPT, PANE_NAME, ...paths, attemptId, signalFile ?? "", channel, tmux.binary, tmux.socket ?? "", ...spec.argv];
}

/**
 * The `-e NAME=VALUE` options that give the pane seqorch's environment and the spec's variables (not the tmux
 * server's), all but SEQORCH_ATTEMPT_ID (the script gives that to the agent alone). Sent as command text, never
 * in a client's argv (they may hold API keys) nor on disk. Throws RunnerError on a name no shell can export.
 */
function environmentOptions(env: Record<string, string>): string[] {
  for (const name of Object.keys(env)) {
    if (!ENV_NAME.test(name)) throw new RunnerError("tmux", `invalid environment variable name ${JSON.stringify(name)}`);
  }
  const { SEQORCH_ATTEMPT_ID: _, ...rest } = agentEnvironment(env);
  return Object.entries(rest).flatMap(([name, value]) => ["-e", `${name}=${value}`]);
}

/** Fail early, like the direct runner, when the working directory or the prompt file is missing. */
function checkPaths(spec: LaunchSpec): void {
  if (!statSync(spec.cwd, { throwIfNoEntry: false })?.isDirectory()) {
    throw new RunnerError("tmux", `working directory ${spec.cwd} does not exist`);
  }
  if (spec.stdinFile !== null && !existsSync(spec.stdinFile)) {
    throw new RunnerError("tmux", `prompt file ${spec.stdinFile} does not exist`);
  }
}

/** Remove an exit file left in `attemptDir` (none is the usual case). Throws RunnerError naming the file. */
function clearExitFile(attemptDir: string): void {
  try {
    rmSync(join(attemptDir, EXIT), { force: true });
  } catch (error) {
    throw new RunnerError("tmux", `cannot remove ${join(attemptDir, EXIT)}: ${(error as Error).message}`);
  }
}

/** The exit code the attempt script wrote in `attemptDir`, or null when there is none (yet). */
export function readExitCode(attemptDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(join(attemptDir, EXIT), "utf8");
  } catch (error) {
    // Missing: the script never got to the end.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null; // empty: still being written
}

/** What ended one round of waiting. */
type Outcome =
  | { kind: "signalled" }
  | { kind: "dead" }
  | { kind: "gone"; detail: string; serverGone: boolean }
  | { kind: "aborted" }
  | { kind: "closed" };

/** Resolve with `value` once `signal` aborts; `stop` removes the listener (the promise then never settles). */
function onAbort<T>(signal: AbortSignal, value: T, stop: AbortSignal): Promise<T> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(value);
    const listener = () => resolve(value);
    signal.addEventListener("abort", listener, { once: true });
    stop.addEventListener("abort", () => signal.removeEventListener("abort", listener), { once: true });
  });
}

/** Create the tmux runner for one run's session. */
export function createTmuxRunner(options: TmuxRunnerOptions): SessionRunner {
  const sessionName = safeSessionName(options.sessionName);
  const client = options.client ?? createTmuxClient(options.socket === undefined ? {} : { socket: options.socket });
  const graceMs = options.graceMs ?? 5000;
  const livenessMs = options.livenessMs ?? 1000;
  const active = new Set<AbortController>();
  /** The run's control-mode client and the session it is attached to (null: none to be had for that session). */
  let control: { sessionId: string; client: Promise<ControlClient | null> } | null = null;
  /** Attempts whose tree may still have processes, and endings under way, by pane pid. */
  const trees = createAttemptTrees({ graceMs, hurry: options.hurry });
  /** The run's session id once looked up; reset when the session or server went away. */
  let session: Promise<string> | null = null;
  /** Earlier runs' finished windows are closed (or kept with keepWindows): done at the first lookup. */
  let windowsCleaned = options.keepWindows === true;
  /** The panes' end-of-attempt lines (opened at the first start); null without a signal file or where none works. */
  let signals: PaneSignals | null | undefined = options.signalFile === undefined ? null : undefined;
  const paneSignals = (): PaneSignals | null => (signals ??= openPaneSignals(options.signalFile!));

  /** The run's session id, found by exact name or created (once, even for concurrent callers). */
  function ensureSession(): Promise<string> {
    session ??= findOrCreateSession().catch((error: unknown) => {
      session = null;
      throw error;
    });
    return session;
  }

  async function findOrCreateSession(): Promise<string> {
    endOrphanedWaitClients(client.prefix.slice(1)); // once per session look-up: clients a killed run left blocked
    const listed = await client.probe(["list-sessions", "-F", "#{session_id} #{session_name}"]);
    if (listed.code !== 0 && !isServerGone(listed.stderr)) {
      throw new RunnerError("tmux", `tmux list-sessions: ${listed.stderr.trim()}`);
    }
    const line = listed.code === 0 ? listed.stdout.split("\n").find((l) => l.slice(l.indexOf(" ") + 1) === sessionName) : undefined;
    const id = line !== undefined ? line.slice(0, line.indexOf(" ")) : await createSession();
    // Once per run, when the session is found from an earlier run (not when it is found again mid-run).
    if (line !== undefined && !windowsCleaned) await closeFinishedWindows(client, id);
    windowsCleaned = true;
    // Every window this session gets keeps its pane after the attempt ends, for inspection. Set by a hook of
    // this session only (not the server's global option), before the window's command can exit.
    await client.run(["set-hook", "-t", id, "after-new-window", "set-option -w remain-on-exit on"]);
    return id;
  }

  /**
   * Create the run's session. A server that is exiting (its last session just closed, as after an earlier run)
   * answers "server exited unexpectedly": tmux then starts a new server on the next call, so that answer is
   * retried, up to 5 times, 50 ms apart. Throws RunnerError with tmux's message otherwise.
   */
  async function createSession(): Promise<string> {
    // The session's own window (it keeps the session while no attempt has one) runs the plain system shell, not
    // the user's login shell (whose start-up, with its profile, can cost hundreds of processes). Two words: tmux
    // runs them itself, without a `default-shell -c`.
    const args = ["new-session", "-d", "-s", sessionName, "-n", "seqorch", "-x", "200", "-y", "50", "-P", "-F", "#{session_id}", "--", "/bin/sh", "-i"];
    for (let tries = 1; ; tries++) {
      const created = await client.probe(args);
      if (created.code === 0) return created.stdout.trim();
      if (!isServerGone(created.stderr) || tries === 5) {
        throw new RunnerError("tmux", `tmux new-session: ${created.stderr.trim() || `exit code ${created.code}`}`);
      }
      await Bun.sleep(50);
    }
  }

  /** One liveness check of the attempt's pane: alive, dead (script ended) or gone (window or server). */
  async function checkPane(handle: AttemptHandle): Promise<Outcome | null> {
    const result = await client.probe(["list-panes", "-t", handle.windowId ?? "", "-F", "#{pane_pid} #{pane_dead}"]);
    if (result.code !== 0) {
      const serverGone = isServerGone(result.stderr);
      return { kind: "gone", serverGone, detail: serverGone ? "the tmux server went away" : `window ${handle.windowId} was closed` };
    }
    const pane = result.stdout.split("\n").find((l) => l.startsWith(`${handle.pid} `));
    if (pane === undefined) return { kind: "gone", serverGone: false, detail: `window ${handle.windowId} no longer runs the attempt` };
    return pane.endsWith(" 1") ? { kind: "dead" } : null;
  }

  /**
   * Check the pane every `livenessMs` until it is dead or gone, or `stop` aborts. An exit file seen on two checks
   * in a row also ends the wait: the agent exited, and what it left behind holds the script's pipes open.
   */
  async function watchPane(handle: AttemptHandle, stop: AbortSignal): Promise<Outcome> {
    let exitSeen = false;
    for (;;) {
      let timer: Timer | undefined;
      const tick = new Promise<void>((resolve) => (timer = setTimeout(resolve, livenessMs)));
      const stopped = onAbort(stop, null, stop);
      const woke = await Promise.race([tick, stopped]);
      clearTimeout(timer);
      if (woke === null) return { kind: "closed" };
      if (readExitCode(handle.attemptDir) !== null) {
        if (exitSeen) return { kind: "dead" };
        exitSeen = true;
      }
      const outcome = await checkPane(handle);
      if (outcome !== null) return outcome;
    }
  }

  /**
   * Block in `tmux wait-for CHANNEL` until the script signals it (tmux keeps a signal that comes first), or the
   * client is ended: a control-mode client that tmux ends when seqorch dies (its stdin's end), even by SIGKILL.
   * How it ended says nothing (a killed or disconnected one ends too); the caller reads the exit file.
   */
  async function waitForChannel(channel: string, stop: AbortSignal): Promise<Outcome> {
    await client.block(["wait-for", channel], stop);
    return { kind: "signalled" };
  }

  /**
   * Wait for the pane of `channel` to say it ended: its line in the FIFO when the run has one (an attempt adopted
   * from an older seqorch that signals with `wait-for` is then seen by the liveness checks), else `wait-for`.
   */
  async function waitForSignal(channel: string, stop: AbortSignal): Promise<Outcome> {
    const fifo = paneSignals();
    if (fifo === null) return waitForChannel(channel, stop);
    return (await fifo.wait(channel, stop)) ? { kind: "signalled" } : { kind: "closed" };
  }

  /**
   * Run `args` (a `new-window`) on the session `sessionId`: through the run's control-mode client, attached at the
   * first command (or again after its session or server went away), else through `source-file -` in a client of
   * its own. Either way the command is text on a stdin, never a client's argv.
   */
  async function sessionCommand(sessionId: string, args: string[]): Promise<TmuxResult> {
    const current = control;
    if (current !== null && (current.sessionId !== sessionId || (await current.client)?.ended === true)) {
      (await current.client)?.close();
      if (control === current) control = null; // not one a concurrent start attached meanwhile
    }
    control ??= { sessionId, client: client.attach(sessionId) };
    const attached = await control.client;
    return attached !== null ? attached.command(args) : client.source(tmuxCommandLine(args));
  }

  /** End the attempt's whole tree (once, however many callers); resolves with what was found, described. */
  function endTree(handle: AttemptHandle, tree: AttemptTree = treeOf(handle)): Promise<string[]> {
    return handle.pid === null ? Promise.resolve([]) : trees.end(handle.pid, tree);
  }

  async function waitOnce(handle: AttemptHandle, signal: AbortSignal): Promise<Outcome> {
    const stop = new AbortController();
    active.add(stop);
    try {
      const racers: Promise<Outcome>[] = [
        onAbort(signal, { kind: "aborted" }, stop.signal),
        onAbort(stop.signal, { kind: "closed" }, stop.signal),
        watchPane(handle, stop.signal),
      ];
      if (handle.channel !== undefined) racers.push(waitForSignal(handle.channel, stop.signal));
      return await Promise.race(racers);
    } finally {
      stop.abort();
      active.delete(stop);
    }
  }

  return {
    kind: "tmux",

    async start(spec) {
      checkPaths(spec);
      const startedAt = Date.now();
      const channel = newChannel();
      const fifo = paneSignals();
      const pane = paneArgv(spec, channel, { binary: client.prefix[0]!, ...(client.socket !== undefined ? { socket: client.socket } : {}) }, fifo?.path);
      const options = ["-n", safeWindowName(spec.windowName), ...environmentOptions(spec.env), "-P", "-F", "#{window_id} #{pane_id} #{pane_pid}", "--", ...pane];
      const newWindow = (sid: string) => sessionCommand(sid, ["new-window", "-d", "-t", `${sid}:`, ...options]);
      clearExitFile(spec.attemptDir);
      const lookup = ensureSession();
      let sessionId = await lookup;
      // Before the pane's shell is forked (by the server): every process of the attempt gets its pid after it.
      const mark = pidMark();
      let result = await newWindow(sessionId);
      if (result.code !== 0 && (isServerGone(result.stderr) || /can't find session/.test(result.stderr))) {
        // The server or the session went away since the last attempt: look again (once for parallel starts).
        if (session === lookup) session = null;
        sessionId = await ensureSession();
        result = await newWindow(sessionId);
      }
      if (result.code !== 0) throw new RunnerError("tmux", `tmux new-window: ${result.stderr.trim() || `exit code ${result.code}`}`);
      const [windowId, , pid] = result.stdout.trim().split(" ");
      if (windowId === undefined || !/^\d+$/.test(pid ?? "")) throw new RunnerError("tmux", `tmux new-window printed ${JSON.stringify(result.stdout)}`);
      const attemptId = spec.env.SEQORCH_ATTEMPT_ID;
      const startTicks = processStartTicks(Number(pid));
      const handle: AttemptHandle = {
        runner: "tmux",
        pid: Number(pid),
        windowId,
        sessionId,
        startedAt,
        attemptDir: spec.attemptDir,
        channel,
        ...(attemptId ? { attemptId } : {}),
        ...(startTicks !== null ? { startTicks } : {}),
        ...(mark !== null ? { pidMark: mark } : {}),
      };
      trees.track(handle.pid!, treeOf(handle));
      return handle;
    },

    async wait(handle, signal, onExit) {
      if (handle.windowId === null || handle.pid === null) throw new RunnerError("tmux", "attempt handle has no window or pid");
      return waitForEnd(handle, signal, onExit);
    },

    async kill(handle) {
      await killAttempt(handle);
    },

    async close() {
      for (const stop of active) stop.abort();
      void control?.client.then((attached) => attached?.close());
      control = null;
      signals?.close();
      // Endings under way finish before the run exits (an attempt left by --detach-on-stop is not ended).
      await trees.settled();
    },
  };

  /** Wait for the attempt to end (exit file, closed window, gone server) or for `signal`. */
  async function waitForEnd(handle: AttemptHandle, signal: AbortSignal, onExit?: () => void): Promise<AttemptExit> {
    const end = (exit: Omit<AttemptExit, "durationMs">): AttemptExit => ({ ...exit, durationMs: Date.now() - handle.startedAt });
    if (handle.pid !== null && !trees.has(handle.pid)) trees.track(handle.pid, treeOf(handle)); // adopted
    for (;;) {
      const outcome = await waitOnce(handle, signal);
      if (outcome.kind === "aborted") {
        await endTree(handle);
        return end({ exitCode: null, reason: "aborted", detail: "ended by seqorch; the window stays" });
      }
      if (outcome.kind === "closed") return end({ exitCode: null, reason: "lost", detail: "the runner was closed" });
      const exitCode = readExitCode(handle.attemptDir);
      if (exitCode !== null) return end(await exited(handle, exitCode, onExit));
      // Signalled without an exit file (a stray signal or a dying server): look at the pane before deciding.
      const state = outcome.kind === "signalled" ? await checkPane(handle) : outcome;
      if (state === null) continue;
      // The script may have written its exit file and ended since the file was read just now.
      const late = state.kind === "dead" ? readExitCode(handle.attemptDir) : null;
      if (late !== null) return end(await exited(handle, late, onExit));
      if (state.kind === "gone" && state.serverGone) session = null;
      await endTree(handle);
      const detail = state.kind === "gone" ? state.detail : "the attempt script ended without writing an exit code";
      return end({ exitCode: null, reason: "lost", detail });
    }
  }

  /**
   * The attempt's agent exited with `exitCode` (`onExit` is told first). What it left running (it carries the
   * attempt's id) is ended now, and named; the pane's own shell and its tee processes are left to finish writing
   * the logs.
   */
  async function exited(handle: AttemptHandle, exitCode: number, onExit?: () => void): Promise<Omit<AttemptExit, "durationMs">> {
    onExit?.();
    const leftovers = handle.attemptId ? await endTree(handle, { pgid: null, rootPid: null, attemptId: handle.attemptId, ...sinceOf(handle) }) : [];
    if (handle.pid !== null) trees.forget(handle.pid);
    return { exitCode, reason: "exited", ...(leftovers.length ? { leftovers } : {}) };
  }

  /**
   * End a still-running attempt's whole tree. The recorded pane pid is trusted only while the window still runs
   * it; once the window or server is gone, only processes carrying the attempt's id are ended (the pid may
   * have been reused by an unrelated process since).
   */
  async function killAttempt(handle: AttemptHandle): Promise<void> {
    if (handle.pid === null) return;
    const state = handle.windowId !== null ? await checkPane(handle) : { kind: "gone" as const };
    if (state === null) {
      await endTree(handle);
      return;
    }
    await endTree(handle, { pgid: null, rootPid: null, attemptId: handle.attemptId ?? null, ...sinceOf(handle) });
  }
}

/** True when the tmux binary is on PATH and a server on `socket` (default: the default server) can be reached or started. */
export async function tmuxAvailable(socket?: string): Promise<boolean> {
  const binary = Bun.which("tmux");
  if (binary === null) return false;
  const result = await spawnTmux([binary, ...(socket === undefined ? [] : ["-L", socket]), "start-server"]);
  return result.code === 0;
}
