// parseFast (the parse of the common shapes) against the full parse: random tasks.md texts built from every line
// shape the format allows (shared/reference/kiro-tasks-format.md); wherever parseFast answers, its TasksFile must
// be the full parse's, and it must answer for the common shapes.
import { describe, expect, test } from "bun:test";
import { parseFast } from "../../src/spec/fast-parse.ts";
import { parseFull, parseTasks, parseWholeFile } from "../../src/spec/parse.ts";
import { DETAILS, HEADINGS, pick, random, RARE, TITLES, tasksText } from "./random-tasks.ts";

/** Parses `text` every way; fails unless the fast parse (when it answers) and the one-pass parse equal the whole-file parse. */
function checkAgree(text: string): boolean {
  const full = parseFull(text, "tasks.md");
  expect(full).toEqual(parseWholeFile(text, "tasks.md"));
  const fast = parseFast(text, "tasks.md");
  if (fast !== null) expect({ text, parsed: fast }).toEqual({ text, parsed: full });
  expect(parseTasks(text, "tasks.md")).toEqual(full);
  return fast !== null;
}

describe("parseFast gives the full parse's TasksFile wherever it answers", () => {
  for (const [profile, rare, seeds, minFast] of [
    ["common shapes", 0, 400, 0.3],
    ["every shape", 1, 400, 0.05],
  ] as const) {
    test(`${seeds} random texts of ${profile}`, () => {
      let answered = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const text = tasksText(random(seed * 7919 + rare), rare);
        try {
          if (checkAgree(text)) answered++;
        } catch (error) {
          throw new Error(`seed ${seed} (${profile}): ${(error as Error).message}\n--- text ---\n${text}`);
        }
      }
      // The fast parse must take a real share of the files it is for (else this test would test nothing).
      expect(answered / seeds).toBeGreaterThanOrEqual(minFast);
    });
  }

  test("each line shape on its own under a task, at several indents", () => {
    let answered = 0;
    for (const shape of [...DETAILS, ...HEADINGS, ...RARE, ...TITLES.map((t) => `- [ ] 2. ${t}`)]) {
      for (const indent of [0, 1, 2, 3, 4, 6]) {
        const text = `- [ ] 1. Parent\n  - [ ] 1.1 Child\n${" ".repeat(indent)}${shape}\n    - after it\n- [ ] 3. Next\n`;
        if (checkAgree(text)) answered++;
      }
    }
    expect(answered).toBeGreaterThan(50);
  });

  test("pairs of line shapes, with and without a blank line between, under a task and its sub-task", () => {
    const shapes = [...DETAILS, ...HEADINGS, "", "   "];
    const rng = random(13);
    let answered = 0;
    for (let n = 0; n < 3000; n++) {
      const [a, b] = [pick(rng, shapes), pick(rng, shapes)];
      const [i, j] = [pick(rng, [0, 1, 2, 3, 4, 6]), pick(rng, [0, 2, 3, 4, 6])];
      const gap = rng() < 0.3 ? "\n" : "";
      const text = `- [ ] 1. Parent\n  - [ ] 1.1 Child\n${" ".repeat(i)}${a}\n${gap}${" ".repeat(j)}${b}\n    - after them\n- [ ] 2. Next\n`;
      try {
        if (checkAgree(text)) answered++;
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- text ---\n${text}`);
      }
    }
    expect(answered).toBeGreaterThan(1000);
  });

  test("the bench's shape (parents, sub-tasks, a detail and a requirements line each) is the fast parse's", () => {
    const lines = ["# Implementation Plan", ""];
    for (let p = 1; p <= 30; p++) {
      lines.push(`- [ ] ${p}. Parent task ${p} with a title of a usual length`);
      for (let s = 1; s <= 4; s++) lines.push(`  - [ ] ${p}.${s} Sub-task ${p}.${s}: implement it`, `    - Detail of ${p}.${s}`, `    - _Requirements: ${p}.${s}_`);
      lines.push("");
    }
    const text = lines.join("\n");
    const fast = parseFast(text, "tasks.md");
    expect(fast).not.toBeNull();
    expect(fast).toEqual(parseFull(text, "tasks.md"));
    expect(fast?.tasks[1]?.requirements).toEqual(["1.1"]);
  });

  test("leaves to the full parse what it does not read", () => {
    const cases = [
      "- [ ] 1. A\n- [ ] 1. Again\n", // a repeated ID
      "- [ ] 1.1 Before its parent\n- [ ] 1. Parent\n",
      "- [ ] 1. A\n  - [ ] 1.1 B\n  - [ ] 11.1 No task 11\n",
      "### 1. Group\n- [ ] 1.1 In the group\n",
      "- [ ] 1. A\n  - [ ] item\n", // a checklist item
      "- [ ] 1. A\n  - _Requirements: 1.1,\n    1.2_\n", // an open key line
      "- [ ] 1. A\r\n",
      "- [ ] 1. A\n\t- tabbed\n",
      "- [ ] 1. A\n## Notes\n- [ ] done\n",
      "Just prose, no task\n",
    ];
    for (const text of cases) {
      expect(parseFast(text, "tasks.md")).toBeNull();
      checkAgree(text);
    }
  });
});
