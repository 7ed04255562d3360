// Keeping a reviewer's stray edits without deleting them: a commit it made is kept under a ref and undone,
// then its file changes go into a named stash entry.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GitError } from "../errors.ts";
import { gitOk, runGit } from "./exec.ts";
import { changedPaths, snapshot, type GitSnapshot } from "./status.ts";

/** argv of a stash of only `paths` (untracked included) under `message`; paths are read NUL-separated from stdin. */
export function stashArgv(message: string): string[] {
  return ["--literal-pathspecs", "stash", "push", "--include-untracked", "-m", message, "--pathspec-from-file=-", "--pathspec-file-nul"];
}

/** Where a reviewer's own commit is kept after it is undone: `refs/seqorch/reviewer-edits/<name>`. */
export const reviewerRef = (name: string): string => `refs/seqorch/reviewer-edits/${name.replace(/[^A-Za-z0-9._-]/g, "_")}`;

/** What was done with a reviewer's edits: the ref of its commits, the stash entry, and the paths it touched. */
export interface StashedEdits {
  ref: string | null;
  stash: string | null;
  paths: string[];
}

/**
 * Put back the state of `before` (a snapshot with contents) after a reviewer changed `root`: commits it made are kept under `reviewerRef(name)`
 * and undone with a soft reset; every path that differs from `before` is stashed with `message`. A path that was
 * already dirty in `before` and that the reviewer changed again is stashed as it is now, then restored to its
 * content in `before` (kept in the object database by the snapshot). Only paths `keep` accepts are stashed.
 * Throws GitError when git fails.
 */
export async function stashReviewerEdits(root: string, before: GitSnapshot, name: string, message: string, keep: (path: string) => boolean = () => true): Promise<StashedEdits> {
  let now = await snapshot(root, { contents: true });
  let ref: string | null = null;
  if (before.head && now.head !== before.head) {
    ref = reviewerRef(name);
    await gitOk(root, ["update-ref", ref, now.head ?? "HEAD"]);
    await gitOk(root, ["reset", "-q", "--soft", before.head]);
    // Unstage what the reset left staged, so the stash below takes it from the working tree.
    await gitOk(root, ["reset", "-q"]);
    now = await snapshot(root, { contents: true });
  }
  // `keep` leaves out files that are not the reviewer's to lose (seqorch's own state and logs).
  const paths = changedPaths(before, now).filter(keep);
  if (paths.length === 0) return { ref, stash: null, paths };
  const stashed = await runGit(root, stashArgv(message), undefined, `${paths.join("\0")}\0`);
  if (stashed.code !== 0) throw new GitError("stash push", stashed.stderr.trim());
  const top = await gitOk(root, ["rev-parse", "stash@{0}"]);
  // The stash took the whole file; put back what was there before the reviewer (the user's own uncommitted edit).
  for (const path of paths) {
    const blob = before.contents?.[path];
    if (!blob || blob === "deleted") continue;
    const proc = Bun.spawnSync(["git", "cat-file", "blob", blob], { cwd: root, stdout: "pipe", stderr: "pipe" });
    if (proc.exitCode !== 0) throw new GitError(`cat-file blob ${blob}`, proc.stderr.toString().trim());
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), proc.stdout);
  }
  return { ref, stash: top.trim(), paths };
}
