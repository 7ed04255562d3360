// A tmux client whose process boundary is a table of replies (tests of the runner without a tmux server).
import { createTmuxClient, type TmuxClient, type TmuxResult } from "../../src/runner/tmux-client.ts";

/** The words of tmux command text (tmux-command.ts's double-quoted words), decoded. */
export function tmuxWords(text: string): string[] {
  const named: Record<string, string> = { n: "\n", r: "\r", t: "\t" };
  return [...text.matchAll(/"((?:\\.|[^"\\])*)"/g)].map((m) =>
    m[1]!.replace(/\\([0-7]{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(parseInt(e, 8)) : (named[e] ?? e))),
  );
}

/**
 * A client for socket `fake` (binary `tmux`) answering each command from `replies` by its name (the first reply
 * left for it, else success with no output). A command sent as text (`source-file -`: an injected client has no
 * control-mode client) is recorded as `["tmux", "-L", "fake", ...its words]`, so `calls` reads the same either way;
 * without `withPrefix`, each call is recorded without its `tmux -L fake`.
 */
export function fakeTmuxClient(replies: Record<string, TmuxResult[]>, withPrefix = true): { calls: string[][]; client: TmuxClient } {
  const calls: string[][] = [];
  const client = createTmuxClient({
    socket: "fake",
    binary: "tmux",
    exec: async (argv, _signal, input) => {
      const call = input === undefined ? argv : [...argv.slice(0, 3), ...tmuxWords(input)];
      calls.push(withPrefix ? call : call.slice(3));
      return replies[call[3]!]?.shift() ?? { code: 0, stdout: "", stderr: "" };
    },
  });
  return { calls, client };
}
