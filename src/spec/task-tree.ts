// Navigation over a parsed tasks.md (children, descendants, ancestors, IDs) and the "done" rule for tasks and groups.
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Status", "Dispatch units").
import type { Group, Task, TasksFile } from "./types.ts";

/** A task or a heading group. */
export type TreeNode = Task | Group;

/** True for a task (a group has no checkbox). */
export function isTask(node: TreeNode): node is Task {
  return (node as Partial<Task>).mark !== undefined;
}

/** The tasks and groups of one file, indexed; `done` follows the option that counts optional sub-tasks or not. */
export class TaskTree {
  private readonly byKey = new Map<string, TreeNode>();
  /** Tasks and groups by ID, made at the first withId (only dependencies and waves ask). */
  private idIndex: Map<string, TreeNode[]> | null = null;
  /** Index of each task in `parsed.tasks`, made at the first replaceTask. */
  private positions: Map<string, number> | null = null;
  private readonly doneMemo = new Map<TreeNode, boolean>();
  private readonly skippableMemo = new Map<TreeNode, boolean>();

  constructor(
    readonly parsed: TasksFile,
    private readonly includeOptional: boolean,
  ) {
    for (const task of parsed.tasks) this.byKey.set(task.key, task);
    for (const group of parsed.groups) this.byKey.set(group.key, group);
  }

  /** The task or group with this key. */
  node(key: string): TreeNode | undefined {
    return this.byKey.get(key);
  }

  /** Tasks and groups written with this ID (several when the ID repeats). */
  withId(id: string): TreeNode[] {
    if (!this.idIndex) {
      this.idIndex = new Map();
      for (const node of [...this.parsed.tasks, ...this.parsed.groups]) {
        const list = this.idIndex.get(node.id);
        if (list) list.push(node);
        else this.idIndex.set(node.id, [node]);
      }
    }
    return this.idIndex.get(id) ?? [];
  }

  /**
   * Put `task` (a new version of the task with its key: same line, parent and children, another mark) in place
   * of the old one, here and in `parsed.tasks` (which this tree then owns), and forget the "done" answers the
   * new mark can change (its own and its ancestors'). For seqorch's own checkbox writes, which change only
   * marks: no new parse, no new index. Returns the old version, or undefined when no task has that key.
   */
  replaceTask(task: Task): Task | undefined {
    const old = this.byKey.get(task.key);
    if (!old || !isTask(old)) return undefined;
    if (!this.positions) {
      this.positions = new Map();
      this.parsed.tasks.forEach((t, i) => this.positions!.set(t.key, i));
    }
    this.parsed.tasks[this.positions.get(task.key)!] = task;
    this.byKey.set(task.key, task);
    const sameId = this.idIndex?.get(task.id);
    if (sameId) sameId[sameId.indexOf(old)] = task;
    this.doneMemo.delete(old);
    const skippable = this.skippableMemo.get(old);
    if (skippable !== undefined) {
      this.skippableMemo.delete(old);
      this.skippableMemo.set(task, skippable);
    }
    for (let up = this.parentOf(task); up; up = this.parentOf(up)) this.doneMemo.delete(up);
    return old;
  }

  /** Tasks and groups with no parent, in file order. */
  roots(): TreeNode[] {
    const out: TreeNode[] = [];
    for (const task of this.parsed.tasks) if (task.parentKey === null) out.push(task);
    for (const group of this.parsed.groups) if (group.parentKey === null) out.push(group);
    for (let i = 1; i < out.length; i++) if (out[i - 1]!.line > out[i]!.line) return out.sort((a, b) => a.line - b.line);
    return out;
  }

  /** Direct sub-tasks; a child group is looked through (its tasks count as the node's). */
  childTasks(node: TreeNode): Task[] {
    if (node.childKeys.length === 0) return [];
    const out: Task[] = [];
    for (const key of node.childKeys) {
      const child = this.byKey.get(key);
      if (!child) continue;
      if (isTask(child)) out.push(child);
      else out.push(...this.childTasks(child));
    }
    return out;
  }

  /** Every task below `node`, all levels, in file order. */
  descendants(node: TreeNode): Task[] {
    if (node.childKeys.length === 0) return [];
    const out: Task[] = [];
    const stack: string[] = [];
    for (let i = node.childKeys.length - 1; i >= 0; i--) stack.push(node.childKeys[i]!);
    while (stack.length > 0) {
      const child = this.byKey.get(stack.pop() as string);
      if (!child) continue;
      if (isTask(child)) out.push(child);
      for (let i = child.childKeys.length - 1; i >= 0; i--) stack.push(child.childKeys[i] as string);
    }
    // Depth-first over line-sorted children is file order except where an ID places a task away from its line.
    for (let i = 1; i < out.length; i++) if (out[i - 1]!.line > out[i]!.line) return out.sort((a, b) => a.line - b.line);
    return out;
  }

  /** Parent, grandparent… up to the root (tasks and groups). */
  ancestors(node: TreeNode): TreeNode[] {
    const out: TreeNode[] = [];
    for (let up = this.parentOf(node); up; up = this.parentOf(up)) out.push(up);
    return out;
  }

  /** The enclosing task or group, if any. */
  parentOf(node: TreeNode): TreeNode | undefined {
    return node.parentKey === null ? undefined : this.byKey.get(node.parentKey);
  }

  /** The root above `node` (itself when it has no parent). */
  rootOf(node: TreeNode): TreeNode {
    const chain = this.ancestors(node);
    return chain[chain.length - 1] ?? node;
  }

  /**
   * A leaf for leaf granularity: a task with no counted sub-task (none at all, or only optional ones while
   * optional tasks are not included: such a parent is done only when ticked, so it needs its own run).
   */
  isLeaf(task: Task): boolean {
    return this.childTasks(task).every((c) => c.optional && !this.includeOptional);
  }

  /** Optional, or below an optional task. */
  isSkippable(task: Task): boolean {
    if (task.optional) return true;
    const parent = this.parentOf(task);
    if (!parent) return false;
    const memo = this.skippableMemo.get(parent);
    if (memo !== undefined) return memo;
    // The parent's answer, whether a task or a group (a group is never optional itself).
    const skippable = isTask(parent) ? this.isSkippable(parent) : this.ancestors(parent).some((up) => isTask(up) && up.optional);
    this.skippableMemo.set(parent, skippable);
    return skippable;
  }

  /**
   * Done: a task that is ticked, or whose counted sub-tasks are all done (counted: the non-optional ones, or all
   * with includeOptional; a task without counted sub-tasks is done only when ticked). A group: all its counted
   * sub-tasks done (all sub-tasks when none is counted).
   */
  isDone(node: TreeNode): boolean {
    // A task without sub-tasks is done when ticked: no need to remember it.
    if (node.childKeys.length === 0) return isTask(node) && node.ticked;
    const memo = this.doneMemo.get(node);
    if (memo !== undefined) return memo;
    let done: boolean;
    if (isTask(node) && node.ticked) done = true;
    else {
      // Counted children: the non-optional ones (all with includeOptional); a group without any counts all.
      let counted = 0;
      let countedDone = true;
      let allDone = true;
      const children = this.childTasks(node);
      for (const child of children) {
        const childDone = this.isDone(child);
        allDone &&= childDone;
        if (this.includeOptional || !child.optional) {
          counted++;
          countedDone &&= childDone;
        }
      }
      done = counted > 0 ? countedDone : !isTask(node) && children.length > 0 && allDone;
    }
    this.doneMemo.set(node, done);
    return done;
  }
}
