// Noticing that tasks.md changed under a running run (units added or removed, boxes ticked or unticked by hand).
import type { Plan } from "../spec/types.ts";

/** What the planner remembers of the previous plan. */
export interface PlanMemory {
  keys: Set<string>;
  doneInFile: Set<string>;
}

/** Remember `plan` for the next comparison. */
export function rememberPlan(plan: Plan): PlanMemory {
  return { keys: new Set(plan.units.map((u) => u.key)), doneInFile: new Set(plan.units.filter((u) => u.done).map((u) => u.key)) };
}

/**
 * How `plan` differs from `before`, in words (empty when only seqorch's own recordings changed it).
 * `completed` are the keys the state file records done: their ticks are seqorch's own.
 */
export function describeChanges(before: PlanMemory, plan: Plan, completed: ReadonlySet<string>): string[] {
  const after = rememberPlan(plan);
  const added = [...after.keys].filter((k) => !before.keys.has(k));
  const removed = [...before.keys].filter((k) => !after.keys.has(k));
  const ticked = [...after.doneInFile].filter((k) => !before.doneInFile.has(k) && before.keys.has(k) && !completed.has(k));
  const unticked = [...before.doneInFile].filter((k) => after.keys.has(k) && !after.doneInFile.has(k));
  const out: string[] = [];
  if (added.length) out.push(`unit(s) added: ${added.join(", ")}`);
  if (removed.length) out.push(`unit(s) removed: ${removed.join(", ")}`);
  if (ticked.length) out.push(`ticked by hand (will not run): ${ticked.join(", ")}`);
  if (unticked.length) out.push(`unticked by hand: ${unticked.join(", ")}${unticked.some((k) => completed.has(k)) ? " (recorded done in the state file: not run again)" : ""}`);
  return out;
}
