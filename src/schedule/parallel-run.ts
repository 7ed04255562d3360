// The bookkeeping of a parallel run as a pure reducer: what the run knows of each unit (status, run alone, times sent
// back), the events that change it, and the next moves (units to start, the unit to merge). The run machine keeps
// this in its context; scripts/parallel-model.ts drives the same functions in the simulation.
import { afterMergeTurn, type MergeDecisionKind, type MergeStepResult } from "./merge-policy.ts";
import { dependenciesMet, nextMerge, nextUnits, type ScheduleInput, type ScheduleUnit, type UnitStatus } from "./next-units.ts";

/** Per-unit bookkeeping, keyed by unit key. */
export interface ParallelState {
  status: Record<string, UnitStatus>;
  /** Units that must run alone from now on (sent back after a conflict or a failed integrated gate). */
  alone: Record<string, boolean>;
  /** How often each unit was sent back. */
  sentBack: Record<string, number>;
  /** The decision that blocked a unit, when the merge queue opened one. */
  decisions: Record<string, MergeDecisionKind | "unit">;
}

/** What happens to a parallel run. */
export type ParallelEvent =
  /** The scheduler's picks were started (each now has a worktree). */
  | { type: "started"; units: string[] }
  /** A unit's pipeline ended: `ok` queues it for merging; otherwise it is blocked by its own decision. */
  | { type: "finished"; unit: string; ok: boolean }
  /** The merge queue picked this unit. */
  | { type: "merge-started"; unit: string }
  /** The merge turn ended with this result (src/git/merge-queue.ts). */
  | { type: "merge-ended"; unit: string; result: MergeStepResult };

/** Statuses at the start of a run: done units `completed`, skipped ones `skipped`, the rest `pending`. */
export function initialParallelState(units: readonly ScheduleUnit[], done: ReadonlySet<string>, skipped: ReadonlySet<string> = new Set()): ParallelState {
  const status: Record<string, UnitStatus> = {};
  for (const u of units) status[u.key] = done.has(u.key) ? "completed" : skipped.has(u.key) ? "skipped" : "pending";
  return { status, alone: {}, sentBack: {}, decisions: {} };
}

/** What nextUnits and nextMerge are asked: the units with their `alone` marks applied, and the statuses. */
export function schedulerInput(units: readonly ScheduleUnit[], state: ParallelState, parallel: number): ScheduleInput {
  return { units: units.map((u) => (state.alone[u.key] ? { ...u, alone: true } : u)), status: state.status, parallel };
}

/** The next moves: the units to start now and the unit to merge now (null when none may). Pure. */
export function nextMoves(units: readonly ScheduleUnit[], state: ParallelState, parallel: number): { start: string[]; merge: string | null } {
  const input = schedulerInput(units, state, parallel);
  return { start: nextUnits(input), merge: nextMerge(input) };
}

/** Thrown when an event does not fit the unit's status (a bug in the caller, never a user error). */
export class ParallelEventError extends Error {}

function expectStatus(state: ParallelState, unit: string, wanted: UnitStatus, event: string): void {
  const actual = state.status[unit];
  if (actual !== wanted) throw new ParallelEventError(`${event} for unit ${unit}, which is ${actual ?? "unknown"} (expected ${wanted})`);
}

/**
 * The state after one event (a new object; the old one is not changed). Throws ParallelEventError for an event
 * that does not fit: starting a unit that is not pending or whose dependencies are not completed, a finish for a
 * unit not running, a merge for a unit not queued or ended while not merging.
 */
export function applyParallelEvent(units: readonly ScheduleUnit[], state: ParallelState, event: ParallelEvent): ParallelState {
  const next: ParallelState = {
    status: { ...state.status },
    alone: { ...state.alone },
    sentBack: { ...state.sentBack },
    decisions: { ...state.decisions },
  };
  switch (event.type) {
    case "started":
      for (const key of event.units) {
        expectStatus(next, key, "pending", "started");
        const unit = units.find((u) => u.key === key);
        if (unit && !dependenciesMet(unit, next.status)) throw new ParallelEventError(`started unit ${key} before its dependencies completed`);
        next.status[key] = "running";
      }
      return next;
    case "finished":
      expectStatus(next, event.unit, "running", "finished");
      next.status[event.unit] = event.ok ? "queued" : "blocked";
      if (!event.ok) next.decisions[event.unit] = "unit";
      return next;
    case "merge-started":
      expectStatus(next, event.unit, "queued", "merge-started");
      next.status[event.unit] = "merging";
      return next;
    case "merge-ended": {
      expectStatus(next, event.unit, "merging", "merge-ended");
      const verdict = afterMergeTurn(event.result, next.sentBack[event.unit] ?? 0);
      next.status[event.unit] = verdict.status;
      next.sentBack[event.unit] = verdict.sentBack;
      if (verdict.alone) next.alone[event.unit] = true;
      if (verdict.decision) next.decisions[event.unit] = verdict.decision;
      return next;
    }
  }
}
