// Merging one finished unit onto the integration branch (the merge queue's step): backup ref, scope check against
// the writes manifest, rebase onto the integration HEAD, fast-forward. No automatic conflict resolution.
// Design: multi-agent-loop.md Part 3.8, Part 2.5 (ralph-tui's backup tags and sequential queue).
import { crashPoint } from "../fault-injection.ts";
import { filesOutsideManifest, type Manifest } from "../schedule/manifest.ts";
import { parseStatus } from "./status.ts";
import { gitOk, runGit } from "./exec.ts";
import { parseNulList } from "./worktree-include.ts";
import { refComponent, type UnitWorktree } from "./worktree.ts";

/** What a merge attempt did. Every outcome but "merged" leaves the integration branch where it was. */
export type MergeOutcome =
  /** Fast-forwarded: `head` is the new integration HEAD, `commits` the unit's commits now on it. */
  | { kind: "merged"; head: string; commits: number; backupRef: string; changed: string[]; outside: string[]; stashed: string[] }
  /** Files changed outside the manifest (and not lenient): nothing merged, the branch and worktree kept. */
  | { kind: "scope-violation"; outside: string[]; changed: string[] }
  /** The rebase stopped on these files: aborted, the branch and worktree kept as they were. */
  | { kind: "conflict"; files: string[]; backupRef: string }
  /** git refused the fast-forward (e.g. an untracked file in the main checkout would be overwritten). */
  | { kind: "refused"; reason: string; backupRef: string };

/** What mergeUnit needs to know. */
export interface MergeRequest {
  /** The main checkout (where the integration branch is checked out). */
  repo: string;
  worktree: UnitWorktree;
  /** The branch the run started on. */
  integrationBranch: string;
  /** The commit the unit branch started from (recorded when its worktree was made). */
  base: string;
  manifest: Manifest;
  /** The spec folder, repository-relative: never part of a unit's changes. */
  specRel: string;
  /** `--lenient-writes`: files outside the manifest only warn (they are reported in `outside`). */
  lenient: boolean;
  /** Name of the spec (backup ref namespace). */
  specName: string;
}

/** `refs/seqorch/pre-merge/<spec>/<unit>`: the integration HEAD just before this unit's merge. */
export function backupRefName(specName: string, unit: string): string {
  return `refs/seqorch/pre-merge/${refComponent(specName)}/${refComponent(unit)}`;
}

/** `git diff --name-only -z --no-renames <base> <branch>`: every path the unit's commits touch (both sides of a rename). */
export function changedFilesArgs(base: string, branch: string): string[] {
  return ["diff", "--name-only", "-z", "--no-renames", base, branch, "--"];
}

/** `git rebase --quiet <onto>`: replays the unit's own commits on the integration HEAD (run in the unit's worktree). */
export function rebaseArgs(onto: string): string[] {
  return ["rebase", "--quiet", "--no-autostash", onto];
}

/** `git merge --ff-only --quiet <branch>`: moves the integration branch to the rebased unit (run in the main checkout). */
export function fastForwardArgs(branch: string): string[] {
  return ["merge", "--ff-only", "--quiet", branch];
}

async function revParse(cwd: string, rev: string): Promise<string> {
  return (await gitOk(cwd, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).trim();
}

/** `git status` of a unit's worktree, untracked files included: what a merge must not leave behind. */
export const LEFTOVER_STATUS_ARGS: readonly string[] = ["status", "--porcelain=v1", "-z", "--untracked-files=all"];

/** Leftover uncommitted edits in the worktree (a rebase refuses to start over them; the removal would delete them): stashed, never deleted. */
async function stashLeftovers(worktree: string, unit: string, left: readonly string[]): Promise<void> {
  if (left.length > 0) await gitOk(worktree, ["stash", "push", "--include-untracked", "--quiet", "-m", `seqorch: unit ${unit} uncommitted at merge`]);
}

/** Paths `git diff --diff-filter=U` reports unmerged in the worktree (the conflicted files of a stopped rebase). */
async function conflictedFiles(worktree: string): Promise<string[]> {
  return parseNulList(await gitOk(worktree, ["diff", "--name-only", "-z", "--diff-filter=U"]));
}

/** `git rev-list <onto>..HEAD`: the rebased unit's commits, newest first (the first is the tip the merge lands on). */
async function commitsSince(worktree: string, onto: string): Promise<string[]> {
  return (await gitOk(worktree, ["rev-list", `${onto}..HEAD`])).split("\n").filter((line) => line !== "");
}

/**
 * Rebases, after the spec folder is set back to the integration HEAD's version if a unit commit touched it (an agent
 * that committed tasks.md): one extra commit, so the branch never changes the spec folder. Returns the rebased
 * commits, newest first.
 */
async function rebaseOnto(req: MergeRequest, onto: string): Promise<{ ok: true; commits: string[] } | { ok: false; files: string[] }> {
  const wt = req.worktree.path;
  const rebase = await runGit(wt, rebaseArgs(onto));
  if (rebase.code !== 0) {
    const files = await conflictedFiles(wt);
    await runGit(wt, ["rebase", "--abort"]);
    return { ok: false, files: files.length > 0 ? files : [rebase.stderr.trim().split("\n").at(-1) ?? "rebase failed"] };
  }
  // Both read the rebased branch: asked at once (the commits again only in the rare case of a restore commit).
  const [specDiff, commits] = await Promise.all([gitOk(wt, ["diff", "--name-only", "-z", onto, "HEAD", "--", req.specRel]), commitsSince(wt, onto)]);
  const touched = parseNulList(specDiff);
  if (touched.length > 0) {
    await gitOk(wt, ["restore", `--source=${onto}`, "--staged", "--worktree", "--", ...touched]);
    await gitOk(wt, ["commit", "--quiet", "--no-verify", "-m", `seqorch: unit ${req.worktree.unit} leaves the spec folder as it was`]);
    return { ok: true, commits: await commitsSince(wt, onto) };
  }
  return { ok: true, commits };
}

/**
 * Merges one unit: compares the unit's changed files with its manifest, writes the backup ref, stashes leftovers,
 * rebases the unit branch on the integration HEAD in its worktree (aborting on a conflict), then fast-forwards the
 * integration branch in the main checkout, so history stays linear with the unit's own commits. The reads that do not
 * depend on each other (the integration HEAD, the unit's changed files, its worktree's leftovers) run at once.
 * Throws GitError only for git failures outside these outcomes (a missing branch, a broken repository).
 */
export async function mergeUnit(req: MergeRequest): Promise<MergeOutcome> {
  const backupRef = backupRefName(req.specName, req.worktree.unit);
  const [onto, changedAll, leftovers] = await Promise.all([
    revParse(req.repo, `refs/heads/${req.integrationBranch}`),
    gitOk(req.repo, changedFilesArgs(req.base, req.worktree.branch)),
    gitOk(req.worktree.path, LEFTOVER_STATUS_ARGS),
  ]);
  const changed = parseNulList(changedAll).filter((f) => f !== req.specRel && !f.startsWith(`${req.specRel}/`));
  const outside = filesOutsideManifest(req.manifest, changed, [req.specRel]);
  if (outside.length > 0 && !req.lenient) return { kind: "scope-violation", outside, changed };
  await gitOk(req.repo, ["update-ref", backupRef, onto]);
  crashPoint("merge.backup");
  const stashed = parseStatus(leftovers).map((e) => e.path);
  await stashLeftovers(req.worktree.path, req.worktree.unit, stashed);
  const rebased = await rebaseOnto(req, onto);
  if (!rebased.ok) return { kind: "conflict", files: rebased.files, backupRef };
  crashPoint("merge.rebased");
  const ff = await runGit(req.repo, fastForwardArgs(req.worktree.branch));
  if (ff.code !== 0) return { kind: "refused", reason: (ff.stderr || ff.stdout).trim().split("\n").slice(0, 3).join(" "), backupRef };
  crashPoint("merge.ff");
  // A fast-forward lands exactly on the rebased branch's tip (onto itself when the unit made no commit).
  return { kind: "merged", head: rebased.commits[0] ?? onto, commits: rebased.commits.length, backupRef, changed, outside, stashed };
}

/**
 * Undoes a merge whose gate failed on the integrated tree: the integration branch goes back to the backup ref with
 * `git reset --keep` (seqorch's own uncommitted tasks.md edits survive; the unit's commits stay on its branch).
 */
export async function resetToBackup(repo: string, backupRef: string): Promise<void> {
  await gitOk(repo, ["reset", "--quiet", "--keep", backupRef]);
}

/** Deletes a backup ref once its unit is merged and its gates passed. */
export async function dropBackupRef(repo: string, backupRef: string): Promise<void> {
  await gitOk(repo, ["update-ref", "-d", backupRef]);
}
