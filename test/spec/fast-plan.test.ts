// planFast (the plan of the common shapes, straight from the text) against parseTasks + planUnits: random tasks.md
// texts of every line shape; wherever planFast answers, each unit must print as the full plan's unit prints in
// `plan --json`, with the same done and optional flags, and the done and optional lists must be the same.
import { describe, expect, test } from "bun:test";
import { planFast, type FastPlan } from "../../src/spec/fast-plan.ts";
import { parseFull } from "../../src/spec/parse.ts";
import { planUnits } from "../../src/spec/plan.ts";
import { random, tasksText } from "./random-tasks.ts";

/** The fields of a unit in `plan --json` (src/cli/plan.ts prints a full plan's unit with this list). */
const UNIT_FIELDS = ["id", "key", "title", "kind", "line", "dependsOn", "subtasks"];

/** What the full parse and plan make of `text`, in planFast's terms (each unit as `plan --json` prints it). */
function fullPlan(text: string, includeOptional: boolean): { units: string[]; unitDone: boolean[]; unitOptional: boolean[]; done: string[]; optional: string[] } {
  const plan = planUnits(parseFull(text, "tasks.md"), { includeOptional });
  return {
    units: plan.units.map((u) => JSON.stringify(u, UNIT_FIELDS)),
    unitDone: plan.units.map((u) => u.done),
    unitOptional: plan.units.map((u) => u.optional),
    done: plan.done,
    optional: plan.optional,
  };
}

/** planFast's answer in the same terms (each unit printed as src/cli/plan.ts prints it: JSON.stringify as it is). */
function fastPlan(fast: FastPlan): ReturnType<typeof fullPlan> {
  return { units: fast.units.map((u) => JSON.stringify(u)), unitDone: fast.unitDone, unitOptional: fast.unitOptional, done: fast.done, optional: fast.optional };
}

/** Fails unless planFast, where it answers for `text`, agrees with the full plan (with and without optional tasks). */
function checkAgree(text: string): boolean {
  let answered = false;
  for (const includeOptional of [false, true]) {
    const fast = planFast(text, includeOptional);
    if (fast === null) continue;
    answered = true;
    expect({ text, includeOptional, plan: fastPlan(fast) }).toEqual({ text, includeOptional, plan: fullPlan(text, includeOptional) });
  }
  return answered;
}

/** `text` without its lines that name dependencies (planFast leaves every file with one to the full plan). */
const withoutDependencies = (text: string): string =>
  text
    .split("\n")
    .filter((line) => !/depend/i.test(line))
    .join("\n");

describe("planFast makes the full plan wherever it answers", () => {
  for (const [profile, rare, minFast] of [
    ["common shapes", 0, 0.3],
    ["every shape", 1, 0.05],
  ] as const) {
    test(`400 random texts of ${profile}`, () => {
      let answered = 0;
      for (let seed = 1; seed <= 400; seed++) {
        const made = tasksText(random(seed * 104729 + rare), rare);
        const text = seed % 4 === 0 ? made : withoutDependencies(made);
        try {
          if (checkAgree(text)) answered++;
        } catch (error) {
          throw new Error(`seed ${seed} (${profile}): ${(error as Error).message}\n--- text ---\n${text}`);
        }
      }
      expect(answered / 400).toBeGreaterThanOrEqual(minFast);
    });
  }

  test("done and optional units and sub-tasks: ticked parents, all sub-tasks ticked, optional ones skipped or counted", () => {
    const text = [
      "# Plan",
      "- [x] 1. Ticked parent",
      "  - [ ] 1.1 Not ticked under a ticked parent",
      "- [ ] 2. Done by its sub-tasks",
      "  - [x] 2.1 One",
      "  - [X] 2.2 Two",
      "  - [ ]* 2.3 Optional, not counted",
      "- [ ] 3. Some sub-tasks left",
      "  - [x] 3.1 Done",
      "  - [ ] 3.2 Left",
      "    - [ ] 3.2.1 Left below",
      "  - [ ] 3.3 Tests [optional]",
      "- [ ]* 4. Optional unit",
      "  - [ ] 4.1 Its sub-task",
      "- [-] 5. Standalone in progress",
      "- [ ] 6. Only optional sub-tasks",
      "  - [ ]* 6.1 Optional",
      "",
    ].join("\n");
    for (const includeOptional of [false, true]) {
      const fast = planFast(text, includeOptional);
      expect(fast).not.toBeNull();
      expect(fastPlan(fast!)).toEqual(fullPlan(text, includeOptional));
    }
    expect(planFast(text, false)?.done).toEqual(["1", "2", "2.1", "2.2", "3.1"]);
  });

  test("answers for IDs in order past 9 (10 after 9, 1.10 after 1.9, 1.10.1 under 1.10)", () => {
    const lines: string[] = [];
    for (let p = 1; p <= 12; p++) {
      lines.push(`- [ ] ${p}. Parent ${p}`);
      for (let s = 1; s <= 11; s++) lines.push(`  - [ ] ${p}.${s} Sub-task`, ...(s === 10 ? [`    - [x] ${p}.${s}.1 Below`] : []));
    }
    const text = `${lines.join("\n")}\n`;
    expect(planFast(text, false)).not.toBeNull();
    expect(checkAgree(text)).toBe(true);
  });

  test("answers for detail lines that start like a checkbox or a task but are text (`- [`, `-   [`, `- 1`), at the end of the file too", () => {
    for (const detail of ["- [", "-   [", "-         [", "- 1", "-         1", "* *", "- [x"]) {
      for (const text of [`- [ ] 1. A\n  ${detail}\n- [ ] 2. B\n`, `- [ ] 1. A\n  ${detail}`]) {
        expect(planFast(text, false)).not.toBeNull();
        expect(checkAgree(text)).toBe(true);
      }
    }
  });

  test("leaves to the full plan what it does not read", () => {
    for (const text of [
      "- [ ] 1. A\n  - _Depends on: 2_\n- [ ] 2. B\n",
      "- [ ] 1. A\n- [ ] 1. Again\n",
      "- [ ] 1. A\n  - [ ] 1.1 B\n  - [ ] 11.1 No task 11\n",
      "- [ ] 1. A\n  - [ ] 1.1 B\n    - [ ] 1.1.1 C\n  - [ ] 1.1 B again\n",
      "- [ ] 1. A\n  - [ ] 1.2 B\n  - [ ] 1.1 Before B by its ID\n",
      "- [ ] 10. A\n- [ ] 9. B\n- [ ] 10. A again\n",
      "### 1. Group\n- [ ] 1.1 In the group\n",
      "- [ ] 1. A\n  - [ ] checklist item\n",
      "- [ ] 1. A\n## Notes\n- [ ] done\n",
      "- [ ] 1. A\r\n",
      "\u00a0- [ ] 1. A\n",
      "Only prose\n",
    ]) {
      expect(planFast(text, false)).toBeNull();
    }
  });
});
