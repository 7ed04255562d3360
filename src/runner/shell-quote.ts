// POSIX shell quoting: the only way any text reaches a shell.

/**
 * Quote `s` as one POSIX shell word: wrapped in single quotes, each `'` written as `'\''`.
 * Nothing inside is expanded by `sh` (no `$`, backticks, globs or newlines are special).
 */
export function quoteShellArg(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
