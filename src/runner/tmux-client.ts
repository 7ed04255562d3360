// A small injectable executor for tmux commands: one argv element per argument, never a shell.
import { RunnerError } from "../errors.ts";

/** What one tmux client invocation returned. */
export interface TmuxResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a full argv (`["tmux", "-L", …]`) and collects its output; the client is killed when `signal` aborts. */
export type TmuxExec = (argv: string[], signal?: AbortSignal) => Promise<TmuxResult>;

/**
 * Runs a full argv that blocks (`["tmux", "-L", …, "-C", "wait-for", CHANNEL]`) until it completes or `signal`
 * aborts; resolves then, whatever the outcome (a gone server too).
 */
export type TmuxBlockingExec = (argv: string[], signal?: AbortSignal) => Promise<void>;

/** What {@link TmuxClient.launch} returns: its command's result, and the wait that follows in the same client. */
export interface Launched {
  /** The command's result (code 0 and its output, or non-zero and tmux's message). */
  result: TmuxResult;
  /** Resolves once the wait ended (signalled, or the client ended); null when the command failed (no wait). */
  waited: Promise<void> | null;
  /** End the client now (and so the wait). */
  end(): void;
}

/** Runs a full control-mode argv (`[…, "-C", …command, ";", …wait]`), see {@link spawnLaunch}. */
export type TmuxLaunchExec = (argv: string[]) => Promise<Launched>;

/** Options of {@link createTmuxClient}. */
export interface TmuxClientOptions {
  /** Server socket name (`tmux -L NAME`); default: the default server (or the one in `$TMUX`). */
  socket?: string;
  /** Replaces the process boundary, for tests. Default: {@link spawnTmux}. */
  exec?: TmuxExec;
  /** Replaces the process boundary of {@link TmuxClient.block}, for tests. Default: {@link spawnControlClient}. */
  blockingExec?: TmuxBlockingExec;
  /**
   * Replaces the process boundary of {@link TmuxClient.launch}. Default: {@link spawnLaunch}, or, when only `exec`
   * is injected (tests), the command through `exec` and the wait through `blockingExec`.
   */
  launchExec?: TmuxLaunchExec;
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
   * Run `args` (`new-window …`) and then, in the same control-mode client, the blocking `waitArgs` (`wait-for
   * CHANNEL`): one client process for both. The client ends with seqorch, as {@link block}'s does.
   */
  launch(args: string[], waitArgs: string[]): Promise<Launched>;
}

/** The default executor: spawn the argv, collect stdout and stderr, kill the client when `signal` aborts. */
export const spawnTmux: TmuxExec = async (argv, signal) => {
  const proc = started(argv, () => Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", ...(signal ? { signal } : {}) }));
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
 * Read a control client's output until a line starts with `%exit` (its command completed) or the output ends;
 * `seen`: what was read of it before. Never throws: a killed client or a broken pipe ends the wait too.
 */
async function untilExit(reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> }, seen = ""): Promise<void> {
  const decoder = new TextDecoder();
  let tail = seen.slice(-64);
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

/** A control-mode client's first reply block: `%begin …`, the command's output, `%end …` or `%error …`. */
const FIRST_BLOCK = /%begin [^\n]*\n([\s\S]*?)%(end|error) [^\n]*\n/;

/**
 * The default launch executor: a control-mode client running a command and then a blocking one. The first reply
 * block is the command's result; the wait is over at `%exit` or the output's end, and the client's stdin (held
 * open until then: a control client ends at its stdin's end) is closed. A client that could not reach the server
 * prints no block: its exit code and stderr are the result.
 */
export const spawnLaunch: TmuxLaunchExec = async (argv) => {
  const proc = started(argv, () => Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "pipe" }));
  const stderr = new Response(proc.stderr).text();
  const end = () => {
    endStdin(proc);
    proc.kill();
  };
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let block: RegExpExecArray | null = null;
  while ((block = FIRST_BLOCK.exec(text)) === null) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  if (block === null || block[2] === "error") {
    endStdin(proc);
    const code = block === null ? (await proc.exited) || 1 : 1;
    return { result: { code, stdout: "", stderr: block === null ? await stderr : block[1]! }, waited: null, end };
  }
  const waited = untilExit(reader, text.slice(block.index + block[0].length)).then(() => endStdin(proc));
  return { result: { code: 0, stdout: block[1]!, stderr: "" }, waited, end };
};

/** Create a client for one tmux server. */
export function createTmuxClient(options: TmuxClientOptions = {}): TmuxClient {
  const exec = options.exec ?? spawnTmux;
  const blockingExec = options.blockingExec ?? spawnControlClient;
  const launchExec = options.launchExec ?? (options.exec ? null : spawnLaunch);
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
    async launch(args, waitArgs) {
      if (launchExec !== null) return launchExec([...prefix, "-C", ...args, ";", ...waitArgs]);
      // An injected exec (tests): the command through it, then the wait in a client of its own.
      const result = await exec([...prefix, ...args]);
      const stop = new AbortController();
      return { result, waited: result.code === 0 ? blockingExec([...prefix, "-C", ...waitArgs], stop.signal) : null, end: () => stop.abort() };
    },
  };
}

/** True when tmux's stderr says the server (not just a target) is unreachable. */
export function isServerGone(stderr: string): boolean {
  return /no server running|error connecting|server exited|lost server/i.test(stderr);
}
