// `.worktreeinclude` (the Claude Code convention): git-ignored files of the main checkout, such as `.env`, copied
// into each new unit worktree. Patterns use .gitignore syntax; only files git ignores are copied.
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathCovers } from "../schedule/manifest.ts";
import { GitError } from "../errors.ts";
import { gitOk, runGit } from "./exec.ts";

export const WORKTREE_INCLUDE_FILE = ".worktreeinclude";

/** `git ls-files -z --others --ignored --exclude-from=<list>`: untracked files matched by the include list's patterns. */
export function includedFilesArgs(list: string): string[] {
  return ["ls-files", "-z", "--others", "--ignored", `--exclude-from=${list}`];
}

/** `git check-ignore -z --stdin --no-index`: of the paths on stdin, the ones git's ignore rules ignore. */
export const CHECK_IGNORE_ARGS: readonly string[] = ["check-ignore", "-z", "--stdin", "--no-index"];

/** Splits `git ls-files -z` output into paths. */
export function parseNulList(output: string): string[] {
  return output.split("\0").filter((p) => p !== "");
}

/**
 * The files `.worktreeinclude` names: untracked files of the main checkout that match its patterns and that git
 * ignores (asked of `git check-ignore` for those files only, so a big ignored tree is never listed), minus anything
 * under `skip` (repository-relative folders, e.g. the worktrees folder). Empty without a `.worktreeinclude`.
 * Compute it once per run and pass it to setUpWorktree for each worktree.
 */
export async function worktreeIncludeFiles(repo: string, skip: readonly string[] = []): Promise<string[]> {
  const list = join(repo, WORKTREE_INCLUDE_FILE);
  if (!existsSync(list)) return [];
  const matched = parseNulList(await gitOk(repo, includedFilesArgs(list))).filter((file) => !skip.some((folder) => pathCovers(folder, file)));
  if (matched.length === 0) return [];
  const check = await runGit(repo, CHECK_IGNORE_ARGS, undefined, matched.map((f) => `${f}\0`).join(""));
  // check-ignore exits 1 when none of the paths is ignored
  if (check.code !== 0 && check.code !== 1) throw new GitError(CHECK_IGNORE_ARGS.join(" "), `exit ${check.code}: ${check.stderr.trim()}`);
  const out = check.stdout;
  const ignored = new Set(parseNulList(out));
  return matched.filter((file) => ignored.has(file));
}

/** Copies the given repository-relative files from the main checkout into the worktree (modes and symlinks kept). */
export function copyIntoWorktree(repo: string, worktree: string, files: readonly string[]): void {
  for (const file of files) {
    const target = join(worktree, file);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(repo, file), target, { force: true, preserveTimestamps: true, verbatimSymlinks: true });
  }
}
