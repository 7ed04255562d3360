// Recording a decision for a human: the decision in the state, the unit blocked, the progress log, the
// --on-decision hook, the display; and the unit keys that wait for an open decision (computed, never stored).
import { runHookCommand } from "../hooks.ts";
import type { DispatchUnit, Plan } from "../spec/types.ts";
import { DECISION_OPTIONS, decideCommand, openDecisions, type Decision, type DecisionKind } from "../store/pipeline.ts";
import { appendProgressNote } from "../store/progress.ts";
import type { State } from "../store/state.ts";
import { ensurePipeline } from "./pipeline-record.ts";
import type { RunContext } from "./run-context.ts";
import { unregisterUnitWorkdir } from "./worktree-registry.ts";

/**
 * Record a decision about `unit` and return it. `findings`: the open blocking findings; `logs`: files a person
 * reads to decide; `budget`: a budget decision's sums and where its loop stopped. Never throws for the hook (a failure to start it is a warning).
 */
export function recordDecision(context: RunContext, unit: { key: string; id: string; title: string }, kind: DecisionKind, question: string, logs: string[] = [], budget?: { spent: NonNullable<Decision["spent"]>; resumeAt?: Decision["resume_at"] }): Decision {
  const now = new Date().toISOString();
  let decision!: Decision;
  context.store.update((state) => {
    const pipeline = ensurePipeline(state, unit.key);
    const findings = (pipeline.reviews.at(-1)?.findings ?? []).filter((f) => f.severity === "critical" || f.severity === "major");
    const n = state.decisions.filter((d) => d.unit === unit.key).length + 1;
    decision = { id: `${unit.key}-${n}`, unit: unit.key, kind, question, options: [...DECISION_OPTIONS], findings, logs, created_at: now, resolved_at: null, resolution: null, note: null, ...(budget ? { spent: budget.spent } : {}), ...(budget?.resumeAt ? { resume_at: budget.resumeAt } : {}) };
    state.decisions.push(decision);
    pipeline.status = "blocked";
    // A unit in its own worktree (--parallel) waits there for the human: kept, no longer in flight.
    const worktree = state.worktrees?.[unit.key];
    if (worktree && (worktree.status === "open" || worktree.status === "queued")) Object.assign(worktree, { status: "kept", note: `waits for decision ${decision.id} (${kind})`, updated_at: now });
  }, { units: [unit.key] });
  unregisterUnitWorkdir(context, unit.key);
  const command = decideCommand(context.paths.specDir, unit.id);
  appendProgressNote(context.paths.progressFile, `Decision needed: unit ${unit.id} (${kind}, ${now})`, [question, ...logs.map((l) => `Log: ${l}`), `Answer: ${command}`]);
  context.report({ type: "unit-step", unitId: unit.id, step: "decision", ok: false, detail: `${kind}: ${question.split("\n")[0]} — answer with: ${command}` });
  if (context.gates.onDecision) {
    const failure = runHookCommand(context.gates.onDecision, {
      SEQORCH_EVENT: "decision",
      SEQORCH_REASON: kind,
      SEQORCH_SUMMARY: `seqorch needs a decision on unit ${unit.id} of ${context.paths.specName}: ${question.split("\n")[0]}`,
      SEQORCH_SPEC_DIR: context.paths.specDir,
      SEQORCH_UNIT: unit.id,
      SEQORCH_DECISION_ID: decision.id,
      SEQORCH_DECISION_KIND: kind,
      SEQORCH_DECISION_QUESTION: question,
      SEQORCH_DECIDE_COMMAND: command,
      SEQORCH_STATE_FILE: context.paths.stateFile,
      SEQORCH_PROGRESS_FILE: context.paths.progressFile,
    });
    if (failure) context.report({ type: "warning", message: `the --on-decision hook did not start: ${failure}` });
  }
  return decision;
}

/** Keys of units waiting for an open decision, or skipped by one (their dependents wait because they are not done). */
export function waitingKeys(state: State): Set<string> {
  const keys = new Set(openDecisions(state.decisions).map((d) => d.unit));
  // Skipped units, and blocked ones whose decision was answered `abort` (left for later).
  for (const [key, record] of Object.entries(state.pipeline)) if (record.status === "skipped" || record.status === "blocked") keys.add(key);
  return keys;
}

/** Units a human skipped (`decide … skip`): left undone on purpose. */
export function skippedKeys(state: State): Set<string> {
  return new Set(Object.entries(state.pipeline).filter(([, r]) => r.status === "skipped").map(([key]) => key));
}

/** Skipped units that count as done for their dependents (`decide … skip --unblock-dependents`). */
export function unblockedKeys(state: State): Set<string> {
  return new Set(Object.entries(state.pipeline).filter(([, r]) => r.status === "skipped" && r.unblock_dependents).map(([key]) => key));
}

/**
 * The first pending unit, in file order, that waits for no decision and whose dependencies are all done, or
 * null. (Dependents of a waiting unit wait too: their dependency is not done.)
 */
export function nextNotWaiting(plan: Plan, pending: DispatchUnit[], done: ReadonlySet<string>, waiting: ReadonlySet<string>): DispatchUnit | null {
  const byKey = new Map(plan.units.map((u) => [u.key, u]));
  const settled = (key: string) => {
    const dep = byKey.get(key);
    return dep === undefined || dep.done || done.has(key) || (dep.optional && !plan.options.includeOptional);
  };
  return pending.find((u) => !waiting.has(u.key) && u.dependsOn.every(settled)) ?? null;
}
