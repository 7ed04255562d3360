// Keeping a unit branch off the spec folder: only seqorch writes tasks.md, the state and the progress log, in the
// main checkout (ralphex#440/#450, ralph-tui#310). Edits an agent made there in its worktree are stashed, never deleted.
import { parseStatus } from "./status.ts";
import { gitOk } from "./exec.ts";

/** `git status` of one folder, untracked files included, as `-z` porcelain. */
export function folderStatusArgs(folder: string): string[] {
  return ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", folder];
}

/** `git stash push -u -m <message> -- <folder>`: the folder's changes, untracked files included, put aside. */
export function stashFolderArgs(folder: string, message: string): string[] {
  return ["stash", "push", "--include-untracked", "--quiet", "-m", message, "--", folder];
}

/**
 * Restores the spec folder of a worktree to its committed state before seqorch commits there: any change or new
 * file under `specRel` (repository-relative) goes into a stash named `seqorch: unit <unit> edits to the spec folder`
 * (`git stash list` shows it; it is shared by every worktree). Returns the paths put aside ([] when clean).
 */
export async function restoreSpecFolder(worktree: string, specRel: string, unit: string): Promise<string[]> {
  const changed = parseStatus(await gitOk(worktree, folderStatusArgs(specRel))).map((e) => e.path);
  if (changed.length === 0) return [];
  await gitOk(worktree, stashFolderArgs(specRel, `seqorch: unit ${unit} edits to the spec folder`));
  return changed;
}
