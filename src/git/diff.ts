// The diff a reviewer reads, written by seqorch to a file: commits from the unit's start commit, or (without
// --commit) the working tree's changes to the unit's own files, new untracked files included.
import { writeFileSync } from "node:fs";
import { GitError } from "../errors.ts";
import { gitOk, runGit } from "./exec.ts";
import { snapshot } from "./status.ts";
import { unitFiles, type CommitScope } from "./commit.ts";

/** argv of the diff between two commits (`to` null: the working tree), limited to `files` when given. */
export function diffArgv(from: string, to: string | null, files?: readonly string[]): string[] {
  return ["--literal-pathspecs", "diff", "--no-color", "--no-ext-diff", "--find-renames", from, ...(to ? [to] : []), "--", ...(files ?? [])];
}

/** argv showing an untracked file as a whole-file addition (`git diff --no-index` exits 1 when there is a difference). */
export const newFileDiffArgv = (path: string): string[] => ["diff", "--no-color", "--no-ext-diff", "--no-index", "--", "/dev/null", path];

/** The paths a diff touches, from its `diff --git a/… b/…` headers (for the consolidation's "file" check). */
export function diffFiles(diff: string): string[] {
  const files = new Set<string>();
  for (const match of diff.matchAll(/^\+\+\+ b\/(.+)$/gm)) files.add(match[1]!);
  for (const match of diff.matchAll(/^--- a\/(.+)$/gm)) files.add(match[1]!);
  return [...files];
}

/**
 * Write the unit's diff from `start` to `out` and return its text. `committed`: the diff `start..HEAD`; else the
 * working tree against `start` for the unit's files (scope as for the commit), with new files shown whole.
 * Throws GitError when git fails.
 */
export async function writeUnitDiff(root: string, start: string, committed: boolean, scope: CommitScope, out: string): Promise<string> {
  let text: string;
  if (committed) text = await gitOk(root, diffArgv(start, "HEAD"));
  else {
    const now = await snapshot(root);
    const files = unitFiles(now, scope);
    const untracked = new Set(now.entries.filter((e) => e.xy === "??").map((e) => e.path));
    const tracked = files.filter((f) => !untracked.has(f));
    text = tracked.length ? await gitOk(root, diffArgv(start, null, tracked)) : "";
    for (const path of files.filter((f) => untracked.has(f))) {
      const added = await runGit(root, newFileDiffArgv(path));
      if (added.code > 1) throw new GitError(`diff --no-index ${path}`, added.stderr.trim());
      text += added.stdout;
    }
  }
  writeFileSync(out, text);
  return text;
}
