// The plan reader after seqorch's own checkbox writes: the plan it updates in place of a new parse is the plan a
// fresh reading of the file gives, and a change it cannot place makes the next read parse the file again.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endMarks, startMarks } from "../../src/actors/marks.ts";
import { createPlanReader, readPlan, type PlanReader } from "../../src/actors/plan-reader.ts";
import type { PlanOptions } from "../../src/spec/types.ts";
import { writeMarks, type MarkChange } from "../../src/spec/writeback.ts";

const root = mkdtempSync(join(tmpdir(), "seqorch-plan-reader-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let specs = 0;
function tasksFile(text: string): string {
  const dir = join(root, String(++specs));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "tasks.md");
  writeFileSync(file, text);
  return file;
}

const SPEC = [
  "- [ ] 1. Parent",
  "  - [ ] 1.1 First",
  "  - [~] 1.2 Second",
  "    - _Depends on: 2_",
  "- [ ] 2. Standalone",
  "### 3. Group",
  "- [ ] 3.1 Grouped",
  "- [ ]* 3.2 Optional",
  "- [ ] 4. Last",
  "",
].join("\n");

/** As marks.ts does it: write, then tell the reader which of the changes were applied. */
async function write(reader: PlanReader, file: string, changes: MarkChange[]): Promise<void> {
  const result = await writeMarks(file, changes, { durable: false });
  const applied = new Set(result.applied);
  reader.noteMarksWritten(result.before, result.after, changes.filter((c) => applied.has(c.key)), result.stamp);
}

/** The reader's view and a fresh reading of the file agree on everything a caller reads. */
function expectFresh(reader: PlanReader, file: string, options: PlanOptions, completed: string[]): void {
  const view = reader.read(completed);
  const fresh = readPlan(file, options, completed);
  expect(view.plan).toEqual(fresh.plan);
  expect(view.pending).toEqual(fresh.pending);
  expect(view.counted).toEqual(fresh.counted);
  expect(view.next).toEqual(fresh.next);
  expect(reader.countPending(completed)).toBe(fresh.pending.length);
  expect(reader.ticked()).toEqual(new Set(fresh.plan.done.filter((k) => !fresh.plan.units.some((u) => u.key === k && u.kind === "group"))));
}

describe("plan reader after its own checkbox writes", () => {
  for (const options of [{}, { granularity: "leaf" as const }, { includeOptional: true }]) {
    test(`a whole run's marks, failures included, keep the one reading equal to a fresh one (${JSON.stringify(options)})`, async () => {
      const file = tasksFile(SPEC);
      const reader = createPlanReader(file, options);
      const completed: string[] = [];
      let failed = false;
      for (let view = reader.read(completed); view.next; view = reader.read(completed)) {
        const unit = view.next;
        await write(reader, file, startMarks(unit));
        expectFresh(reader, file, options, completed);
        // Each unit's first attempt fails once (its marks go back), then it succeeds.
        if (!failed) {
          await write(reader, file, endMarks(unit, false));
          expectFresh(reader, file, options, completed);
          failed = true;
          continue;
        }
        failed = false;
        const parents = unit.task ? reader.parentsToTick(unit.task.key) : [];
        await write(reader, file, [...endMarks(unit, true), ...parents.map((p): MarkChange => ({ key: p.key, id: p.id, title: p.title, line: p.line, to: "x" }))]);
        completed.push(unit.key);
        expectFresh(reader, file, options, completed);
        expect(view.generation).toBe(1);
      }
      expect(reader.read(completed).generation).toBe(1);
      expect(reader.read(completed).pending).toEqual([]);
    });
  }

  test("a failed unit's `[~]` comes back, as a fresh reading of the plan it started from says", async () => {
    const file = tasksFile(SPEC);
    const reader = createPlanReader(file, {});
    const unit = reader.read([]).plan.units[0]!;
    await write(reader, file, startMarks(unit));
    await write(reader, file, endMarks(unit, false));
    expect(reader.read([]).plan.units[0]!.subtasks.map((t) => `${t.key}[${t.mark}]`)).toEqual(["1.1[ ]", "1.2[~]"]);
    expectFresh(reader, file, {}, []);
  });

  test("a change whose key names another task in the current reading (a person inserted a task) is read again from the file", async () => {
    const file = tasksFile(SPEC);
    const reader = createPlanReader(file, {});
    const unit = reader.read([]).plan.units.find((u) => u.key === "4")!;
    // A person inserts a task "4. Inserted" above "4. Last": "4. Last" is now key 4#2; the reader reads the edit.
    writeFileSync(file, SPEC.replace("- [ ] 4. Last", "- [ ] 4. Inserted\n- [ ] 4. Last"));
    expect(reader.read([]).generation).toBe(2);
    // The unit chosen before the edit ends: writeMarks finds "4. Last" by its ID and title, not by the key.
    await write(reader, file, endMarks(unit, true));
    expectFresh(reader, file, {}, []);
    expect(reader.read([]).plan.units.filter((u) => u.done).map((u) => `${u.key} ${u.title}`)).toEqual(["4#2 Last"]);
  });
});
