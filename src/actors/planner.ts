// The planner actor's work: re-read tasks.md and the state before each unit, say what comes next (a unit, with
// where its review loop resumes; or complete, blocked, waiting for decisions; or, with --parallel, the whole plan
// for the parallel run), and keep the units of that plan so the unit's actors work on exactly what it chose.
import type { PlannerOutput, ResumeAt, UnitRef } from "../../machines/orchestrator.ts";
import type { DispatchUnit, Plan } from "../spec/types.ts";
import { openDecisions, type UnitPipeline } from "../store/pipeline.ts";
import { appendProgressNote } from "../store/progress.ts";
import type { AssignConfig } from "./assignment.ts";
import { nextNotWaiting, skippedKeys, unblockedKeys, waitingKeys } from "./decisions.ts";
import { lateProgressWritten } from "./late-progress.ts";
import { planParallel } from "./parallel-planner.ts";
import { dropAdoptable } from "./recover-run.ts";
import type { RunContext } from "./run-context.ts";
import { describeChanges, rememberPlan } from "./spec-changes.ts";

/** What the planner keeps between its runs (one per run): the latest plan's units by key, and that plan. */
export interface PlanMemory {
  units: Map<string, DispatchUnit>;
  /** The plan the planner saw last and the reading of tasks.md it came from. */
  last: { plan: Plan; generation: number } | null;
}

/** An empty memory, for the start of a run. */
export const newPlanMemory = (): PlanMemory => ({ units: new Map(), last: null });

/** The unit of the latest plan named by `ref`. Throws Error when the plan has none (a wiring bug). */
export function unitOfPlan(plans: PlanMemory, ref: UnitRef): DispatchUnit {
  const unit = plans.units.get(ref.key);
  if (!unit) throw new Error(`unit ${ref.key} is not in the current plan`);
  return unit;
}

/** A unit's name for the machine's events and records. */
export const refOf = (unit: DispatchUnit): UnitRef => ({ key: unit.key, id: unit.id, title: unit.title });

/** Why nothing can run although units are pending: which units wait for what. */
function blockedReason(pending: DispatchUnit[], doneKeys: Set<string>): string {
  const waits = pending.slice(0, 3).map((u) => `${u.id} waits for ${u.dependsOn.filter((d) => !doneKeys.has(d)).join(", ") || "?"}`);
  return `no unit can run: ${waits.join("; ")}${pending.length > 3 ? ` (and ${pending.length - 3} more)` : ""}`;
}

/** Where a unit's review loop resumes after a stop or a crash, from its pipeline record (null: implement it). */
function resumeOf(record: UnitPipeline | undefined): ResumeAt | null {
  if (!record) return null;
  const at = (startAt: ResumeAt["startAt"], round: number): ResumeAt => ({ startAt, round, roundBase: record.fix_base, humanFix: record.human_fix });
  if (record.human_fix && record.status === "in_progress") return at("verify", record.round);
  if (record.status === "pending_review" || record.status === "under_review") return at("review", record.round);
  if (record.status === "fix_required") return at("fix", record.round + 1);
  if (record.status === "in_progress" && record.round > 0) return at("fix", record.round);
  return null;
}

/**
 * What comes next, from tasks.md (read again when it changed on disk; a person's change is reported and logged)
 * and the state. Throws what reading tasks.md throws (SpecParseError) and what an LLM assignment throws (--parallel).
 */
export async function planNext(context: RunContext, assign: AssignConfig, plans: PlanMemory, signal: AbortSignal): Promise<PlannerOutput> {
  const view = context.planReader.read(context.store.get().completed);
  // Only a reading of tasks.md from disk can hold someone else's change: after seqorch's own checkbox
  // writes (same generation) the comparison would find nothing, so it is not made.
  if (plans.last && plans.last.generation !== view.generation) {
    const changes = describeChanges(rememberPlan(plans.last.plan), view.plan, new Set(context.store.get().completed));
    if (changes.length) {
      await lateProgressWritten(context); // the note follows the last unit's entry
      context.report({ type: "spec-changed", detail: changes.join("; ") });
      appendProgressNote(context.paths.progressFile, `tasks.md changed ${new Date().toISOString()}`, changes);
    }
  }
  plans.last = { plan: view.plan, generation: view.generation };
  plans.units.clear();
  for (const unit of view.plan.units) plans.units.set(unit.key, unit);
  for (const key of [...context.adoptable.keys()]) if (!view.pending.some((u) => u.key === key)) await dropAdoptable(context, key);
  // A unit a human skipped (`decide … skip`) is left undone on purpose: the run can complete without it.
  const skipped = skippedKeys(context.store.get());
  if (view.pending.every((u) => skipped.has(u.key))) return { kind: "complete" };
  if (context.gates.parallel) {
    const resume = (key: string) => (context.gates.review ? resumeOf(context.store.get().pipeline[key]) : null);
    return { kind: "parallel", pending: view.pending.length, plan: await planParallel(context, assign, view, resume, signal) };
  }
  const waiting = waitingKeys(context.store.get());
  // The done keys (a set of every completed unit: it grows with the run) only when some unit waits.
  const nextFree = waiting.size ? nextNotWaiting(view.plan, view.pending, new Set([...context.store.get().completed, ...unblockedKeys(context.store.get())]), waiting) : view.next;
  const open = openDecisions(context.store.get().decisions);
  if (!nextFree && open.length) {
    const ids = open.map((d) => view.plan.units.find((u) => u.key === d.unit)?.id ?? d.unit);
    return { kind: "waiting", pending: view.pending.length, decisions: open.length, reason: `waiting for ${open.length} decision${open.length === 1 ? "" : "s"} (unit${ids.length === 1 ? "" : "s"} ${ids.join(", ")}); nothing else can run` };
  }
  if (!nextFree) {
    const doneKeys = new Set([...context.store.get().completed, ...view.plan.units.filter((u) => u.done).map((u) => u.key)]);
    return { kind: "blocked", pending: view.pending.length, reason: blockedReason(view.pending, doneKeys) };
  }
  const position = view.counted.length - view.pending.length + 1;
  // An attempt adopted from a run stopped with --detach-on-stop goes first: never a second agent beside it.
  const next = view.pending.find((u) => context.adoptable.has(u.key)) ?? nextFree;
  const after = view.pending.find((u) => u.key !== next.key);
  context.report({ type: "unit-next", unitId: next.id, title: next.title, position, total: view.counted.length, nextId: after?.id ?? null });
  return { kind: "next", unit: refOf(next), pending: view.pending.length, resume: context.gates.review ? resumeOf(context.store.get().pipeline[next.key]) : null };
}
