// What happens to a unit after its turn in the merge queue: merged, run again alone once, or handed to a human.
// Pure: the outcome of the git step and the gate, plus how often the unit was sent back, in; the next status out.
// Rules: issue 10 "Merging"; multi-agent-loop.md Part 3.8 ("Conflicts").
import type { UnitStatus } from "./next-units.ts";

/** The merge step's result as the policy sees it (src/git/merge-unit.ts outcomes, plus the gate on the integrated tree). */
export type MergeStepResult = "merged" | "gate-failed" | "conflict" | "scope-violation" | "refused";

/** Decisions the merge queue can open (names from multi-agent-loop.md 3.7). */
export type MergeDecisionKind = "merge_conflict" | "scope_violation";

/** What the run does next with the unit. */
export interface MergeVerdict {
  status: Extract<UnitStatus, "completed" | "pending" | "blocked">;
  /** Run the unit again with nothing beside it (status "pending"). */
  alone: boolean;
  /** The decision to open (status "blocked"), else null. */
  decision: MergeDecisionKind | null;
  /** Reset the integration branch to the backup ref (the gate failed after the fast-forward). */
  resetToBackup: boolean;
  /** Keep the unit's worktree and branch (they hold work not on the integration branch). */
  keepWorktree: boolean;
  /** Times the unit has been sent back to run alone, this one included. */
  sentBack: number;
}

/**
 * The verdict for one merge turn. `sentBack` counts earlier re-runs alone of this unit: a textual conflict or a
 * gate failing on the integrated tree sends it back once; the next such failure is a `merge_conflict` decision.
 * A scope violation (without `--lenient-writes`; with it, mergeUnit merges and warns) is a `scope_violation`
 * decision at once; a refused fast-forward (the main checkout is in the way) is a `merge_conflict` decision.
 */
export function afterMergeTurn(result: MergeStepResult, sentBack: number): MergeVerdict {
  const base = { alone: false, decision: null, resetToBackup: false, keepWorktree: true, sentBack };
  switch (result) {
    case "merged":
      return { ...base, status: "completed", keepWorktree: false };
    case "scope-violation":
      return { ...base, status: "blocked", decision: "scope_violation" };
    case "refused":
      return { ...base, status: "blocked", decision: "merge_conflict" };
    case "conflict":
    case "gate-failed": {
      const reset = result === "gate-failed";
      if (sentBack >= 1) return { ...base, status: "blocked", decision: "merge_conflict", resetToBackup: reset };
      return { ...base, status: "pending", alone: true, resetToBackup: reset, sentBack: sentBack + 1 };
    }
  }
}
