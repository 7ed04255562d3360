// The preflight of a parallel run (--parallel N > 1): a git repository, on a branch, clean, not mid-merge, with disk
// space (src/git/preflight.ts), and the gate the worktree and merge actors read (RunContext.gates.parallel).
import { realpathSync } from "node:fs";
import { UsageError, WorktreePreflightError } from "../errors.ts";
import { repoPath } from "../git/commit.ts";
import { gitOk } from "../git/exec.ts";
import { preflightParallel } from "../git/preflight.ts";
import { insideGitRepo } from "../git/spec-worktrees.ts";
import { parallelOf, type RunOptions } from "../cli/run-options.ts";
import type { ParallelGate, RunPaths } from "./run-context.ts";

/**
 * The parallel gate of a run, or null when it runs one unit at a time (--parallel 1, or orchestrate's default without
 * --commit). Throws UsageError for an explicit --parallel without --commit, WorktreePreflightError (exit 75, one line per problem) when the workdir is not in a git repository, the spec
 * folder is outside it, or the preflight finds a detached HEAD, a merge/rebase in progress, unresolved conflicts,
 * uncommitted tracked changes outside the spec folder or too little disk. `minFreeBytes`: for tests.
 */
export async function parallelGateOf(
  options: Pick<RunOptions, "parallel" | "command" | "worktreeSetup" | "lenientWrites" | "commit">,
  paths: Pick<RunPaths, "workdir" | "specDir">,
  minFreeBytes?: number,
): Promise<ParallelGate | null> {
  const n = parallelOf(options);
  if (n <= 1) return null;
  // A unit's work reaches the integration branch as its commits: uncommitted work in a worktree would never merge.
  if (!options.commit) {
    if (options.parallel === undefined) return null; // orchestrate --no-commit: its default runs one unit at a time
    throw new UsageError("--parallel", `${n} needs --commit (each unit's work merges as its own commits; orchestrate has it on)`);
  }
  if (!(await insideGitRepo(paths.workdir))) {
    throw new WorktreePreflightError(paths.workdir, [`--parallel ${n} needs a git repository (each unit runs in its own worktree), and this workdir is not in one`]);
  }
  const repo = (await gitOk(paths.workdir, ["rev-parse", "--show-toplevel"])).trim();
  const specRel = repoPath(realpathSync(repo), realpathSync(paths.specDir));
  if (specRel === null) throw new WorktreePreflightError(repo, [`the spec folder ${paths.specDir} is outside this repository: --parallel keeps its worktrees under it`]);
  const integrationBranch = await preflightParallel(repo, [specRel], minFreeBytes);
  return { n, worktreeSetup: options.worktreeSetup ?? null, lenientWrites: options.lenientWrites, repo, integrationBranch, specRel };
}
