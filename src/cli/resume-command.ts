// The command line that resumes a run, printed in the summary so it can be pasted into a shell as it is.
import { quoteShellArg } from "../runner/shell-quote.ts";

/** Words a POSIX shell reads as themselves; anything else is quoted. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word for `arg`: as it is when the shell leaves it alone, else single-quoted. */
export function shellWord(arg: string): string {
  return PLAIN.test(arg) ? arg : quoteShellArg(arg);
}

/** `seqorch <args…>` with every argument quoted for a POSIX shell (`--agent-command 'echo ok'`). */
export function seqorchCommandLine(args: readonly string[]): string {
  return ["seqorch", ...args].map(shellWord).join(" ");
}
