// How the parser fills a Task: the record it starts as, its lists, the owner of a detail line, and the key lines
// (`_Requirements: 1.1_`) lifted into fields. Shared by the full parse (parse.ts) and the fast one (fast-parse.ts),
// so both fill tasks by the same rules. Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Details").
import { splitDependencies, splitFiles, splitRequirements, type MetaLine } from "./metadata.ts";
import type { CheckboxMark, Task } from "./types.ts";

/**
 * The empty list every list of a new task starts as (most tasks keep most of their lists empty: one shared array
 * instead of seven per task). Frozen, so a push on it throws instead of filling every task's list: the parser
 * gives a task a list of its own at its first entry (see `append`; linkByIds for childKeys).
 * Consumers of a TasksFile read these lists and never write them.
 */
export const NO_ITEMS: never[] = Object.freeze([]) as unknown as never[];

type StringList = "details" | "requirements" | "writes" | "reads" | "dependencies";

/** Adds `values` (an array of the caller's own, which the task may keep) to `task[key]`. */
export function append(task: Task, key: StringList, values: string[]): void {
  if (values.length === 0) return;
  const list = task[key];
  if (list === NO_ITEMS) task[key] = values;
  else list.push(...values);
}

/** A task as its task line makes it: no parent link, children or details yet (every list NO_ITEMS). */
export function newTask(key: string, id: string, title: string, mark: CheckboxMark, optional: boolean, line: number, parentKey: string | null): Task {
  return {
    key,
    id,
    title,
    mark,
    ticked: mark === "x" || mark === "X",
    optional: optional || (title.includes("[") && /\[optional\]/i.test(title)),
    line,
    parentKey,
    childKeys: NO_ITEMS,
    details: NO_ITEMS,
    checklist: NO_ITEMS,
    requirements: NO_ITEMS,
    writes: NO_ITEMS,
    reads: NO_ITEMS,
    dependencies: NO_ITEMS,
  };
}

/** `- x`, `* x`, `+ x`: a list marker followed by a space or tab (a detail line that starts an item of its own). */
export function startsListItem(text: string): boolean {
  const c = text.charCodeAt(0);
  const next = text.charCodeAt(1);
  return (c === 45 || c === 42 || c === 43) && (next === 32 || next === 9);
}

/** A task line as placed in the file: its indentation and the nearest ancestor task seen before it. */
export interface Placed {
  task: Task;
  indent: number;
  up: Placed | null;
}

/** The task a detail line at `indent` belongs to: the current task, or the ancestor it is indented under. */
export function ownerFor(current: Placed, indent: number): Task {
  let placed: Placed | null = current;
  while (placed && indent <= placed.indent) placed = placed.up;
  return (placed ?? current).task;
}

/**
 * Lifts a finished key line of `owner` (at 1-based `line` of `file`) into its field; a dependency token that is no
 * task ID adds a warning to `warnings`. Returns true when the line must stay in the details too (text after the
 * value, or a dependency line that named no ID).
 */
export function liftMetaFields(owner: Task, meta: MetaLine, line: number, file: string, warnings: string[]): boolean {
  let keep = meta.trailing !== "";
  if (meta.kind === "requirements") append(owner, "requirements", splitRequirements(meta.value));
  else if (meta.kind === "writes") append(owner, "writes", splitFiles(meta.value));
  else if (meta.kind === "reads") append(owner, "reads", splitFiles(meta.value));
  else {
    const { ids, unreadable } = splitDependencies(meta.value);
    append(owner, "dependencies", ids.filter((id) => !owner.dependencies.includes(id)));
    for (const token of unreadable) {
      warnings.push(`${file}:${line}: dependency "${token}" of task ${owner.key} is not a task ID seqorch can read (like 2, 2.1 or 14a.1); it is not waited for`);
    }
    keep ||= ids.length === 0;
  }
  return keep;
}
