// The units in flight of a parallel run (--parallel), folded from run events: one lane per unit from its first
// attempt to its merge (or its decision), with the step it is at, and the merge queue they form. A sequential run
// has no lanes: its one unit is RunView.unit, told by the `unit-next` event that precedes it (a parallel run sends none).
import type { RunEvent } from "../actors/run-context.ts";
import { compareTaskIds } from "../schedule/task-order.ts";

/** Where a unit in flight is: in its worktree (implementing … fix), waiting for its merge turn, or merging. */
export type LaneStep = "implementing" | "verifying" | "committing" | "review" | "fix" | "queued" | "merging" | "sent-back" | "failed" | "rate-limited" | "halt" | "over-budget";

/** One unit in flight. Times are epoch ms. */
export interface Lane {
  id: string;
  title: string;
  /** The attempt (or fix round) running, or the last one. */
  attempt: { n: number; max: number; backend: string; windowId: string | null } | null;
  step: LaneStep;
  /** The review round the unit is at: 0 until its first fix round, then the fix round's number. */
  round: number;
  /** Its TASK_DONE goes to review (--review) before the merge queue. */
  review: boolean;
  /** It runs in its own worktree and is done when it merges; false: in the main checkout (no manifest), done when approved. */
  inWorktree: boolean;
  /** What the step says besides its name: a failed attempt's reason, why a merge turn sent the unit back. */
  note: string;
  startedAt: number;
  /** The end of a rate-limit wait, or null. */
  waitingUntil: number | null;
}

/** The part of the run's view the lanes fold into (RunView). */
export interface LaneView {
  lanes: Lane[];
  /** The sequential run's unit (set by `unit-next`), or null. */
  unit: { id: string } | null;
}

/** Sets the result (and the title, when not empty) of unit `id`'s summary row, creating the row. */
export type SetResult = (id: string, result: string, title: string) => void;

const FIX_ROUND = /\s*\(fix round (\d+)\)$/;

/** The lane of `id`, created when `create` (at `now`) and absent. */
function laneOf(view: LaneView, id: string, now: number, create: boolean): Lane | null {
  const found = view.lanes.find((l) => l.id === id);
  if (found || !create) return found ?? null;
  const lane: Lane = { id, title: "", attempt: null, step: "implementing", round: 0, review: false, inWorktree: true, note: "", startedAt: now, waitingUntil: null };
  view.lanes.push(lane);
  view.lanes.sort((a, b) => compareTaskIds(a.id, b.id));
  return lane;
}

function dropLane(view: LaneView, id: string): void {
  const at = view.lanes.findIndex((l) => l.id === id);
  if (at >= 0) view.lanes.splice(at, 1);
}

function step(lane: Lane, to: LaneStep, note = ""): void {
  lane.step = to;
  lane.note = note;
  lane.waitingUntil = null;
}

/** A lane's unit passed its loop: in a worktree it joins the merge queue; in the main checkout it is done. */
function finished(view: LaneView, lane: Lane, setResult: SetResult): void {
  if (!lane.inWorktree) {
    setResult(lane.id, "done", lane.title);
    return dropLane(view, lane.id);
  }
  setResult(lane.id, "queued", lane.title);
  step(lane, "queued");
}

/** A unit-step event on a lane. */
function foldStep(view: LaneView, lane: Lane, event: Extract<RunEvent, { type: "unit-step" }>, setResult: SetResult): void {
  switch (event.step) {
    case "verify":
      return step(lane, "verifying", event.ok ? "" : "a check failed");
    case "commit":
      return step(lane, "committing");
    case "review": {
      const round = /^round (\d+):/.exec(event.detail);
      if (round) lane.round = Number(round[1]);
      if (/^approved\b/.test(event.detail)) return finished(view, lane, setResult);
      return step(lane, "review");
    }
    case "merging":
      if (event.title && !lane.title) lane.title = event.title;
      return step(lane, "merging");
    case "merge":
      if (event.ok) {
        setResult(lane.id, "merged", lane.title);
        return dropLane(view, lane.id);
      }
      setResult(lane.id, "sent back", lane.title);
      return step(lane, "sent-back", event.detail);
    case "decision":
      setResult(lane.id, "decision", lane.title);
      return dropLane(view, lane.id);
  }
}

/**
 * Fold `event` into the lanes when it is about a unit of a parallel run: an attempt's start for a unit that is not
 * the sequential run's, or any event of a unit that has a lane. Returns false (nothing changed) for every other
 * event, which the sequential view then folds. For `attempt-finished` only the lane's step changes: the caller
 * counts the attempt in the unit's row (as in a sequential run), then sets the row's result (`queued` once done).
 */
export function foldLaneEvent(view: LaneView, event: RunEvent, now: number, setResult: SetResult): boolean {
  if (!("unitId" in event)) return false;
  const starts = (event.type === "unit-started" && view.unit?.id !== event.unitId) || (event.type === "unit-step" && event.step === "merging");
  const lane = laneOf(view, event.unitId, now, starts);
  if (!lane) {
    // A unit blocked before its first attempt (a failed --worktree-setup) in a parallel run: a row all the same.
    if (event.type === "unit-step" && event.step === "decision" && view.unit === null) setResult(event.unitId, "decision", "");
    return false;
  }
  switch (event.type) {
    case "unit-started": {
      const fix = FIX_ROUND.exec(event.backend);
      if (event.title) lane.title = event.title;
      if (event.review !== undefined) lane.review = event.review;
      if (event.worktree !== undefined) lane.inWorktree = event.worktree !== null;
      const backend = event.backend.replace(FIX_ROUND, "");
      // A fix round's numbers are the round's (n of --max-fix-rounds): the attempt shown stays the implementation's.
      if (fix && lane.attempt) lane.attempt = { ...lane.attempt, backend, windowId: event.windowId };
      else lane.attempt = { n: event.attempt, max: event.maxAttempts, backend, windowId: event.windowId };
      if (fix) lane.round = Number(fix[1]);
      step(lane, fix ? "fix" : "implementing");
      return true;
    }
    case "unit-step":
      foldStep(view, lane, event, setResult);
      return true;
    case "rate-limited":
      step(lane, "rate-limited", event.reason);
      lane.waitingUntil = event.untilMs;
      return true;
    case "attempt-finished":
      if (event.status === "done" && lane.review) step(lane, "review");
      else if (event.status === "done") finished(view, lane, setResult);
      else if (event.status === "rate-limited") step(lane, "rate-limited", event.reason);
      else if (event.status === "halt" || event.status === "over-budget") step(lane, event.status, event.reason);
      else step(lane, "failed", `${event.status}${event.reason ? `: ${event.reason}` : ""}`);
      return true;
    default:
      return true;
  }
}

/** The merge queue: the lane merging now (or null), then the units waiting for their turn, in task-ID (merge) order. */
export function mergeQueue(lanes: readonly Lane[]): { merging: Lane | null; queued: Lane[] } {
  return { merging: lanes.find((l) => l.step === "merging") ?? null, queued: lanes.filter((l) => l.step === "queued") };
}
