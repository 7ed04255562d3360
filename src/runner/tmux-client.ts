// A small injectable executor for tmux commands: one argv element per argument, never a shell.
import { RunnerError } from "../errors.ts";

/** What one tmux client invocation returned. */
export interface TmuxResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a full argv (`["tmux", "-L", …]`); a long-running call (`wait-for`) is ended when `signal` aborts.
 * `quiet`: the output is not needed (it is not collected, and comes back empty).
 */
export type TmuxExec = (argv: string[], signal?: AbortSignal, quiet?: boolean) => Promise<TmuxResult>;

/** Options of {@link createTmuxClient}. */
export interface TmuxClientOptions {
  /** Server socket name (`tmux -L NAME`); default: the default server (or the one in `$TMUX`). */
  socket?: string;
  /** Replaces the process boundary, for tests. Default: {@link spawnTmux}. */
  exec?: TmuxExec;
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
   * Run a tmux command whose output is not needed (`wait-for`); resolves with its exit code. `launcher` goes
   * before the tmux argv (e.g. `setpriv --pdeathsig TERM`, so a blocked client dies with seqorch).
   */
  quiet(args: string[], signal?: AbortSignal, launcher?: readonly string[]): Promise<number>;
}

/** The default executor: spawn the argv, collect stdout and stderr, kill the client when `signal` aborts. */
export const spawnTmux: TmuxExec = async (argv, signal, quiet) => {
  if (quiet) {
    try {
      const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore", ...(signal ? { signal } : {}) });
      return { code: await proc.exited, stdout: "", stderr: "" };
    } catch (error) {
      throw new RunnerError("tmux", `cannot run ${argv[0]}: ${(error as Error).message}`);
    }
  }
  let proc: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
  try {
    proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", ...(signal ? { signal } : {}) });
  } catch (error) {
    throw new RunnerError("tmux", `cannot run ${argv[0]}: ${(error as Error).message}`);
  }
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
};

/** Create a client for one tmux server. */
export function createTmuxClient(options: TmuxClientOptions = {}): TmuxClient {
  const exec = options.exec ?? spawnTmux;
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
    async quiet(args, signal, launcher = []) {
      return (await exec([...launcher, ...prefix, ...args], signal, true)).code;
    },
  };
}

/** True when tmux's stderr says the server (not just a target) is unreachable. */
export function isServerGone(stderr: string): boolean {
  return /no server running|error connecting|server exited|lost server/i.test(stderr);
}
