// A checkout's git folder and its HEAD commit read from git's own files (gitfile, HEAD, loose refs), so the common
// cases need no git process; anything unusual (GIT_DIR in the environment, a packed or reftable ref, a symref chain)
// is asked of git. Formats: gitrepository-layout(5), git-worktree(1) "DETAILS".
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { gitOk } from "./exec.ts";

/** True when the environment points git elsewhere than the folder's own `.git` (then only git can say). */
const redirected = (): boolean => Boolean(process.env.GIT_DIR || process.env.GIT_COMMON_DIR || process.env.GIT_WORK_TREE);

/** A file's text, or null when it is not there (ENOENT, ENOTDIR: a reftable repository's `refs/heads` is a file). */
function readIfThere(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return null;
    throw error;
  }
}

/**
 * The git folder of the checkout whose top folder is `root`: `<root>/.git` when it is a folder (a main checkout),
 * the `gitdir: <path>` a linked worktree's `.git` file names (relative to `root` when relative), else (a sub-folder,
 * GIT_DIR set) `git rev-parse --absolute-git-dir`. Absolute. Throws GitError when git finds no repository.
 */
export async function worktreeGitDir(root: string): Promise<string> {
  if (!redirected()) {
    const dotGit = join(root, ".git");
    const stat = statSync(dotGit, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return dotGit;
    if (stat?.isFile()) {
      const match = /^gitdir: (.+?)\r?\n?$/.exec(readIfThere(dotGit) ?? "");
      if (match) return resolve(root, match[1]!);
    }
  }
  return (await gitOk(root, ["rev-parse", "--absolute-git-dir"])).trim();
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * HEAD's commit in the checkout at `root` (its top folder), just after seqorch committed there: HEAD read from the
 * checkout's git folder, and the branch it names from its loose ref file in the common folder (a commit always writes
 * the loose ref). Anything else, `git rev-parse HEAD`. Throws GitError when git cannot say either.
 */
export async function headCommit(root: string): Promise<string> {
  if (!redirected()) {
    const gitDir = await worktreeGitDir(root);
    const head = readIfThere(join(gitDir, "HEAD"))?.trim() ?? "";
    if (OBJECT_ID.test(head)) return head; // detached
    const ref = /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
    if (ref && !ref.split("/").includes("..")) {
      const common = readIfThere(join(gitDir, "commondir"))?.trim();
      const sha = readIfThere(join(common ? resolve(gitDir, common) : gitDir, ref))?.trim() ?? "";
      if (OBJECT_ID.test(sha)) return sha;
    }
  }
  return (await gitOk(root, ["rev-parse", "HEAD"])).trim();
}
