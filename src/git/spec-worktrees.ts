// The worktrees and branches a spec's parallel units left behind: listed with what each still holds, and pruned
// without losing work (`seqorch worktrees --spec DIR [--prune]`).
import { existsSync } from "node:fs";
import { resolve, sep } from "node:path";
import { parseStatus } from "./status.ts";
import { withWorktreeRegistry } from "./registry-lock.ts";
import { gitOk, runGit } from "./exec.ts";
import { listWorktrees, refComponent, removeUnitWorktree, worktreesRoot } from "./worktree.ts";

/**
 * What a unit's worktree or branch holds:
 * - `merged`: its branch is contained in the integration HEAD (nothing to lose);
 * - `unmerged`: commits not on the integration HEAD (`ahead` of them), no uncommitted changes;
 * - `dirty`: uncommitted changes in the worktree;
 * - `missing`: git knows the worktree but its folder is gone (prunable);
 * - `branch-only`: a `seqorch/<spec>/…` branch without a worktree.
 */
export type SpecWorktreeState = "merged" | "unmerged" | "dirty" | "missing" | "branch-only";

/** One row of `seqorch worktrees`. */
export interface SpecWorktree {
  unit: string;
  /** Absolute path, or null for a branch without a worktree. */
  path: string | null;
  branch: string | null;
  state: SpecWorktreeState;
  /** Commits on the branch that the integration HEAD lacks. */
  ahead: number;
}

/** `git for-each-ref --format=%(refname:short) refs/heads/seqorch/<spec>/`. */
export function specBranchesArgs(specName: string): string[] {
  return ["for-each-ref", "--format=%(refname:short)", `refs/heads/seqorch/${refComponent(specName)}/`];
}

async function aheadOf(repo: string, branch: string): Promise<number> {
  return Number((await gitOk(repo, ["rev-list", "--count", `HEAD..refs/heads/${branch}`])).trim());
}

/** Every worktree under the spec's `.seqorch/worktrees/` and every `seqorch/<spec>/…` branch, with its state. */
export async function specWorktrees(repo: string, specDir: string, specName: string): Promise<SpecWorktree[]> {
  const entries = await withWorktreeRegistry(repo, () => listWorktrees(repo));
  const root = resolve(worktreesRoot(specDir)) + sep;
  const rows: SpecWorktree[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!resolve(entry.path).startsWith(root)) continue;
    const unit = resolve(entry.path).slice(root.length);
    if (entry.branch) seen.add(entry.branch);
    const ahead = entry.branch ? await aheadOf(repo, entry.branch) : 0;
    let state: SpecWorktreeState = ahead === 0 ? "merged" : "unmerged";
    if (entry.prunable || !existsSync(entry.path)) state = "missing";
    else if (parseStatus(await gitOk(entry.path, ["status", "--porcelain=v1", "-z", "--untracked-files=all"])).length > 0) state = "dirty";
    rows.push({ unit, path: entry.path, branch: entry.branch, state, ahead });
  }
  const prefix = `seqorch/${refComponent(specName)}/`;
  for (const branch of (await gitOk(repo, specBranchesArgs(specName))).split("\n").filter(Boolean)) {
    if (seen.has(branch)) continue;
    const ahead = await aheadOf(repo, branch);
    rows.push({ unit: branch.slice(prefix.length), path: null, branch, state: ahead === 0 ? "merged" : "branch-only", ahead });
  }
  return rows;
}

/** What pruning did with one row. */
export interface PruneResult {
  row: SpecWorktree;
  action: "removed" | "kept";
  /** Why it was kept, or what was removed. */
  note: string;
}

/**
 * Cleans up: a missing worktree's entry is pruned; a merged worktree and its branch are removed; an unmerged clean
 * worktree is removed but its branch kept (the commits stay reachable); a dirty worktree is kept untouched.
 */
export async function pruneSpecWorktrees(repo: string, rows: readonly SpecWorktree[]): Promise<PruneResult[]> {
  const results: PruneResult[] = [];
  for (const row of rows) {
    const wt = { unit: row.unit, path: row.path ?? "", branch: row.branch ?? "" };
    if (row.state === "dirty") {
      results.push({ row, action: "kept", note: "uncommitted changes: commit or stash them in the worktree, then prune again" });
    } else if (row.state === "merged") {
      if (row.path) await removeUnitWorktree(repo, wt, false);
      const branch = row.branch;
      if (branch) await withWorktreeRegistry(repo, () => gitOk(repo, ["branch", "-D", branch]));
      results.push({ row, action: "removed", note: row.path ? "worktree and merged branch removed" : "merged branch removed" });
    } else if (row.state === "missing") {
      await withWorktreeRegistry(repo, () => gitOk(repo, ["worktree", "prune"]));
      results.push({ row, action: "removed", note: `stale worktree entry pruned${row.branch ? `; branch ${row.branch} kept` : ""}` });
    } else if (row.state === "unmerged") {
      await removeUnitWorktree(repo, wt, false);
      results.push({ row, action: "removed", note: `worktree removed; branch ${row.branch} kept with ${row.ahead} unmerged commit(s)` });
    } else {
      results.push({ row, action: "kept", note: `${row.ahead} unmerged commit(s): merge it (git merge ${row.branch}) or delete it (git branch -D ${row.branch})` });
    }
  }
  return results;
}

/** True when git can run in `dir` (it is inside a work tree). */
export async function insideGitRepo(dir: string): Promise<boolean> {
  return (await runGit(dir, ["rev-parse", "--is-inside-work-tree"])).code === 0;
}
