// Parent/child links from task IDs (not indentation), and heading groups for parent IDs that have no task line.
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Hierarchy comes from the ID").
import type { Group, Task } from "./types.ts";

/** A numbered heading that may become a group: `### 1. Title`, `#### 1.1 Title`, `## Task 2: Title`. */
export interface HeadingCandidate {
  id: string;
  title: string;
  line: number;
}

/** `5.2.1` → [`5.2`, `5`]; `38a` → []; `2.1a` → [`2`]. */
export function ancestorIds(id: string): string[] {
  const parts = id.split(".");
  const out: string[] = [];
  for (let n = parts.length - 1; n >= 1; n--) out.push(parts.slice(0, n).join("."));
  return out;
}

/** The last entry before `line`, or else the first one after it (lists are in file order). */
function nearest<T extends { line: number }>(list: T[], line: number): T | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]?.line ?? 0) < line) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? list[lo - 1] : list[0];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** True when `keys` are already in the order of their lines (children are usually adopted in file order). */
function inLineOrder(keys: readonly string[], lineOf: (key: string) => number): boolean {
  for (let i = 1; i < keys.length; i++) if (lineOf(keys[i - 1]!) > lineOf(keys[i]!)) return false;
  return true;
}

/** A key not used yet: `id`, else `id#2`, `id#3`… Adds it to `used`. */
export function claimKey(id: string, used: Set<string>): string {
  let key = id;
  for (let n = 2; used.has(key); n++) key = `${id}#${n}`;
  used.add(key);
  return key;
}

/**
 * Sets parentKey / childKeys of `tasks` (file order) from their IDs. The parent of `2.1` is the task `2` (the
 * last one before it, else the first after it); when no task line has that ID, a heading that names it becomes
 * a group; when nothing names it, the next ancestor ID is tried (`5.2.1` → `5`), and at the top the task stands
 * alone. Returns the groups made, in heading order. `usedKeys` holds the task keys; group keys are added.
 * `parents[i]`, when given and not null, is the last task before `tasks[i]` whose ID is the direct parent ID of
 * its own (what the parser saw while reading): that is the parent the rule above picks, without a look-up.
 */
export function linkByIds(tasks: Task[], headings: HeadingCandidate[], usedKeys: Set<string>, parents: readonly (Task | null)[] = []): Group[] {
  // The indexes below are made at their first use: a file whose every sub-task follows its parent needs none.
  let tasksById: Map<string, Task[]> | null = null;
  let headingsById: Map<string, HeadingCandidate[]> | null = null;
  let nodes: Map<string, { line: number; childKeys: string[] }> | null = null;
  const groupOf = new Map<HeadingCandidate, Group>();
  const tasksWith = (id: string): Task[] => {
    if (!tasksById) {
      tasksById = new Map();
      for (const task of tasks) push(tasksById, task.id, task);
    }
    return tasksById.get(id) ?? [];
  };
  const headingsWith = (id: string): HeadingCandidate[] => {
    if (!headingsById) {
      headingsById = new Map();
      for (const heading of headings) push(headingsById, heading.id, heading);
    }
    return headingsById.get(id) ?? [];
  };
  const nodeMap = (): Map<string, { line: number; childKeys: string[] }> => {
    if (!nodes) {
      nodes = new Map();
      for (const task of tasks) nodes.set(task.key, task);
      for (const group of groupOf.values()) nodes.set(group.key, group);
    }
    return nodes;
  };

  // A task's childKeys may be the parser's shared frozen empty list: the first child gets it a list of its own.
  const adoptBy = (node: { childKeys: string[] }, childKey: string): void => {
    if (node.childKeys.length === 0) node.childKeys = [childKey];
    else node.childKeys.push(childKey);
  };
  const adopt = (parentKey: string | null, childKey: string): void => {
    const node = parentKey === null ? undefined : nodeMap().get(parentKey);
    if (node) adoptBy(node, childKey);
  };
  const groupFor = (heading: HeadingCandidate): Group => {
    const existing = groupOf.get(heading);
    if (existing) return existing;
    const group: Group = {
      key: claimKey(heading.id, usedKeys),
      id: heading.id,
      title: heading.title,
      line: heading.line,
      parentKey: null,
      childKeys: [],
    };
    groupOf.set(heading, group);
    nodes?.set(group.key, group);
    group.parentKey = parentOf(heading.id, heading.line);
    adopt(group.parentKey, group.key);
    return group;
  };
  const parentOf = (id: string, line: number): string | null => {
    // The ancestor IDs nearest first (as ancestorIds lists them), cut from `id` without building the list.
    for (let end = id.lastIndexOf("."); end > 0; end = id.lastIndexOf(".", end - 1)) {
      const ancestor = id.slice(0, end);
      const task = nearest(tasksWith(ancestor), line);
      if (task) return task.key;
      const heading = headings.length > 0 ? nearest(headingsWith(ancestor), line) : undefined;
      if (heading) return groupFor(heading).key;
    }
    return null;
  };

  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    const parent = parents[i];
    if (parent) {
      task.parentKey = parent.key;
      adoptBy(parent, task.key);
      continue;
    }
    task.parentKey = parentOf(task.id, task.line);
    adopt(task.parentKey, task.key);
  }
  // Tasks are adopted in file order; only a group, adopted when a task first needs it, can come out of order.
  if (groupOf.size > 0) {
    const all = nodeMap();
    const lineOf = (key: string): number => all.get(key)?.line ?? 0;
    for (const node of all.values()) {
      if (node.childKeys.length > 1 && !inLineOrder(node.childKeys, lineOf)) node.childKeys.sort((a, b) => lineOf(a) - lineOf(b));
    }
  }
  return [...groupOf.values()].sort((a, b) => a.line - b.line);
}
