// What a parallel run (--parallel N > 1) starts from: every unit of the plan as the scheduler sees it (its
// dependencies and its writes/reads manifest), each pending unit's assignment (asked once, up front: an
// orchestrate assignment may give the manifest), where a unit's review loop resumes, and the statuses the run
// starts with (done, skipped, blocked by a decision, left queued for the merge queue by a killed run).
import type { Assignment, ParallelPlan, ResumeAt, UnitRef } from "../../machines/types.ts";
import { unitManifest } from "../schedule/manifest.ts";
import type { ScheduleUnit, UnitStatus } from "../schedule/next-units.ts";
import type { ParallelState } from "../schedule/parallel-run.ts";
import type { DispatchUnit } from "../spec/types.ts";
import { assignUnit, type AssignConfig } from "./assignment.ts";
import { skippedKeys, unblockedKeys, waitingKeys } from "./decisions.ts";
import type { PlanView } from "./plan-reader.ts";
import type { RunContext } from "./run-context.ts";


const refOf = (unit: DispatchUnit): UnitRef => ({ key: unit.key, id: unit.id, title: unit.title });

/** What the start statuses are read from: the state's sets, made once per plan (not once per unit). */
function startFacts(context: RunContext, view: PlanView) {
  const state = context.store.get();
  return { state, pending: new Set(view.pending.map((u) => u.key)), completed: new Set(state.completed), unblocked: unblockedKeys(state), skipped: skippedKeys(state), waiting: waitingKeys(state) };
}

/** A unit's status at the start of the run, from tasks.md, the state and the worktree registry. */
function startStatus(facts: ReturnType<typeof startFacts>, unit: DispatchUnit): UnitStatus {
  if (unit.done || facts.completed.has(unit.key) || facts.unblocked.has(unit.key)) return "completed";
  if (facts.skipped.has(unit.key) || !facts.pending.has(unit.key)) return "skipped";
  if (facts.waiting.has(unit.key)) return "blocked";
  // A unit whose pipeline ended before a kill waits for its merge (src/actors/worktree-recover.ts).
  return facts.state.worktrees?.[unit.key]?.status === "queued" ? "queued" : "pending";
}

/**
 * The parallel run's plan from `view`: assignments are asked for every pending unit not blocked by a decision
 * (cached ones come from the state), in file order. `resumeOf` gives where a unit's review loop resumes (null:
 * implement it). Throws what assignUnit throws (a stop during an LLM assignment).
 */
export async function planParallel(
  context: RunContext,
  assign: AssignConfig,
  view: PlanView,
  resumeOf: (key: string) => ResumeAt | null,
  signal: AbortSignal,
): Promise<ParallelPlan> {
  const facts = startFacts(context, view);
  const status: Record<string, UnitStatus> = {};
  const refs: Record<string, UnitRef> = {};
  const assignments: Record<string, Assignment> = {};
  const resume: Record<string, ResumeAt | null> = {};
  const units: ScheduleUnit[] = [];
  for (const unit of view.plan.units) {
    status[unit.key] = startStatus(facts, unit);
    if (status[unit.key] === "pending" || status[unit.key] === "queued") {
      const ref = refOf(unit);
      refs[unit.key] = ref;
      assignments[unit.key] = await assignUnit(context, assign, ref, signal);
      resume[unit.key] = resumeOf(unit.key);
    }
    units.push({ key: unit.key, id: unit.id, dependsOn: unit.dependsOn, manifest: unitManifest(unit, context.store.get().assignments[unit.key] ?? {}) });
  }
  const start: ParallelState = { status, alone: {}, sentBack: {}, decisions: {} };
  return { units, refs, assignments, resume, start };
}
