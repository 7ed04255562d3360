// tmux's own command language, for commands sent as text (a control-mode client's stdin, `source-file -`) rather
// than as a client's argv. Format: tmux(1), "PARSING SYNTAX": inside double quotes `\` escapes a character, `\n`,
// `\r`, `\t` and `\ooo` (octal) stand for those bytes, `$NAME` is expanded unless escaped, and a word's leading
// `~` is a home directory unless escaped. Checked against tmux 3.3a byte for byte (test/runner/tmux-command.test.ts).

/** Characters a double-quoted tmux word cannot hold as they are, and how each is written. */
const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', $: "\\$", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `s` as one tmux word that tmux reads back as exactly `s`: double-quoted, with `\`, `"` and `$` escaped, control
 * characters as escapes (so the word never spans a line: a control-mode client reads one command per line), and a
 * leading `~` escaped. Nothing in it is expanded (no variables, home directories, formats or command separators).
 */
export function tmuxWord(s: string): string {
  const body = s.replace(/[\\"$\n\r\t]|[\x00-\x1f\x7f]/g, (ch) => ESCAPES[ch] ?? `\\${ch.charCodeAt(0).toString(8).padStart(3, "0")}`);
  return `"${body.startsWith("~") ? `\\${body}` : body}"`;
}

/** One tmux command as one line of text (without the newline): every argument a {@link tmuxWord}. */
export function tmuxCommandLine(args: readonly string[]): string {
  return args.map(tmuxWord).join(" ");
}
