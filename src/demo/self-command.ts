// How to start this same seqorch again from a shell: the compiled binary, or bun with the entry script.
import { quoteShellArg } from "../runner/shell-quote.ts";

/** argv that runs this seqorch (compiled: the executable; from source: bun plus the entry file). */
export function selfArgv(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}

/** A shell command line that runs this seqorch with `args`, every word quoted. */
export function selfCommand(args: string[]): string {
  return [...selfArgv(), ...args].map(quoteShellArg).join(" ");
}
