// Turns a parsed tasks.md into dispatch units (what one agent run receives) and picks the next one to run.
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Dispatch units", "Order", "Status").
import { leavesOf, resolveDependencies } from "./dependencies.ts";
import { isTask, TaskTree, type TreeNode } from "./task-tree.ts";
import type { DispatchUnit, Plan, PlanOptions, Task, TasksFile } from "./types.ts";

/** Unit granularity: each top-level task or group with all its sub-tasks, or a standalone task. */
function topUnits(tree: TaskTree, includeOptional: boolean, below: Map<string, Task[]>): DispatchUnit[] {
  return tree.roots().map((root) => {
    const all = tree.descendants(root);
    below.set(root.key, all);
    return topUnit(tree, includeOptional, root, all);
  });
}

/** The unit of `root` (a task or group without parent), whose tasks below are `all`. */
function topUnit(tree: TaskTree, includeOptional: boolean, root: TreeNode, all: Task[]): DispatchUnit {
  const done = tree.isDone(root);
  const optional = isTask(root) ? root.optional : all.length > 0 && all.every((t) => tree.isSkippable(t));
  // An optional unit lists what it would run if optional tasks were included.
  const keepOptional = includeOptional || optional;
  const runs = (t: Task): boolean => !tree.isDone(t) && (keepOptional || !tree.isSkippable(t));
  // Usually every sub-task of a unit not done still runs: then the list is kept as it is, not copied.
  const subtasks = done || all.every(runs) ? all : all.filter(runs);
  const kind = !isTask(root) ? "group" : all.length > 0 ? "parent" : "standalone";
  return unit(root, kind, done, optional, subtasks);
}

/** Leaf granularity: one unit per leaf task (TaskTree.isLeaf); done when it or an ancestor is ticked. */
function leafUnits(tree: TaskTree): DispatchUnit[] {
  return tree.parsed.tasks.filter((task) => tree.isLeaf(task)).map((task) => leafUnit(tree, task));
}

function leafUnit(tree: TaskTree, task: Task): DispatchUnit {
  const done = tree.isDone(task) || tree.ancestors(task).some((a) => isTask(a) && a.ticked);
  return unit(task, "standalone", done, tree.isSkippable(task), []);
}

function unit(node: TreeNode, kind: DispatchUnit["kind"], done: boolean, optional: boolean, subtasks: Task[]): DispatchUnit {
  const task = isTask(node) ? node : null;
  return { key: node.key, id: node.id, title: node.title, kind, done, optional, line: node.line, task, subtasks, dependsOn: [] };
}

/** Warnings for wave entries that name no task or group. */
function waveWarnings(tree: TaskTree): string[] {
  const out: string[] = [];
  for (const wave of tree.parsed.waves) {
    for (const id of wave.tasks) {
      if (tree.withId(id).length === 0) out.push(`${tree.parsed.file}: wave ${wave.id} names task "${id}", which does not exist`);
    }
  }
  return out;
}

/**
 * The dispatch plan: units in file order ("parent", "group" or "standalone"; with `granularity: "leaf"`, one
 * "standalone" unit per leaf task), their done state, optional flags and resolved dependencies.
 * Throws SpecParseError (file and line of the declaring task) for a dependency on an ID that does not exist
 * or a dependency cycle between units. See shared/reference/kiro-tasks-format.md, Part 2.
 */
export function planUnits(parsed: TasksFile, options: PlanOptions = {}): Plan {
  const opts = planOptions(options);
  return planOfTree(new TaskTree(parsed, opts.includeOptional), opts);
}

/** `options` with the defaults filled in. */
export function planOptions(options: PlanOptions): Required<PlanOptions> {
  return { includeOptional: options.includeOptional ?? false, granularity: options.granularity ?? "unit" };
}

/**
 * planUnits over a tree made with `opts.includeOptional` (the caller keeps the tree to update the plan later
 * with {@link replanMarks}). Throws as planUnits does.
 */
export function planOfTree(tree: TaskTree, opts: Required<PlanOptions>): Plan {
  const parsed = tree.parsed;
  const leaf = opts.granularity === "leaf";
  /** Every task below each unit's root (unit granularity), kept for the dependencies. */
  const below = new Map<string, Task[]>();
  const units = leaf ? leafUnits(tree) : topUnits(tree, opts.includeOptional, below);
  if (leaf) {
    resolveDependencies(
      tree,
      units,
      (u) => (u.task ? [u.task, ...tree.ancestors(u.task).filter(isTask)] : []),
      (node) => leavesOf(tree, node).map((t) => t.key),
    );
  } else {
    resolveDependencies(
      tree,
      units,
      (u) => {
        const root = tree.node(u.key);
        return root ? [...(isTask(root) ? [root] : []), ...(below.get(u.key) ?? tree.descendants(root))] : [];
      },
      (node) => [tree.rootOf(node).key],
    );
  }
  return { file: parsed.file, units, ...doneAndOptional(tree, opts), ignored: parsed.ignored, warnings: [...parsed.warnings, ...waveWarnings(tree)], waves: parsed.waves, options: opts };
}

/** Done tasks, and the optional ones (or below an optional task) that are not done and will be skipped; file order. */
function doneAndOptional(tree: TaskTree, opts: Required<PlanOptions>): Pick<Plan, "done" | "optional"> {
  const done: string[] = [];
  const optional: string[] = [];
  for (const task of tree.parsed.tasks) {
    if (tree.isDone(task)) done.push(task.key);
    else if (!opts.includeOptional && tree.isSkippable(task)) optional.push(task.key);
  }
  return { done, optional };
}

/**
 * The plan `plan` becomes once the tasks with keys `changed` got new marks in `tree` (TaskTree.replaceTask), as
 * planUnits would make it from the new marks: only the units that hold a changed task (its top-level unit; in
 * leaf granularity, its leaf units and those below it) are made again, keeping their dependencies (marks do not
 * change them); every other unit is the same object. `plan` itself is not changed. `tree` is the one `plan` was
 * made from, with `plan.options.includeOptional`. The units made again are also pushed to `remadeOut`, when given.
 * `positions`: each unit's index in `plan.units` (by key; the same for every plan of this tree), made here when not
 * given (a caller replanning often keeps it: no pass over every unit then).
 */
export function replanMarks(plan: Plan, tree: TaskTree, changed: readonly string[], remadeOut?: DispatchUnit[], positions?: ReadonlyMap<string, number>): Plan {
  if (changed.length === 0) return plan;
  const opts = plan.options;
  const remade = new Map<string, DispatchUnit>();
  for (const key of changed) {
    const task = tree.node(key);
    if (!task || !isTask(task)) continue;
    if (opts.granularity === "leaf") {
      for (const leaf of leavesOf(tree, task)) if (!remade.has(leaf.key)) remade.set(leaf.key, leafUnit(tree, leaf));
    } else {
      const root = tree.rootOf(task);
      if (!remade.has(root.key)) remade.set(root.key, topUnit(tree, opts.includeOptional, root, tree.descendants(root)));
    }
  }
  // Marks never move a unit: the new list is a copy with the units made again in their places.
  const at = positions ?? new Map(plan.units.map((u, i) => [u.key, i]));
  const units = plan.units.slice();
  for (const made of remade.values()) {
    const i = at.get(made.key);
    if (i === undefined) continue; // not a unit of this plan
    made.dependsOn = units[i]!.dependsOn;
    units[i] = made;
    remadeOut?.push(made);
  }
  return withLazyLists({ file: plan.file, units, ignored: plan.ignored, warnings: plan.warnings, waves: plan.waves, options: opts }, tree);
}

/**
 * `rest` as a Plan whose `done` and `optional` lists are made from `tree` when first read: a run never reads them
 * (only `seqorch plan` prints them, from a plan made once), and making them walked every task at each checkbox
 * write. Read later, they are those of `tree` as it is then.
 */
function withLazyLists(rest: Omit<Plan, "done" | "optional">, tree: TaskTree): Plan {
  let lists: Pick<Plan, "done" | "optional"> | null = null;
  const made = () => (lists ??= doneAndOptional(tree, rest.options));
  return Object.defineProperties(rest as Plan, {
    done: { get: () => made().done, enumerable: true },
    optional: { get: () => made().optional, enumerable: true },
  });
}

/** True when the plan skips this unit: it is optional and optional tasks were not included. */
export function isUnitSkipped(plan: Plan, unit: DispatchUnit): boolean {
  return unit.optional && !plan.options.includeOptional;
}

/**
 * The first unit in file order that is not done (in tasks.md or in `doneKeys`), not skipped as optional, and
 * whose dependencies are all done; null when none is. A dependency on a skipped optional unit does not block.
 */
export function nextRunnable(plan: Plan, doneKeys: ReadonlySet<string>, byKey: ReadonlyMap<string, DispatchUnit> = unitsByKey(plan)): DispatchUnit | null {
  const settled = (u: DispatchUnit): boolean => u.done || doneKeys.has(u.key);
  for (const candidate of plan.units) {
    if (settled(candidate) || isUnitSkipped(plan, candidate)) continue;
    const ready = candidate.dependsOn.every((key) => {
      const dep = byKey.get(key);
      return dep === undefined || settled(dep) || isUnitSkipped(plan, dep);
    });
    if (ready) return candidate;
  }
  return null;
}

/** The units of `plan` by key (for {@link nextRunnable}, which a caller asking often can give it once made). */
export function unitsByKey(plan: Plan): Map<string, DispatchUnit> {
  return new Map(plan.units.map((u) => [u.key, u]));
}
