// One control-mode tmux client (`tmux -C attach-session`) kept for the whole run: each command is a line written to
// its stdin and answered in a `%begin … %end`/`%error` block on its stdout, so a unit's window costs no client
// process (an exec, a connection and a handshake each: about 2 ms of a tmux unit here). Protocol: tmux's wiki,
// https://github.com/tmux/tmux/wiki/Control-Mode. The client ends with seqorch: its stdin is a pipe from seqorch.
import { RunnerError } from "../errors.ts";
import { tmuxCommandLine } from "./tmux-command.ts";
import type { TmuxResult } from "./tmux-client.ts";

/** A control-mode client attached to one session. */
export interface ControlClient {
  /**
   * Run one tmux command (its words, quoted here). Resolves with code 0 and the command's output, or 1 and
   * tmux's message; once the client has ended (its session or server went away, or {@link close}), 1 and a
   * "lost server" message. Never throws.
   */
  command(args: readonly string[]): Promise<TmuxResult>;
  /** True once the client has ended. */
  readonly ended: boolean;
  /** End the client (its stdin is closed, which detaches it). Idempotent. */
  close(): void;
}

/** The process boundary: a started `tmux -C` client, its stdin writable and its stdout readable. */
export interface ControlProcess {
  write(text: string): void;
  end(): void;
  stdout: ReadableStream<Uint8Array>;
}

/** Starts a control-mode client for `argv` (tests replace it). */
export type ControlSpawn = (argv: string[]) => ControlProcess;

/** The default {@link ControlSpawn}: the client's stderr is dropped (its errors arrive in `%error` blocks). */
export const spawnControl: ControlSpawn = (argv) => {
  let proc: Bun.Subprocess<"pipe", "pipe", "ignore">;
  try {
    proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "ignore" });
  } catch (error) {
    throw new RunnerError("tmux", `cannot run ${argv[0]}: ${(error as Error).message}`);
  }
  return {
    write(text) {
      proc.stdin.write(text);
      proc.stdin.flush();
    },
    end() {
      proc.stdin.end();
    },
    stdout: proc.stdout,
  };
};

/** The message a command gets once its client has ended (tmux's own for a lost server, so callers start over). */
const ENDED: TmuxResult = { code: 1, stdout: "", stderr: "lost server: the control client ended\n" };

/** `%begin TIME NUMBER FLAGS` and its closing `%end`/`%error` with the same number; FLAGS 1: a command of this client. */
const BLOCK_LINE = /^%(begin|end|error) \d+ (\d+) (\d+)$/;

/**
 * Attach a control-mode client to `sessionId` (`[...prefix, "-C", "attach-session", "-t", sessionId]`) and turn
 * its pane output off (`refresh-client -f no-output`, tmux 3.2 and later). Null when either fails (no such
 * session, an older tmux): the caller then runs each command in a client of its own.
 */
export async function attachControlClient(prefix: readonly string[], sessionId: string, spawn: ControlSpawn = spawnControl): Promise<ControlClient | null> {
  const proc = spawn([...prefix, "-C", "attach-session", "-t", sessionId]);
  /** Replies awaited, oldest first; the first is the attach-session's own block. */
  const pending: ((result: TmuxResult) => void)[] = [];
  let ended = false;
  const attached = new Promise<TmuxResult>((resolve) => pending.push(resolve));
  const end = () => {
    ended = true;
    for (const settle of pending.splice(0)) settle(ENDED);
  };
  let attachedSeen = false;
  void readBlocks(proc.stdout, (result, ours) => {
    // The attach's block comes first whatever its flags; after it, only this client's commands' (hooks' are not).
    if (ours || !attachedSeen) pending.shift()?.(result);
    attachedSeen = true;
  }).finally(end);

  const client: ControlClient = {
    command(args) {
      if (ended) return Promise.resolve(ENDED);
      const reply = new Promise<TmuxResult>((resolve) => pending.push(resolve));
      try {
        proc.write(`${tmuxCommandLine(args)}\n`);
      } catch {
        end(); // the client is gone (a broken pipe)
      }
      return reply;
    },
    get ended() {
      return ended;
    },
    close() {
      if (ended) return;
      try {
        proc.end();
      } catch {
        // Already gone.
      }
      end();
    },
  };
  if ((await attached).code !== 0 || (await client.command(["refresh-client", "-f", "no-output"])).code !== 0) {
    client.close();
    return null;
  }
  return client;
}

/**
 * Read a control client's output until it ends, calling `onBlock` with each reply block's result and whether it
 * answers one of this client's commands (FLAGS 1). Notifications (`%window-add` …) between blocks are dropped.
 * Never throws: a closed stream or a killed client ends the reading.
 */
async function readBlocks(stdout: ReadableStream<Uint8Array>, onBlock: (result: TmuxResult, ours: boolean) => void): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  let block: { number: string; lines: string[] } | null = null;
  try {
    for await (const chunk of stdout) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const marker = BLOCK_LINE.exec(line);
        if (block === null) {
          if (marker?.[1] === "begin") block = { number: marker[2]!, lines: [] };
          else if (line.startsWith("%exit")) return;
        } else if (marker !== null && marker[1] !== "begin" && marker[2] === block.number) {
          const text = block.lines.length > 0 ? `${block.lines.join("\n")}\n` : "";
          onBlock(marker[1] === "end" ? { code: 0, stdout: text, stderr: "" } : { code: 1, stdout: "", stderr: text }, (Number(marker[3]) & 1) === 1);
          block = null;
        } else {
          block.lines.push(line);
        }
      }
    }
  } catch {
    // The client was killed or its pipe broke: it has ended.
  }
}
