// The one consola instance. It uses consola's core with a small reporter of its own: the stock reporters load
// Node's util/inspect machinery, which costs about 20 MB of memory in a compiled binary (measured), and
// seqorch's memory is a product feature. Output follows consola's conventions: icons and colours on a
// terminal; `[type] message` lines when piped, under CI, or with NO_COLOR.
import { createConsola, type ConsolaReporter, type LogObject } from "consola/core";

const ICONS: Record<string, string> = {
  info: "ℹ",
  start: "◐",
  success: "✔",
  ready: "✔",
  warn: "⚠",
  error: "✖",
  fatal: "✖",
  fail: "✖",
  debug: "⚙",
  log: "",
  box: "",
};
const COLOURS: Record<string, number> = { info: 36, start: 35, success: 32, ready: 32, warn: 33, error: 31, fatal: 31, fail: 31, debug: 90 };

/** True when output should be plain text (no icons, no escape codes). */
export function plainOutput(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !stream.isTTY || Boolean(process.env.CI) || Boolean(process.env.NO_COLOR) || process.env.TERM === "dumb";
}

function text(entry: LogObject): string {
  return entry.args.map((a) => (a instanceof Error ? a.message : typeof a === "string" ? a : JSON.stringify(a))).join(" ");
}

function boxed(message: string): string {
  const lines = message.split("\n");
  const width = Math.max(...lines.map((l) => Bun.stringWidth(l)));
  const bar = "─".repeat(width + 2);
  return [`╭${bar}╮`, ...lines.map((l) => `│ ${l}${" ".repeat(width - Bun.stringWidth(l))} │`), `╰${bar}╯`].join("\n");
}

const reporter: ConsolaReporter = {
  log(entry) {
    const toStderr = entry.level < 2;
    const stream = toStderr ? process.stderr : process.stdout;
    const message = text(entry);
    let line: string;
    if (entry.type === "box") line = boxed(message);
    else if (plainOutput(stream)) line = entry.type === "log" ? message : `[${entry.type}] ${message}`;
    else {
      const icon = ICONS[entry.type] ?? "";
      const colour = COLOURS[entry.type];
      line = icon ? `${colour ? `\x1b[${colour}m${icon}\x1b[39m` : icon} ${message}` : message;
    }
    stream.write(`${line}\n`);
  },
};

/** The process-wide logger: warnings and errors go to stderr, everything else to stdout. */
export const log = createConsola({
  level: process.env.SEQORCH_QUIET ? 1 : 3,
  reporters: [reporter],
});
