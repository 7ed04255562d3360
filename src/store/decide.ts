// Answering a decision (`seqorch decide UNIT ACTION`): what each action does to the state, as one pure change.
// accept: done as it is, open findings become accepted debt; fixed: the next run verifies and reviews the human's
// fix once; retry: fix rounds (or attempts) counted afresh, the note goes into the next prompt; skip: left undone;
// abort: left blocked for later. A budget decision (a limit reached in orchestrate): retry runs the unit again under
// the next run's budget (limits count one run), its attempts counted afresh. Design: shared/reference/multi-agent-loop.md §3.7.
import { openDecisions, type Decision, type DecisionAction } from "./pipeline.ts";
import type { State } from "./state.ts";

/** What the caller must do after the state change: tick the unit's boxes in tasks.md (accept). */
export interface DecideResult {
  decision: Decision;
  tick: boolean;
  /** One line for the user. */
  summary: string;
}

/**
 * Apply `action` to the open decision of unit `key` in `state` (mutated; call inside a store update). `keys`: the
 * unit's own key and its sub-tasks' (recorded done on accept). Throws Error naming the problem when the unit has no
 * open decision.
 */
export function applyDecision(state: State, key: string, keys: readonly string[], action: DecisionAction, note: string | null, options: { unblockDependents?: boolean } = {}, now = new Date()): DecideResult {
  // An `abort` left the unit blocked for later: its decision can be answered again.
  const decision =
    openDecisions(state.decisions).findLast((d) => d.unit === key) ??
    (state.pipeline[key]?.status === "blocked" ? state.decisions.findLast((d) => d.unit === key && d.resolution === "abort") : undefined);
  if (!decision) throw new Error(`unit ${key} has no open decision (seqorch decisions lists them)`);
  decision.resolved_at = now.toISOString();
  decision.resolution = action;
  decision.note = note;
  const pipeline = (state.pipeline[key] ??= { status: "blocked", start: null, round: 0, verify: [], commits: [], reviews: [], guidance: null, fix_base: 0, human_fix: false, unblock_dependents: false });
  const open = pipeline.reviews.at(-1)?.findings.filter((f) => f.severity === "critical" || f.severity === "major") ?? [];
  switch (action) {
    case "accept":
      pipeline.status = "completed";
      for (const finding of open) state.debt.push({ unit: key, round: pipeline.round, finding, accepted: true });
      for (const k of keys) if (!state.completed.includes(k)) state.completed.push(k);
      return { decision, tick: true, summary: `unit ${key} accepted as it is${open.length ? `; ${open.length} open finding(s) recorded as debt` : ""}` };
    case "fixed":
      pipeline.status = "in_progress";
      pipeline.human_fix = true;
      pipeline.round += 1;
      pipeline.guidance = note;
      return { decision, tick: false, summary: `unit ${key}: the next run verifies and reviews your fix once (round ${pipeline.round})` };
    case "retry": {
      // A review loop stopped by its budget goes on where it stopped (limits count one run), fix rounds as they were.
      if (decision.kind === "budget" && decision.resume_at) {
        pipeline.guidance = note;
        pipeline.status = decision.resume_at === "review" ? "pending_review" : "fix_required";
        return { decision, tick: false, summary: `unit ${key}: the ${decision.resume_at === "review" ? "review" : "fix round"} starts under the next run's budget${note ? ", with your note in the next prompt" : ""}` };
      }
      const inReview = pipeline.reviews.length > 0 && decision.kind !== "attempts_exhausted" && decision.kind !== "halt" && decision.kind !== "budget";
      pipeline.guidance = note;
      if (inReview) {
        pipeline.status = "fix_required";
        pipeline.fix_base = pipeline.round;
      } else {
        pipeline.status = "in_progress";
        for (const record of state.attempts[key] ?? []) record.counted = false;
      }
      return { decision, tick: false, summary: `unit ${key}: ${inReview ? "fix rounds" : "attempts"} start again${note ? ", with your note in the next prompt" : ""}` };
    }
    case "skip":
      pipeline.status = "skipped";
      pipeline.unblock_dependents = options.unblockDependents === true;
      return { decision, tick: false, summary: `unit ${key} skipped (left unticked)${options.unblockDependents ? "; its dependents may run" : "; its dependents stay blocked"}` };
    case "abort":
      pipeline.status = "blocked";
      return { decision, tick: false, summary: `unit ${key} left blocked for later` };
  }
}
