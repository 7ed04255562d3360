// One turn of the merge queue: merge the unit (src/git/merge-unit.ts), run the gates on the integrated tree, and apply
// the merge policy (src/schedule/merge-policy.ts): clean up a merged unit, reset and set aside a failed one.
// The queue's order (task-ID order, one at a time) is nextMerge's (src/schedule/next-units.ts).
import { afterMergeTurn, type MergeStepResult, type MergeVerdict } from "../schedule/merge-policy.ts";
import { dropBackupRef, mergeUnit, type MergeOutcome, type MergeRequest, resetToBackup } from "./merge-unit.ts";
import { removeUnitWorktree, setAsideUnitWorktree, type UnitWorktree } from "./worktree.ts";

/** What one merge turn did: the git outcome, the gate result, the verdict, and where kept work now is. */
export interface MergeTurn {
  outcome: MergeOutcome;
  /** null when the gate did not run (nothing merged). */
  gatePassed: boolean | null;
  verdict: MergeVerdict;
  /** The worktree and branch kept for the human or set aside before a re-run (null once merged and removed). */
  kept: UnitWorktree | null;
}

/**
 * Runs one merge turn for `req.worktree`'s unit. `gate` runs `--verify` on the integrated main checkout and resolves
 * true when it passes (it is not called when nothing merged; pass `async () => true` when there are no gates).
 * `sentBack` is how often the unit was already sent back to run alone. On "completed" the worktree, branch and backup
 * ref are removed; on a re-run the worktree and branch are set aside (`…-kept-<n>`) so a new one can start from the
 * new integration HEAD; on a decision they stay where they are. Throws GitError on unexpected git failures.
 */
export async function runMergeTurn(req: MergeRequest, gate: (repo: string) => Promise<boolean>, sentBack: number): Promise<MergeTurn> {
  const outcome = await mergeUnit(req);
  let gatePassed: boolean | null = null;
  let result: MergeStepResult = outcome.kind;
  if (outcome.kind === "merged") {
    gatePassed = await gate(req.repo);
    if (!gatePassed) result = "gate-failed";
  }
  const verdict = afterMergeTurn(result, sentBack);
  if (verdict.resetToBackup && outcome.kind === "merged") await resetToBackup(req.repo, outcome.backupRef);
  if (verdict.status === "completed") {
    await removeUnitWorktree(req.repo, req.worktree, true);
    if (outcome.kind === "merged") await dropBackupRef(req.repo, outcome.backupRef);
    return { outcome, gatePassed, verdict, kept: null };
  }
  const kept = verdict.status === "pending" ? await setAsideUnitWorktree(req.repo, req.worktree) : req.worktree;
  return { outcome, gatePassed, verdict, kept };
}
