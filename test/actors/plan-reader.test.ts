// The plan reader after seqorch's own checkbox writes: the marks it writes in place are the bytes writeMarks
// would write, the plan it updates in place of a new parse is the plan a fresh reading of the file gives, and a
// change it cannot place (a person's edit, a key that names another task now) is left to a new reading.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endMarks, startMarks } from "../../src/actors/marks.ts";
import { createPlanReader, readPlan, type PlanReader } from "../../src/actors/plan-reader.ts";
import type { PlanOptions } from "../../src/spec/types.ts";
import { applyMarks, writeMarks, type MarkChange } from "../../src/spec/writeback.ts";

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
  "- [ ] 1. Parent ✓ non-ASCII before the boxes below",
  "  - [ ] 1.1 First",
  "  - [~] 1.2 Second",
  "    - _Depends on: 2_",
  "- [~] 2. Standalone",
  "### 3. Group",
  "- [ ] 3.1 Grouped",
  "- [ ]* 3.2 Optional",
  "- [ ] 4. Last",
  "",
].join("\n");

/** As marks.ts does it when the file must be read again: write, then tell the reader what was applied. */
async function reread(reader: PlanReader, file: string, changes: MarkChange[]): Promise<void> {
  const result = await writeMarks(file, changes, { durable: false });
  const applied = new Set(result.applied);
  reader.noteMarksWritten(result.before, result.after, changes.filter((c) => applied.has(c.key)), result.stamp);
}

type Mode = "in place" | "re-read";

/** As marks.ts does it: in place through the reader (which must manage it here), or as `reread`. */
async function write(reader: PlanReader, file: string, changes: MarkChange[], mode: Mode = "in place"): Promise<void> {
  if (mode === "re-read") return reread(reader, file, changes);
  const expected = applyMarks(readFileSync(file, "utf8"), file, changes);
  expect(reader.writeKnownMarks(changes)).toEqual({ applied: expected.applied, missing: expected.missing, skipped: expected.skipped });
  // The bytes written in place are the ones writeMarks would write.
  expect(readFileSync(file, "utf8")).toBe(expected.text);
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
  expect(reader.ticked()).toEqual(createPlanReader(file, options).ticked());
}

const RUNS: [PlanOptions, Mode][] = [
  [{}, "in place"],
  [{ granularity: "leaf" }, "in place"],
  [{ includeOptional: true }, "in place"],
  [{}, "re-read"],
  [{ granularity: "leaf" }, "re-read"],
];

describe("plan reader after its own checkbox writes", () => {
  for (const [options, mode] of RUNS) {
    test(`a whole run's marks written ${mode}, failures included, keep the one reading equal to a fresh one (${JSON.stringify(options)})`, async () => {
      const file = tasksFile(SPEC);
      const reader = createPlanReader(file, options);
      const completed: string[] = [];
      let failed = false;
      let units = 0;
      for (let view = reader.read(completed); view.next; view = reader.read(completed)) {
        const unit = view.next;
        await write(reader, file, startMarks(unit), mode);
        expectFresh(reader, file, options, completed);
        // Each unit's first attempt fails (its marks go back), the second succeeds.
        if (!failed) {
          await write(reader, file, endMarks(unit, false), mode);
          expectFresh(reader, file, options, completed);
          failed = true;
          continue;
        }
        failed = false;
        units++;
        const parents = unit.task ? reader.parentsToTick(unit.task.key) : [];
        const parentMarks = parents.map((p): MarkChange => ({ key: p.key, id: p.id, title: p.title, line: p.line, to: "x" }));
        await write(reader, file, [...endMarks(unit, true), ...parentMarks], mode);
        completed.push(unit.key);
        expectFresh(reader, file, options, completed);
        expect(view.generation).toBe(1);
      }
      expect(units).toBeGreaterThanOrEqual(4);
      expect(reader.read(completed).generation).toBe(1);
      expect(reader.read(completed).pending).toEqual([]);
      expect(readFileSync(file, "utf8")).not.toContain("[-]");
    });
  }

  test("a failed unit's `[~]` comes back, as the plan it started from has it", async () => {
    const file = tasksFile(SPEC);
    const reader = createPlanReader(file, {});
    const unit = reader.read([]).plan.units.find((u) => u.key === "2")!;
    await write(reader, file, startMarks(unit));
    expect(reader.read([]).plan.units.find((u) => u.key === "2")!.task!.mark).toBe("-");
    await write(reader, file, endMarks(unit, false));
    expect(readFileSync(file, "utf8")).toBe(SPEC);
    expect(reader.read([]).plan.units.find((u) => u.key === "2")!.task!.mark).toBe("~");
    expectFresh(reader, file, {}, []);
  });

  test("a change whose key names another task in the current reading (a person inserted a task) is read again from the file", async () => {
    const file = tasksFile(SPEC);
    const reader = createPlanReader(file, {});
    const unit = reader.read([]).plan.units.find((u) => u.key === "4")!;
    // A person inserts a task "4. Inserted" above "4. Last": "4. Last" is now key 4#2; the reader reads the edit.
    writeFileSync(file, SPEC.replace("- [ ] 4. Last", "- [ ] 4. Inserted\n- [ ] 4. Last"));
    expect(reader.read([]).generation).toBe(2);
    // The unit chosen before the edit ends: its key names another task now, so the reader does not write it in
    // place; writeMarks finds "4. Last" by its ID and title, and the reader, told, reads the file again.
    expect(reader.writeKnownMarks(endMarks(unit, true))).toBeNull();
    await reread(reader, file, endMarks(unit, true));
    expectFresh(reader, file, {}, []);
    expect(reader.read([]).plan.units.filter((u) => u.done).map((u) => `${u.key} ${u.title}`)).toEqual(["4#2 Last"]);
  });

  test("a person's edit since the last reading is never written over in place: the file is read again", async () => {
    const file = tasksFile(SPEC);
    const reader = createPlanReader(file, {});
    const unit = reader.read([]).plan.units.find((u) => u.key === "2")!;
    // Same size, same lines: only the stamp (a later mtime) tells this version from the one read.
    const edited = SPEC.replace("- [ ] 4. Last", "- [x] 4. Last");
    writeFileSync(file, edited);
    const later = new Date(statSync(file).mtimeMs + 10_000);
    utimesSync(file, later, later);
    expect(reader.writeKnownMarks(startMarks(unit))).toBeNull();
    expect(readFileSync(file, "utf8")).toBe(edited);
    await reread(reader, file, startMarks(unit));
    const view = reader.read([]);
    expect(view.generation).toBe(2);
    expect(view.plan.units.filter((u) => u.done).map((u) => u.key)).toEqual(["4"]);
    expectFresh(reader, file, {}, []);
  });

  test("an edit of the task's line that left the stamp as it was (within one tick of the file clock) is not written over in place", async () => {
    const file = tasksFile(SPEC);
    const tick = new Date(Math.floor(statSync(file).mtimeMs / 1000) * 1000 - 60_000);
    utimesSync(file, tick, tick);
    const reader = createPlanReader(file, {});
    const unit = reader.read([]).plan.units.find((u) => u.key === "4")!;
    // Same size, same inode, the mtime put back: only the bytes of the line tell.
    const edited = SPEC.replace("- [ ] 4. Last", "- [ ] 4. Lost");
    writeFileSync(file, edited);
    utimesSync(file, tick, tick);
    expect(statSync(file).mtimeMs).toBe(tick.getTime());
    expect(reader.writeKnownMarks(startMarks(unit))).toBeNull();
    expect(readFileSync(file, "utf8")).toBe(edited);
  });

  test("tasks.md gone: nothing is written in place, and writeMarks names the missing file", async () => {
    const file = tasksFile(SPEC);
    const reader = createPlanReader(file, {});
    const unit = reader.read([]).plan.units[0]!;
    rmSync(file);
    expect(reader.writeKnownMarks(startMarks(unit))).toBeNull();
    await expect(writeMarks(file, startMarks(unit))).rejects.toThrow("tasks.md not found");
  });
});

describe("plan reader: the completed units", () => {
  const pendingOf = (reader: PlanReader, completed: readonly string[]) => reader.read(completed).pending.map((u) => u.key);

  test("a list that grows, is changed in place, shrinks or is another list gives the pending units a fresh reading gives", () => {
    const file = tasksFile(SPEC);
    const reader = createPlanReader(file, {});
    const fresh = (completed: readonly string[]) => readPlan(file, {}, completed).pending.map((u) => u.key);
    const completed: string[] = [];
    expect(pendingOf(reader, completed)).toEqual(fresh([]));
    completed.push("1.1");
    expect(pendingOf(reader, completed)).toEqual(fresh(["1.1"]));
    expect(reader.countPending(completed)).toBe(fresh(["1.1"]).length);
    completed.push("4");
    expect(pendingOf(reader, completed)).toEqual(fresh(["1.1", "4"]));
    completed[0] = "3.1"; // changed in place, same length
    expect(pendingOf(reader, completed)).toEqual(fresh(["3.1", "4"]));
    expect(reader.countPending(completed)).toBe(fresh(["3.1", "4"]).length);
    completed.pop(); // shorter
    expect(pendingOf(reader, completed)).toEqual(fresh(["3.1"]));
    completed.splice(0, 1, "1.1", "4"); // an entry replaced by two
    expect(pendingOf(reader, completed)).toEqual(fresh(["1.1", "4"]));
    expect(pendingOf(reader, ["2"])).toEqual(fresh(["2"]));
    expect(pendingOf(reader, completed)).toEqual(fresh(["1.1", "4"]));
    expect(fresh(["1.1", "4"])).not.toEqual(fresh([]));
  });
});
