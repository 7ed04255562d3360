// The parallel run's actors at the edges of a unit's life (machines/parallel.ts): before its agent starts, the
// budget and its place (a worktree, or the main checkout for a unit that runs alone); after it, one merge turn.
import type { MergeOutput, PrepareOutput } from "../../machines/parallel.ts";
import { WorktreeSetupError } from "../errors.ts";
import { manifestKind, unitManifest } from "../schedule/manifest.ts";
import type { DispatchUnit } from "../spec/types.ts";
import { checkBudgetBeforeDispatch } from "./budget.ts";
import { recordDecision } from "./decisions.ts";
import { mergeUnitWorktree } from "./merge-worktree.ts";
import { renameMergedCommits } from "./merged-commits.ts";
import { refOf } from "./planner.ts";
import { refreshPulse } from "./pulse-writer.ts";
import type { RunContext } from "./run-context.ts";
import { openUnitWorktree } from "./worktree-open.ts";

/**
 * Before a parallel unit's agent starts: the run's budget (a limit reached: a budget decision, the run halts), then
 * its place: a unit without a manifest runs alone in the main checkout, as in a serial run (unless a killed run left
 * it a worktree); every other unit gets its worktree (opened, or adopted after a kill). A failed --worktree-setup
 * blocks this unit alone with a `worktree_setup` decision. Other failures (git) are thrown: the run ends in failed.
 */
export async function prepareUnit(context: RunContext, unit: DispatchUnit, signal: AbortSignal): Promise<PrepareOutput> {
  const ref = refOf(unit);
  const budget = checkBudgetBeforeDispatch(context, ref);
  if (budget.reached) return { kind: "over-budget", reached: budget.reached };
  const manifest = unitManifest(unit, context.store.get().assignments[unit.key] ?? {});
  const record = context.store.get().worktrees?.[unit.key];
  // A person's fix (`decide … fixed`) is in the main checkout: it is checked and reviewed there.
  const humanFix = context.store.get().pipeline[unit.key]?.human_fix === true;
  if ((manifestKind(manifest) === "none" || humanFix) && !record) return { kind: "ready", inPlace: true };
  try {
    await openUnitWorktree(context, ref, signal);
    return { kind: "ready", inPlace: false };
  } catch (error) {
    if (!(error instanceof WorktreeSetupError)) throw error;
    // A set-up ended by the run's stop is no decision: the next run sets the worktree up again.
    if (error.stopped) return { kind: "stopped" };
    recordDecision(context, ref, "worktree_setup", error.message, [error.log]);
    return { kind: "blocked", reason: error.message };
  }
}

/** A merge turn's result as the parallel run's schedule needs it (the decision, if any, is already recorded). */
function mergeOutputOf(result: Awaited<ReturnType<typeof mergeUnitWorktree>>): MergeOutput {
  switch (result.kind) {
    case "merged":
      return { kind: "merged" };
    case "run-alone":
      return { kind: "run-alone", reason: result.reason };
    case "decision":
      return { kind: "decision", reason: result.question };
    case "stopped":
      return { kind: "stopped" };
  }
}

/**
 * One turn of the merge queue for `unit`: merged (its recorded commits renamed to the rebased ones), sent back to
 * run alone, a decision, or stopped; PULSE written again. Throws GitError on unexpected git failures.
 */
export async function mergeTurn(context: RunContext, unit: DispatchUnit): Promise<MergeOutput> {
  const result = await mergeUnitWorktree(context, unit);
  if (result.kind === "merged") await renameMergedCommits(context, unit.key, result.head, result.commits);
  refreshPulse(context); // a merge completes a unit (or makes a decision): the morning page says so
  return mergeOutputOf(result);
}
