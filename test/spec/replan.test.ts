// replanMarks: a plan updated after seqorch's own checkbox writes equals the plan made from scratch of the new text.
import { describe, expect, test } from "bun:test";
import { parseTasks } from "../../src/spec/parse.ts";
import { planOfTree, planOptions, planUnits, replanMarks } from "../../src/spec/plan.ts";
import { isTask, TaskTree } from "../../src/spec/task-tree.ts";
import type { CheckboxMark, Plan, PlanOptions } from "../../src/spec/types.ts";
import { applyMarks } from "../../src/spec/writeback.ts";

const md = (...lines: string[]): string => `${lines.join("\n")}\n`;

/** Parents with sub-tasks (two levels), a heading group, an optional branch, a ticked parent, dependencies. */
const SPEC = md(
  "# Tasks",
  "- [ ] 1. Parent one",
  "  - [ ] 1.1 First",
  "  - [ ] 1.2 Second",
  "    - [ ] 1.2.1 Deep",
  "    - [ ]* 1.2.2 Deep optional",
  "  - [ ]* 1.3 Optional tests",
  "- [ ] 2. Standalone",
  "  - _Depends on: 1_",
  "### 3. A heading group",
  "- [ ] 3.1 Grouped one",
  "- [ ] 3.2 Grouped two",
  "  - _Depends on: 2_",
  "- [x] 4. Already done",
  "  - [ ] 4.1 Under a ticked parent",
  "- [ ]* 5. Optional parent",
  "  - [ ] 5.1 Below optional",
  "- [ ] 6. Last",
);

/** Deterministic pseudo-random numbers (a test that fails must fail the same way again). */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

const MARKS: CheckboxMark[] = [" ", "x", "X", "-", "~"];

/** Applies `steps` random mark changes both ways, comparing the updated plan with a fresh one after each. */
function compare(options: PlanOptions, seed: number, steps: number, withPositions = false): void {
  const next = random(seed);
  const opts = planOptions(options);
  let text = SPEC;
  const tree = new TaskTree(parseTasks(text, "tasks.md"), opts.includeOptional);
  let plan: Plan = planOfTree(tree, opts);
  // As the plan reader passes them: each unit's index, by key, from the first plan of the tree.
  const positions = withPositions ? new Map(plan.units.map((u, i) => [u.key, i])) : undefined;
  for (let step = 0; step < steps; step++) {
    const tasks = tree.parsed.tasks;
    const picks = [tasks[Math.floor(next() * tasks.length)]!, ...(next() < 0.3 ? [tasks[Math.floor(next() * tasks.length)]!] : [])];
    const changes = [...new Map(picks.map((t) => [t.key, { key: t.key, id: t.id, title: t.title, line: t.line, to: MARKS[Math.floor(next() * MARKS.length)]! }])).values()];
    const applied = applyMarks(text, "tasks.md", changes);
    text = applied.text;
    const changed: string[] = [];
    for (const change of changes) {
      const task = tree.node(change.key);
      if (!task || !isTask(task) || task.mark === change.to) continue;
      tree.replaceTask({ ...task, mark: change.to, ticked: change.to === "x" || change.to === "X" });
      changed.push(change.key);
    }
    plan = replanMarks(plan, tree, changed, undefined, positions);
    expect(plan).toEqual(planUnits(parseTasks(text, "tasks.md"), options));
    expect(tree.parsed.tasks).toEqual(parseTasks(text, "tasks.md").tasks);
  }
}

describe("replanMarks", () => {
  for (const options of [{}, { includeOptional: true }, { granularity: "leaf" as const }, { granularity: "leaf" as const, includeOptional: true }]) {
    test(`after each random mark change, the plan is the one made from scratch (${JSON.stringify(options)})`, () => {
      for (const seed of [1, 2, 3, 4, 5]) compare(options, seed, 60);
    });
    test(`the same with the units placed by their positions (${JSON.stringify(options)})`, () => {
      for (const seed of [6, 7, 8, 9, 10]) compare(options, seed, 60, true);
    });
  }

  test("units without a changed task stay the same objects, and the old plan is not changed", () => {
    const opts = planOptions({});
    const tree = new TaskTree(parseTasks(SPEC, "tasks.md"), false);
    const before = planOfTree(tree, opts);
    const snapshot = structuredClone(before);
    const task = tree.node("1.1");
    if (!task || !isTask(task)) throw new Error("no task 1.1");
    tree.replaceTask({ ...task, mark: "x", ticked: true });
    const after = replanMarks(before, tree, ["1.1"]);
    expect(before).toEqual(snapshot);
    expect(after.units.filter((u, i) => u === before.units[i]).map((u) => u.key)).toEqual(["2", "3", "4", "5", "6"]);
    expect(after.units[0]!.subtasks.map((t) => t.key)).toEqual(["1.2", "1.2.1"]);
  });
});
