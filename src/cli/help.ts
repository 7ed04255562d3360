// `--help`: citty's usage text, without colour codes when the output is not a terminal (or NO_COLOR, CI, TERM=dumb)
// and without the padding citty puts after the last column.
import { renderUsage, type CommandDef } from "citty";
import { plainOutput } from "../log.ts";

/** The usage of `command` (under `parent`) as printed: lines trimmed at the end, plain when piped. */
export async function usageText(command: CommandDef<any>, parent?: CommandDef<any>, stream: NodeJS.WriteStream = process.stdout): Promise<string> {
  const text = await renderUsage(command, parent);
  const shown = plainOutput(stream) ? Bun.stripANSI(text) : text;
  return shown.split("\n").map((line) => line.trimEnd()).join("\n");
}

/** Print the usage of `command` on stdout. */
export async function printUsage(command: CommandDef<any>, parent?: CommandDef<any>): Promise<void> {
  process.stdout.write(`${await usageText(command, parent)}\n\n`);
}
