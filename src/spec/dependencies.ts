// Resolves task dependencies (`_Depends on: 1_`) to dispatch-unit keys and rejects unknown IDs and cycles.
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Order", "Errors").
import { SpecParseError } from "../errors.ts";
import { isTask, type TaskTree, type TreeNode } from "./task-tree.ts";
import type { DispatchUnit, Task } from "./types.ts";

/** Where each unit's dependencies come from: the tasks whose `dependencies` count for it. */
export type DeclaringTasks = (unit: DispatchUnit) => Task[];

/** The unit keys a task or group belongs to (one in unit granularity; every leaf below it in leaf granularity). */
export type UnitsOf = (node: TreeNode) => string[];

/**
 * Fills `dependsOn` of every unit: each dependency ID of its declaring tasks becomes the key(s) of the unit(s)
 * holding the task or group with that ID; references to the unit itself are dropped. Throws SpecParseError at the
 * declaring task's line for an ID that no task or group has (`dependency "7" of task 9 does not exist`), and at
 * the first edge's line for a cycle between units.
 */
export function resolveDependencies(tree: TaskTree, units: DispatchUnit[], declaring: DeclaringTasks, unitsOf: UnitsOf): void {
  // Without a single dependency line there is nothing to resolve and no cycle (units start with dependsOn []).
  if (!tree.parsed.tasks.some((task) => task.dependencies.length > 0)) return;
  const file = tree.parsed.file;
  const edgeLine = new Map<string, Map<string, number>>();
  for (const unit of units) {
    const lines = new Map<string, number>();
    for (const task of declaring(unit)) {
      for (const id of task.dependencies) {
        const targets = tree.withId(id);
        if (targets.length === 0) throw new SpecParseError(file, task.line, `dependency "${id}" of task ${task.key} does not exist`);
        for (const target of targets) {
          for (const key of unitsOf(target)) if (key !== unit.key && !lines.has(key)) lines.set(key, task.line);
        }
      }
    }
    unit.dependsOn = [...lines.keys()];
    edgeLine.set(unit.key, lines);
  }
  rejectCycles(file, units, edgeLine);
}

/** Depth-first search over unit dependencies (iterative); the first cycle found in file order is an error. */
function rejectCycles(file: string, units: DispatchUnit[], edgeLine: Map<string, Map<string, number>>): void {
  const state = new Map<string, "open" | "closed">();
  for (const start of units) {
    if (state.has(start.key)) continue;
    const path: string[] = [start.key];
    const pending: string[][] = [[...(edgeLine.get(start.key)?.keys() ?? [])]];
    state.set(start.key, "open");
    while (path.length > 0) {
      const next = pending[pending.length - 1]?.shift();
      if (next === undefined) {
        state.set(path.pop() as string, "closed");
        pending.pop();
        continue;
      }
      const seen = state.get(next);
      if (seen === "closed") continue;
      if (seen === "open") {
        const cycle = [...path.slice(path.indexOf(next)), next];
        const line = edgeLine.get(cycle[0] as string)?.get(cycle[1] as string) ?? 0;
        throw new SpecParseError(file, line, `dependencies form a cycle: ${cycle.join(" → ")}`);
      }
      state.set(next, "open");
      path.push(next);
      pending.push([...(edgeLine.get(next)?.keys() ?? [])]);
    }
  }
}

/** The leaf tasks (TaskTree.isLeaf) at or below `node`. */
export function leavesOf(tree: TaskTree, node: TreeNode): Task[] {
  const below = tree.descendants(node).filter((t) => tree.isLeaf(t));
  return isTask(node) && tree.isLeaf(node) ? [node, ...below] : below;
}
