// Reads tasks.md afresh and answers what the planner and recorder ask: what is next, what is left.
import { readFileSync } from "node:fs";
import { SpecNotFoundError } from "../errors.ts";
import { parseTasks } from "../spec/parse.ts";
import { nextRunnable, planUnits } from "../spec/plan.ts";
import type { CheckboxMark, DispatchUnit, Plan, PlanOptions, TasksFile } from "../spec/types.ts";

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

/** The last text read and its parse; `plan` is made when first asked for (null after seqorch's own tick). */
let cache: { file: string; text: string; options: PlanOptions; key: string; parsed: TasksFile; plan: Plan | null } | null = null;

/** Parse and plan `text`, reusing the last plan when the file's text and the options are unchanged. */
function planOf(tasksFile: string, text: string, options: PlanOptions): Plan {
  const key = JSON.stringify(options);
  if (cache && cache.file === tasksFile && cache.text === text && cache.key === key) return (cache.plan ??= planUnits(cache.parsed, cache.options));
  const parsed = parseTasks(text, tasksFile);
  const plan = planUnits(parsed, options);
  cache = { file: tasksFile, text, options, key, parsed, plan };
  return plan;
}

/**
 * Tell the reader that seqorch itself changed checkboxes in `tasksFile` from `before` to `after`. When `before`
 * is the text last read, the cached parse is updated instead of parsing the whole file again (only marks
 * changed, so the structure is the same). Any other edit is found by the next read, which parses afresh.
 */
export function noteMarksWritten(tasksFile: string, before: string, after: string, marks: ReadonlyMap<string, CheckboxMark>): void {
  if (!cache || cache.file !== tasksFile || cache.text !== before || before === after) return;
  const tasks = cache.parsed.tasks.map((t) => {
    const mark = marks.get(t.key);
    return mark === undefined ? t : { ...t, mark, ticked: mark === "x" || mark === "X" };
  });
  const parsed = { ...cache.parsed, tasks };
  cache = { ...cache, text: after, parsed, plan: null };
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
  const plan = planOf(tasksFile, text, options);
  const done = new Set(completed);
  const counted = plan.units.filter((u) => !u.optional || options.includeOptional);
  const pending = counted.filter((u) => !u.done && !done.has(u.key));
  return { plan, pending, counted, next: pending.length > 0 ? nextRunnable(plan, done) : null };
}
