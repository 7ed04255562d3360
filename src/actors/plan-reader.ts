// Reads tasks.md afresh and answers what the planner and recorder ask: what is next, what is left.
import { readFileSync } from "node:fs";
import { SpecNotFoundError } from "../errors.ts";
import { parseTasks } from "../spec/parse.ts";
import { nextRunnable, planUnits } from "../spec/plan.ts";
import type { DispatchUnit, Plan, PlanOptions } from "../spec/types.ts";

/** A fresh plan plus what the run's recorded completions make of it. */
export interface PlanView {
  plan: Plan;
  /** Units to run (not done in tasks.md, not recorded done, not skipped as optional), file order. */
  pending: DispatchUnit[];
  /** Units that count for "N of M" (optional ones only when included). */
  counted: DispatchUnit[];
  /** The first pending unit whose dependencies are done, or null. */
  next: DispatchUnit | null;
}

/**
 * Read and plan `tasksFile`. Throws SpecNotFoundError when it is gone, SpecParseError when it no longer parses.
 * `completed` is the state file's list of keys recorded done.
 */
export function readPlan(tasksFile: string, options: PlanOptions, completed: readonly string[]): PlanView {
  let text: string;
  try {
    text = readFileSync(tasksFile, "utf8");
  } catch (error) {
    throw new SpecNotFoundError(tasksFile, (error as NodeJS.ErrnoException).code === "ENOENT" ? "tasks.md not found" : String(error));
  }
  const plan = planUnits(parseTasks(text, tasksFile), options);
  const done = new Set(completed);
  const counted = plan.units.filter((u) => !u.optional || options.includeOptional);
  const pending = counted.filter((u) => !u.done && !done.has(u.key));
  return { plan, pending, counted, next: pending.length > 0 ? nextRunnable(plan, done) : null };
}
