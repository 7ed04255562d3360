// The hand-made fixture specs (test/fixtures): each whole file planned as test/fixtures/expectations.ts says, and
// each unreadable one refused with its own error. These run on a plain clone; the corpus tests add real specs.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readPlan } from "../../src/actors/plan-reader.ts";
import { EmptySpecError, SpecParseError } from "../../src/errors.ts";
import { parseTasks, parseWholeFile } from "../../src/spec/parse.ts";
import { nextRunnable, planUnits } from "../../src/spec/plan.ts";
import { decodeTasks, requireTasks } from "../../src/spec/read.ts";
import type { DispatchUnit } from "../../src/spec/types.ts";
import { badFixtures, fixtureExpectations } from "../fixtures/expectations.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures");
const unitLine = (u: DispatchUnit): string => `${u.key} ${u.kind}${u.done ? " done" : ""}${u.optional ? " optional" : ""} [${u.subtasks.map((t) => t.key).join(",")}]`;

describe("fixture specs", () => {
  for (const exp of fixtureExpectations) {
    test(`${exp.folder}: ${exp.covers}`, () => {
      const file = join(FIXTURES, "specs", exp.folder, "tasks.md");
      const text = decodeTasks(readFileSync(file), "tasks.md");
      const parsed = parseTasks(text, "tasks.md");
      expect(parsed).toEqual(parseWholeFile(text, "tasks.md"));
      requireTasks(parsed, text);
      const all = planUnits(parsed, { includeOptional: true });
      expect(all.units.map(unitLine)).toEqual(exp.units);
      const plan = planUnits(parsed);
      expect(plan.units.filter((u) => !u.done && !u.optional).map((u) => u.key)).toEqual(exp.pending);
      expect(nextRunnable(plan, new Set())?.key ?? null).toBe(exp.pending[0] ?? null);
      expect(plan.ignored.map((i) => `${i.line}: ${i.reason}`).map((l, i) => l.startsWith(exp.ignored[i] ?? "\0"))).toEqual(exp.ignored.map(() => true));
      expect(plan.warnings).toHaveLength(exp.warnings.length);
      exp.warnings.forEach((w, i) => expect(plan.warnings[i]).toContain(w));
      const waits = Object.fromEntries(plan.units.filter((u) => u.dependsOn.length > 0).map((u) => [u.key, u.dependsOn]));
      expect(waits).toEqual(exp.dependsOn ?? {});
      // Leaf granularity plans every fixture too, one unit per leaf, keys unique.
      const leaves = planUnits(parsed, { granularity: "leaf", includeOptional: true });
      expect(new Set(leaves.units.map((u) => u.key)).size).toBe(leaves.units.length);
    });
  }

  test("crlf-bom-tabs keeps its bytes: BOM, CRLF and tabs are in the file as committed", () => {
    const bytes = readFileSync(join(FIXTURES, "specs", "crlf-bom-tabs", "tasks.md"));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString("utf8")).toContain("\r\n\t- [ ] 1.1 Tabbed sub-task\r\n");
    expect(parseTasks(bytes.toString("utf8"), "tasks.md").eol).toBe("\r\n");
  });
});

describe("unreadable tasks.md", () => {
  for (const bad of badFixtures) {
    test(`${bad.folder}: exit ${bad.exitCode}, one line saying why`, () => {
      const file = join(FIXTURES, "bad", bad.folder, "tasks.md");
      let error: unknown;
      try {
        readPlan(file, {}, []);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(bad.exitCode === 66 ? EmptySpecError : SpecParseError);
      const { message, exitCode } = error as SpecParseError | EmptySpecError;
      expect(exitCode as number).toBe(bad.exitCode);
      expect(message).toMatch(bad.message);
      expect(message).toStartWith(file);
      expect(message).not.toContain("\n");
    });
  }

  test("UTF-16 big-endian and a truncated UTF-8 sequence at the end are refused too", () => {
    expect(() => decodeTasks(new Uint8Array([0xfe, 0xff, 0x00, 0x2d]), "t.md")).toThrow("t.md: is UTF-16 (big-endian byte-order mark)");
    expect(() => decodeTasks(new TextEncoder().encode("- [ ] 1. ok\n- [ ] 2. caf\u00e9").subarray(0, -1), "t.md")).toThrow("t.md:2: not UTF-8 (byte 0xC3 at offset 24)");
  });

  test("valid UTF-8 (BOM, CJK, emoji, U+FFFD written on purpose) decodes unchanged", () => {
    const text = "\uFEFF- [ ] 1. 任务 🚀 \uFFFD\n";
    expect(decodeTasks(new TextEncoder().encode(text), "t.md")).toBe(text);
  });
});
