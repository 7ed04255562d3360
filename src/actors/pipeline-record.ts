// The unit's pipeline record in the state (src/store/pipeline.ts): created on first use, and its start snapshot.
import { dirname } from "node:path";
import { repoPath } from "../git/commit.ts";
import { gitOk } from "../git/exec.ts";
import { changedPaths, pathsOf, snapshot, type GitSnapshot } from "../git/status.ts";
import type { UnitPipeline } from "../store/pipeline.ts";
import type { State } from "../store/state.ts";
import type { RunContext } from "./run-context.ts";
import { ownFiles } from "./runaway.ts";

/** The unit's record, created as `in_progress` when it has none (call inside a store update). */
export function ensurePipeline(state: State, key: string): UnitPipeline {
  return (state.pipeline[key] ??= { status: "in_progress", start: null, round: 0, verify: [], commits: [], reviews: [], guidance: null, fix_base: 0, human_fix: false, unblock_dependents: false });
}

/** The repository root of the workdir, asked once per run. Throws GitError outside a repository. */
export async function repoRootOf(context: RunContext): Promise<string> {
  context.repoRoot ??= (await gitOk(context.paths.workdir, ["rev-parse", "--show-toplevel"])).trim();
  return context.repoRoot;
}

/**
 * Record where the unit starts (HEAD and the paths already dirty), once per unit over all runs: later attempts,
 * fix rounds and resumed runs keep the first start, so a file dirty before the unit is never committed for it.
 */
export async function recordUnitStart(context: RunContext, key: string): Promise<void> {
  if (!context.gates.commit || context.store.get().pipeline[key]?.start) return;
  const root = await repoRootOf(context);
  const now = await snapshot(root);
  context.store.update((state) => {
    const record = ensurePipeline(state, key);
    record.start = { head: now.head, dirty: [...pathsOf(now)].sort() };
    record.status = "in_progress";
  }, { units: [key] });
}

/**
 * seqorch's own files, relative to the repository root (never committed, never in a reviewer's diff). In a unit's
 * worktree (contextForUnit) the whole spec folder is left out too: only seqorch writes it, in the main checkout.
 */
export function seqorchFiles(context: RunContext, root: string): { excluded: string[]; excludedDirs: string[] } {
  const { paths } = context;
  const files = ownFiles(paths);
  const dirs = [dirname(paths.attemptsDir)];
  const excludedDirs = dirs.map((d) => repoPath(root, d)).filter((p): p is string => p !== null).map((p) => `${p.replace(/\/$/, "")}/`);
  if (context.worktree && root === context.worktree.root) excludedDirs.push(`${context.worktree.specRel.replace(/\/$/, "")}/`);
  return {
    excluded: files.map((f) => repoPath(root, f)).filter((p): p is string => p !== null),
    excludedDirs,
  };
}

/**
 * The paths that changed between two snapshots of the repository at `root`, leaving out the files seqorch itself
 * writes meanwhile (the state, its lock and intent journal, the progress log, PULSE, `.seqorch/`); `tasksFile` says whether tasks.md
 * counts (a reviewer must not touch it; a fix that only ticks a box changed nothing).
 */
export function agentChanges(context: RunContext, root: string, before: GitSnapshot, after: GitSnapshot, tasksFile: boolean): string[] {
  const { excluded, excludedDirs } = seqorchFiles(context, root);
  const tasks = repoPath(root, context.paths.tasksFile);
  const skip = new Set(excluded.filter((p) => tasksFile ? p !== tasks : true));
  return changedPaths(before, after).filter((p) => !skip.has(p) && !excludedDirs.some((d) => p.startsWith(d)));
}
