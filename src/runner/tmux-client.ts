// A small injectable executor for tmux commands: one argv element per argument, never a shell; or command text on a
// client's stdin (`source-file -`, a control-mode client), quoted in tmux's own language (tmux-command.ts).
import { RunnerError } from "../errors.ts";
import { attachControlClient, type ControlClient, type ControlSpawn } from "./tmux-control.ts";

/** What one tmux client invocation returned. */
export interface TmuxResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a full argv (`["tmux", "-L", …]`) with `input` (when given) on its stdin, and collects its output; the
 * client is killed when `signal` aborts.
 */
export type TmuxExec = (argv: string[], signal?: AbortSignal, input?: string) => Promise<TmuxResult>;

/**
 * Runs a full argv that blocks (`["tmux", "-L", …, "-C", "wait-for", CHANNEL]`) until it completes or `signal`
 * aborts; resolves then, whatever the outcome (a gone server too).
 */
export type TmuxBlockingExec = (argv: string[], signal?: AbortSignal) => Promise<void>;

/** Options of {@link createTmuxClient}. */
export interface TmuxClientOptions {
  /** Server socket name (`tmux -L NAME`); default: the default server (or the one in `$TMUX`). */
  socket?: string;
  /** Replaces the process boundary, for tests. Default: {@link spawnTmux}. */
  exec?: TmuxExec;
  /** Replaces the process boundary of {@link TmuxClient.block}, for tests. Default: {@link spawnControlClient}. */
  blockingExec?: TmuxBlockingExec;
  /**
   * Replaces the process boundary of {@link TmuxClient.attach}. Default: a real `tmux -C` client, or, when only
   * `exec` is injected (tests), none: `attach` then resolves null.
   */
  controlSpawn?: ControlSpawn;
  /** The tmux binary; default: `tmux` resolved on PATH now, so attempt scripts do not depend on the pane's PATH. */
  binary?: string;
}

/** A tmux client bound to one server. */
export interface TmuxClient {
  /** Server socket name, when not the default server. */
  readonly socket: string | undefined;
  /** The argv prefix that reaches this server: `[binary]` or `[binary, "-L", socket]`. */
  readonly prefix: readonly string[];
  /** Run a tmux command; resolves with its stdout without the trailing newline. Throws RunnerError with tmux's stderr. */
  run(args: string[]): Promise<string>;
  /** Run a tmux command and return its result whatever the exit code (for probes such as `has-session`). */
  probe(args: string[], signal?: AbortSignal): Promise<TmuxResult>;
  /**
   * Run a blocking tmux command (`wait-for CHANNEL`) in a control-mode client (`tmux -C`) whose stdin is a pipe
   * from seqorch: when seqorch dies, even by SIGKILL, the pipe's end makes tmux end the client. Resolves once
   * the command completed, the client ended (a gone server) or `signal` aborted (the client is then killed).
   */
  block(args: string[], signal?: AbortSignal): Promise<void>;
  /**
   * Run one command given as tmux command text (one line, see tmux-command.ts) through `source-file -`, so that
   * what it carries (the agent's environment) is in no process's argv; the result whatever the exit code.
   */
  source(commandLine: string): Promise<TmuxResult>;
  /**
   * A control-mode client attached to `sessionId` for sending commands without a process each (tmux-control.ts);
   * null where that cannot be had (an older tmux, a gone session, an injected `exec` without `controlSpawn`).
   */
  attach(sessionId: string): Promise<ControlClient | null>;
}

/** The default executor: spawn the argv, collect stdout and stderr, kill the client when `signal` aborts. */
export const spawnTmux: TmuxExec = async (argv, signal, input) => {
  const stdin = input === undefined ? "ignore" : new TextEncoder().encode(input);
  const proc = started(argv, () => Bun.spawn(argv, { stdin, stdout: "pipe", stderr: "pipe", ...(signal ? { signal } : {}) }));
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
};

/**
 * The default blocking executor: a control-mode client, its stdin held open (a control client ends at its stdin's
 * end), done when it prints `%exit` (its command completed) or its output ends; then its stdin is closed.
 */
export const spawnControlClient: TmuxBlockingExec = async (argv, signal) => {
  const proc = started(argv, () => Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "ignore", ...(signal ? { signal } : {}) }));
  await untilExit(proc.stdout.getReader());
  endStdin(proc);
};

/** `spawn()`'s process; RunnerError naming `argv[0]` when it cannot start. */
function started<T>(argv: string[], spawn: () => T): T {
  try {
    return spawn();
  } catch (error) {
    throw new RunnerError("tmux", `cannot run ${argv[0]}: ${(error as Error).message}`);
  }
}

/** Close a control client's stdin, which ends it (it may be gone already). */
function endStdin(proc: { stdin: { end(): unknown } }): void {
  try {
    proc.stdin.end();
  } catch {
    // Already gone.
  }
}

/**
 * Read a control client's output until a line starts with `%exit` (its command completed) or the output ends.
 * Never throws: a killed client or a broken pipe ends the wait too.
 */
async function untilExit(reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> }): Promise<void> {
  const decoder = new TextDecoder();
  let tail = "";
  try {
    while (!/(^|\n)%exit/.test(tail)) {
      const { value, done } = await reader.read();
      if (done) break;
      tail = (tail + decoder.decode(value, { stream: true })).slice(-64);
    }
  } catch {
    // Killed (the signal aborted, or ended) or the pipe broke: the wait is over either way.
  }
}

/** Create a client for one tmux server. */
export function createTmuxClient(options: TmuxClientOptions = {}): TmuxClient {
  const exec = options.exec ?? spawnTmux;
  const blockingExec = options.blockingExec ?? spawnControlClient;
  const controlSpawn = options.controlSpawn ?? (options.exec ? null : undefined);
  const prefix = [options.binary ?? Bun.which("tmux") ?? "tmux", ...(options.socket === undefined ? [] : ["-L", options.socket])];
  return {
    socket: options.socket,
    prefix,
    async run(args) {
      const result = await exec([...prefix, ...args]);
      if (result.code !== 0) {
        const message = result.stderr.trim() || `exit code ${result.code}`;
        throw new RunnerError("tmux", `tmux ${args[0] ?? ""}: ${message}`);
      }
      return result.stdout.replace(/\n$/, "");
    },
    probe(args, signal) {
      return exec([...prefix, ...args], signal);
    },
    block(args, signal) {
      return blockingExec([...prefix, "-C", ...args], signal);
    },
    source(commandLine) {
      return exec([...prefix, "source-file", "-"], undefined, `${commandLine}\n`);
    },
    attach(sessionId) {
      return controlSpawn === null ? Promise.resolve(null) : attachControlClient(prefix, sessionId, controlSpawn);
    },
  };
}

/** True when tmux's stderr says the server (not just a target) is unreachable. */
export function isServerGone(stderr: string): boolean {
  return /no server running|error connecting|server exited|lost server/i.test(stderr);
}
