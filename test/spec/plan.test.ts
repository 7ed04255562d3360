// planUnits / nextRunnable: dispatch units, done rule, optional tasks, dependencies and errors (kiro-tasks-format.md Part 2).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SpecParseError } from "../../src/errors.ts";
import { parseTasks } from "../../src/spec/parse.ts";
import { isUnitSkipped, nextRunnable, planUnits } from "../../src/spec/plan.ts";
import type { DispatchUnit, Plan, PlanOptions } from "../../src/spec/types.ts";
import { corpusFolders, describeCorpus } from "../corpus.ts";

const md = (...lines: string[]): string => `${lines.join("\n")}\n`;
const plan = (text: string, options?: PlanOptions): Plan => planUnits(parseTasks(text, "tasks.md"), options);

/** `key kind done optional [subtask keys]` per unit. */
const units = (p: Plan): string[] =>
  p.units.map((u) => `${u.key} ${u.kind}${u.done ? " done" : ""}${u.optional ? " optional" : ""} [${u.subtasks.map((t) => t.key).join(",")}]`);

function unit(p: Plan, key: string): DispatchUnit {
  const found = p.units.find((u) => u.key === key);
  if (!found) throw new Error(`no unit ${key}`);
  return found;
}

function parseError(fn: () => unknown): SpecParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SpecParseError) return error;
    throw error;
  }
  throw new Error("expected a SpecParseError");
}

describe("dispatch units", () => {
  const cases: { name: string; text: string; options?: PlanOptions; units: string[] }[] = [
    {
      name: "parent with sub-tasks of all levels, standalone task",
      text: md("- [ ] 1. One", "  - [x] 1.1 Done", "  - [ ] 1.2 Open", "    - [ ] 1.2.1 Deep", "- [ ] 2. Alone"),
      units: ["1 parent [1.2,1.2.1]", "2 standalone []"],
    },
    {
      name: "heading group",
      text: md("## 1. Setup", "- [ ] 1.1 Docker", "- [x] 1.2 Deps"),
      units: ["1 group [1.1]"],
    },
    {
      name: "ticked parent is done even with open sub-tasks, and carries all of them",
      text: md("- [x] 2. Two", "  - [ ] 2.1 Open", "  - [x] 2.2 Done"),
      units: ["2 parent done [2.1,2.2]"],
    },
    {
      name: "unticked parent whose non-optional sub-tasks are done is done ([-] included)",
      text: md("- [-] 3. Three", "  - [x] 3.1 Done", "  - [ ]* 3.2 Optional open"),
      units: ["3 parent done [3.1,3.2]"],
    },
    {
      name: "parent with only optional sub-tasks is done only when ticked",
      text: md("- [ ] 20. Twenty", "  - [ ]* 20.1 Optional", "- [x] 21. Ticked", "  - [ ]* 21.1 Optional"),
      units: ["20 parent []", "21 parent done [21.1]"],
    },
    {
      name: "[-] and [~] are not done",
      text: md("- [-] 1. Started", "- [~] 2. Partly"),
      units: ["1 standalone []", "2 standalone []"],
    },
    {
      name: "group is done when its non-optional sub-tasks are",
      text: md("### 1. Group", "- [x] 1.1 Done", "- [ ]* 1.2 Optional"),
      units: ["1 group done [1.1,1.2]"],
    },
    {
      name: "group of optional tasks only is an optional unit",
      text: md("### 4. Tests", "- [ ]* 4.1 Property test", "- [ ]* 4.2 Unit test"),
      units: ["4 group optional [4.1,4.2]"],
    },
    {
      name: "optional unit and optional sub-tasks are skipped by default",
      text: md("- [ ]* 10. Optional parent", "  - [ ] 10.1 Child", "- [ ] 11. Eleven", "  - [ ] 11.1 Required", "  - [ ]\\* 11.2 Optional", "    - [ ] 11.2.1 Under optional"),
      units: ["10 parent optional [10.1]", "11 parent [11.1]"],
    },
    {
      name: "includeOptional carries optional sub-tasks and counts them for done",
      text: md("- [ ] 11. Eleven", "  - [x] 11.1 Required", "  - [ ]* 11.2 Optional"),
      options: { includeOptional: true },
      units: ["11 parent [11.2]"],
    },
    {
      name: "leaf granularity: one unit per leaf task, done under a ticked ancestor",
      text: md("- [ ] 1. One", "  - [x] 1.1 Done", "  - [ ]* 1.2 Optional", "- [x] 2. Two", "  - [ ] 2.1 Open under ticked", "- [ ] 3. Alone"),
      options: { granularity: "leaf" },
      units: ["1.1 standalone done []", "1.2 standalone optional []", "2.1 standalone done []", "3 standalone []"],
    },
    {
      name: "leaf granularity: a parent with only optional sub-tasks gets its own run",
      text: md("- [ ] 20. Twenty", "  - [ ]* 20.1 Optional"),
      options: { granularity: "leaf" },
      units: ["20 standalone []", "20.1 standalone optional []"],
    },
    {
      name: "leaf granularity with optional tasks included: the optional sub-task is the leaf",
      text: md("- [ ] 20. Twenty", "  - [ ]* 20.1 Optional"),
      options: { granularity: "leaf", includeOptional: true },
      units: ["20.1 standalone optional []"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      expect(units(plan(c.text, c.options))).toEqual(c.units);
    });
  }

  test("units keep file order, ignoring ID order and waves", () => {
    const p = plan(md("```json", '{"waves":[{"id":0,"tasks":["29"]},{"id":1,"tasks":["10"]}]}', "```", "- [ ] 10. Ten", "- [ ] 29. Twenty-nine"));
    expect(p.units.map((u) => u.key)).toEqual(["10", "29"]);
    expect(p.waves).toEqual([
      { id: "0", tasks: ["29"] },
      { id: "1", tasks: ["10"] },
    ]);
  });

  test("a unit names its task (null for a group), its line and title", () => {
    const p = plan(md("# Plan", "### 2. Group title", "- [ ] 2.1 Sub", "- [ ] 3. Task title"));
    expect(p.units.map((u) => [u.key, u.id, u.title, u.line, u.task?.key ?? null])).toEqual([
      ["2", "2", "Group title", 2, null],
      ["3", "3", "Task title", 4, "3"],
    ]);
  });

  test("plan lists done tasks, skipped optional tasks, ignored lines and warnings", () => {
    const p = plan(md("- [ ] Before", "- [x] 1. One", "- [ ]* 2. Two", "  - [ ] 2.1 Under optional", "- [x]* 3. Done optional", "- [ ] 3. Again", "- 4. no checkbox"));
    expect(p.done).toEqual(["1", "3"]);
    expect(p.optional).toEqual(["2", "2.1"]);
    expect(p.ignored.map((i) => i.line)).toEqual([1, 7]);
    expect(p.warnings).toEqual(['tasks.md:6: task ID "3" is used again (first at line 5); this one is "3#2"']);
    expect(plan(md("- [ ]* 2. Two"), { includeOptional: true }).optional).toEqual([]);
  });

  test("waves naming unknown tasks add a warning", () => {
    const p = plan(md("```json", '{"waves":[{"id":0,"tasks":[1, 9]}]}', "```", "- [ ] 1. One"));
    expect(p.warnings).toEqual(['tasks.md: wave 0 names task "9", which does not exist']);
  });

  test("options are recorded with defaults filled in", () => {
    expect(plan(md("- [ ] 1. One")).options).toEqual({ includeOptional: false, granularity: "unit" });
  });
});

describe("dependencies", () => {
  test("resolved to unit keys; a sub-task dependency maps to its unit; self-references dropped", () => {
    const p = plan(
      md("- [ ] 1. One", "  - [ ] 1.1 Sub", "- [ ] 2. Two", "  - _Depends on: 1.1_", "  - [ ] 2.1 Sub", "    - _Dependencies: [2, 1]_", "- [ ] 3. Three", "  - depends on: 2.1, 1"),
    );
    expect(p.units.map((u) => [u.key, u.dependsOn])).toEqual([
      ["1", []],
      ["2", ["1"]],
      ["3", ["2", "1"]],
    ]);
  });

  test("a dependency on a group resolves to the group's unit; leaf granularity resolves to leaves", () => {
    const text = md("## 1. Setup", "- [ ] 1.1 A", "- [ ] 1.2 B", "- [ ] 2. Two", "  - _Depends on: 1_");
    expect(unit(plan(text), "2").dependsOn).toEqual(["1"]);
    expect(unit(plan(text, { granularity: "leaf" }), "2").dependsOn).toEqual(["1.1", "1.2"]);
  });

  test("leaf granularity: a parent's dependency applies to each of its leaves", () => {
    const p = plan(md("- [ ] 1. One", "- [ ] 2. Two", "  - _Depends on: 1_", "  - [ ] 2.1 A", "  - [ ] 2.2 B"), { granularity: "leaf" });
    expect(p.units.map((u) => [u.key, u.dependsOn])).toEqual([
      ["1", []],
      ["2.1", ["1"]],
      ["2.2", ["1"]],
    ]);
  });

  test("a dependency on an ID that does not exist is an error naming file and line", () => {
    const filler = Array.from({ length: 40 }, (_, i) => (i === 0 ? "- [ ] 1. One" : `  - step ${i}`));
    const error = parseError(() => plan(md(...filler, "- [ ] 9. Nine", "  - _Depends on: 7_")));
    expect(error.message).toBe('tasks.md:41: dependency "7" of task 9 does not exist');
    expect([error.file, error.line, error.reason]).toEqual(["tasks.md", 41, 'dependency "7" of task 9 does not exist']);
    expect(error.exitCode).toBe(65);
  });

  test("a cycle between units is an error at the declaring task's line", () => {
    const error = parseError(() => plan(md("- [ ] 1. One", "  - _Depends on: 3_", "- [ ] 2. Two", "- [ ] 3. Three", "  - _Depends on: 1_")));
    expect(error.message).toBe("tasks.md:1: dependencies form a cycle: 1 → 3 → 1");
  });

  test("a cycle through sub-tasks of different units is found too", () => {
    const error = parseError(() => plan(md("- [ ] 1. One", "  - [ ] 1.1 A", "    - _Depends on: 2.1_", "- [ ] 2. Two", "  - [ ] 2.1 B", "    - depends on: 1")));
    expect([error.line, error.reason]).toEqual([2, "dependencies form a cycle: 1 → 2 → 1"]);
  });

  test("prose about dependencies makes none", () => {
    expect(unit(plan(md("- [ ] 1. One", "  - This depends on the SDK", "  - _Depends on: none_")), "1").dependsOn).toEqual([]);
  });
});

describe("nextRunnable", () => {
  const text = md("- [x] 1. Done", "- [ ] 2. Two", "  - _Depends on: 3_", "- [ ] 3. Three", "- [ ]* 4. Optional", "- [ ] 5. Five", "  - _Depends on: 4_");

  test("first not-done unit whose dependencies are done, in file order", () => {
    const p = plan(text);
    expect(nextRunnable(p, new Set())?.key).toBe("3");
    expect(nextRunnable(p, new Set(["3"]))?.key).toBe("2");
    expect(nextRunnable(p, new Set(["2", "3"]))?.key).toBe("5");
    expect(nextRunnable(p, new Set(["2", "3", "5"]))).toBeNull();
  });

  test("optional units are never returned unless included; then they block their dependents", () => {
    const skipping = plan(text);
    expect(isUnitSkipped(skipping, unit(skipping, "4"))).toBe(true);
    expect(nextRunnable(skipping, new Set(["2", "3"]))?.key).toBe("5");
    const including = plan(text, { includeOptional: true });
    expect(isUnitSkipped(including, unit(including, "4"))).toBe(false);
    expect(nextRunnable(including, new Set(["2", "3"]))?.key).toBe("4");
    expect(nextRunnable(including, new Set(["2", "3", "4"]))?.key).toBe("5");
  });

  test("null when every unit is done, recorded done or skipped", () => {
    const p = plan(md("- [x] 1. One", "- [ ] 2. Two", "- [ ]* 3. Optional", "  - _Depends on: 2_"));
    expect(nextRunnable(p, new Set())?.key).toBe("2");
    expect(nextRunnable(p, new Set(["2"]))).toBeNull();
  });
});

describeCorpus("corpus (read-only)", (corpus) => {
  const folders = corpusFolders();

  test("the corpus is there", () => {
    expect(folders.length).toBeGreaterThanOrEqual(31);
  });

  for (const folder of folders) {
    test(`${folder} parses and plans in every mode`, () => {
      const parsed = parseTasks(readFileSync(join(corpus, folder, "tasks.md"), "utf8"), "tasks.md");
      expect(parsed.tasks.length).toBeGreaterThan(0);
      for (const options of [{}, { includeOptional: true }, { granularity: "leaf" as const }, { granularity: "leaf" as const, includeOptional: true }]) {
        const p = planUnits(parsed, options);
        expect(p.units.length).toBeGreaterThan(0);
        expect(new Set(p.units.map((u) => u.key)).size).toBe(p.units.length);
        const next = nextRunnable(p, new Set());
        if (next) expect(next.done || isUnitSkipped(p, next)).toBe(false);
      }
    });
  }
});

describe("performance", () => {
  test("planning a 200-task file takes well under 1 ms per task", () => {
    const lines: string[] = [];
    for (let n = 1; n <= 50; n++) {
      lines.push(`- [ ] ${n}. Parent ${n}`);
      if (n > 1) lines.push(`  - _Depends on: ${n - 1}.1_`);
      for (let s = 1; s <= 3; s++) lines.push(`  - [${s === 1 ? "x" : " "}] ${n}.${s} Child ${s}`, `    - _Requirements: ${n}.${s}_`);
    }
    const parsed = parseTasks(md(...lines), "tasks.md");
    const started = performance.now();
    const p = planUnits(parsed);
    planUnits(parsed, { granularity: "leaf" });
    expect(performance.now() - started).toBeLessThan(50);
    expect(p.units).toHaveLength(50);
    expect(nextRunnable(p, new Set())?.key).toBe("1");
  });
});
