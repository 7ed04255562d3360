// Runs one git command in a folder and returns its output; the only place src/git spawns a process.
import { GitError } from "../errors.ts";

/** What one git command printed. `code` is its exit status. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `git <argv>` in `cwd` (argv as given: no shell), with `stdin` as its input when given. Never throws for a non-zero exit (read `code`);
 * throws GitError when git cannot be started at all.
 */
export async function runGit(cwd: string, argv: readonly string[], env?: Record<string, string>, stdin?: string): Promise<GitResult> {
  let proc;
  try {
    proc = Bun.spawn(["git", ...argv], {
      cwd,
      stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
      stdout: "pipe",
      stderr: "pipe",
      // No pager, no prompts, no locale-dependent messages in what seqorch parses.
      env: { ...process.env, GIT_PAGER: "cat", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...env },
    });
  } catch (error) {
    throw new GitError(argv.join(" "), `cannot start git: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Run git and return its stdout; a non-zero exit throws GitError with git's first error line. */
export async function gitOk(cwd: string, argv: readonly string[], env?: Record<string, string>, stdin?: string): Promise<string> {
  const result = await runGit(cwd, argv, env, stdin);
  if (result.code !== 0) {
    const line = (result.stderr.trim() || result.stdout.trim()).split("\n")[0] ?? "";
    throw new GitError(argv.join(" "), `exit ${result.code}${line ? `: ${line}` : ""}`);
  }
  return result.stdout;
}
