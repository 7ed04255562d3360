// nextUnits / nextMerge / blockedByDependencies: the choice of units to start and to merge, table-driven.
import { describe, expect, test } from "bun:test";
import { blockedByDependencies, nextMerge, nextUnits, type ScheduleUnit, type UnitStatus } from "../../src/schedule/next-units.ts";
import { compareTaskIds } from "../../src/schedule/task-order.ts";

/** `id:w=a,b;r=c;d=1,2;alone` → a unit; the key is the id. */
function u(spec: string): ScheduleUnit {
  const [id = "", ...fields] = spec.split(":").join(";").split(";");
  const unit: ScheduleUnit = { key: id, id, dependsOn: [], manifest: { writes: [], reads: [] } };
  for (const field of fields) {
    const [name, value = ""] = field.split("=");
    const list = value === "" ? [] : value.split(",");
    if (name === "w") unit.manifest.writes = list;
    else if (name === "r") unit.manifest.reads = list;
    else if (name === "d") unit.dependsOn = list;
    else if (name === "alone") unit.alone = true;
  }
  return unit;
}

/** `1=running 2=completed`; units not named are pending. */
function statuses(units: ScheduleUnit[], text: string): Record<string, UnitStatus> {
  const out: Record<string, UnitStatus> = Object.fromEntries(units.map((x) => [x.key, "pending" as UnitStatus]));
  for (const pair of text.split(" ").filter(Boolean)) {
    const [key = "", status] = pair.split("=");
    out[key] = status as UnitStatus;
  }
  return out;
}

interface Row {
  name: string;
  units: string[];
  status: string;
  parallel: number;
  start: string[];
}

const rows: Row[] = [
  { name: "disjoint writes start together", units: ["1;w=a", "2;w=b", "3;w=c"], status: "", parallel: 3, start: ["1", "2", "3"] },
  { name: "never more than N", units: ["1;w=a", "2;w=b", "3;w=c", "4;w=d"], status: "", parallel: 2, start: ["1", "2"] },
  { name: "N counts units in flight", units: ["1;w=a", "2;w=b", "3;w=c"], status: "1=running 2=queued", parallel: 3, start: ["3"] },
  { name: "a merging unit counts too", units: ["1;w=a", "2;w=b"], status: "1=merging", parallel: 1, start: [] },
  { name: "overlapping writes wait", units: ["1;w=src/a.ts", "2;w=src/a.ts", "3;w=src/b.ts"], status: "", parallel: 3, start: ["1", "3"] },
  { name: "a folder overlaps the files under it", units: ["1;w=src", "2;w=src/a.ts", "3;w=test"], status: "", parallel: 3, start: ["1", "3"] },
  { name: "overlap with a unit in flight", units: ["1;w=src/a.ts", "2;w=src"], status: "1=queued", parallel: 3, start: [] },
  { name: "dependencies must be completed", units: ["1;w=a", "2;w=b;d=1", "3;w=c"], status: "1=running", parallel: 3, start: ["3"] },
  { name: "a completed dependency releases", units: ["1;w=a", "2;w=b;d=1"], status: "1=completed", parallel: 3, start: ["2"] },
  { name: "a queued (unmerged) dependency does not", units: ["1;w=a", "2;w=b;d=1"], status: "1=queued", parallel: 3, start: [] },
  { name: "a skipped dependency does not block", units: ["1;w=a", "2;w=b;d=1"], status: "1=skipped", parallel: 3, start: ["2"] },
  { name: "a blocked dependency blocks", units: ["1;w=a", "2;w=b;d=1", "3;w=c"], status: "1=blocked", parallel: 3, start: ["3"] },
  { name: "no manifest runs alone when first", units: ["1", "2;w=b"], status: "", parallel: 3, start: ["1"] },
  { name: "no manifest: nothing beside it", units: ["1", "2;w=b"], status: "1=running", parallel: 3, start: [] },
  { name: "no manifest first: drain before it", units: ["1;w=a", "2", "3;w=c"], status: "1=running", parallel: 3, start: [] },
  { name: "no manifest later: others go first", units: ["1;w=a", "2;w=b", "3"], status: "", parallel: 3, start: ["1", "2"] },
  { name: "marked alone (re-run after conflict)", units: ["1;w=a;alone", "2;w=b"], status: "2=running", parallel: 3, start: [] },
  { name: "alone runs once the tree is empty", units: ["1;w=a;alone", "2;w=b"], status: "", parallel: 3, start: ["1"] },
  { name: "reads-only joins a batch", units: ["1;w=src", "2;r=src", "3;w=src/x"], status: "", parallel: 3, start: ["1", "2"] },
  { name: "reads-only beside reads-only", units: ["1;r=a", "2;r=a"], status: "", parallel: 3, start: ["1", "2"] },
  { name: "reads-only does not join a unit running alone", units: ["1", "2;r=a"], status: "1=running", parallel: 3, start: [] },
  { name: "task-ID order, not file order", units: ["10;w=a", "9;w=a", "2.10;w=b", "2.9;w=b"], status: "", parallel: 4, start: ["2.9", "9"] },
  { name: "parallel 1 is serial", units: ["1;w=a", "2;w=b"], status: "", parallel: 1, start: ["1"] },
  { name: "parallel 1, no manifest", units: ["1", "2"], status: "", parallel: 1, start: ["1"] },
  { name: "parallel 1 waits for the merge", units: ["1;w=a", "2;w=b"], status: "1=queued", parallel: 1, start: [] },
  { name: "nothing pending", units: ["1;w=a"], status: "1=completed", parallel: 3, start: [] },
  { name: "whole-repository write", units: ["1;w=.", "2;w=b"], status: "", parallel: 3, start: ["1"] },
];

describe("nextUnits", () => {
  test.each(rows.map((r) => [r.name, r] as const))("%s", (_name, row) => {
    const units = row.units.map(u).map((x) => (x.manifest.writes[0] === "." ? { ...x, manifest: { writes: [""], reads: [] } } : x));
    expect(nextUnits({ units, status: statuses(units, row.status), parallel: row.parallel })).toEqual(row.start);
  });

  test("is pure: the same input gives the same answer and nothing is changed", () => {
    const units = ["1;w=a", "2;w=b"].map(u);
    const status = statuses(units, "");
    const before = JSON.stringify({ units, status });
    expect(nextUnits({ units, status, parallel: 2 })).toEqual(nextUnits({ units, status, parallel: 2 }));
    expect(JSON.stringify({ units, status })).toBe(before);
  });
});

describe("nextMerge", () => {
  test.each([
    ["lowest queued ID first", ["1;w=a", "2;w=b", "3;w=c"], "3=queued 2=queued", "2"],
    ["waits for a lower ID still running", ["1;w=a", "2;w=b"], "1=running 2=queued", null],
    ["a higher ID running does not hold it", ["1;w=a", "2;w=b"], "1=queued 2=running", "1"],
    ["one merge at a time", ["1;w=a", "2;w=b"], "1=merging 2=queued", null],
    ["a blocked lower ID does not hold it", ["1;w=a", "2;w=b"], "1=blocked 2=queued", "2"],
    ["a pending lower ID (re-queued) does not hold it", ["1;w=a;alone", "2;w=b"], "1=pending 2=queued", "2"],
    ["nothing queued", ["1;w=a"], "1=running", null],
    ["task-ID order: 2.9 before 2.10", ["2.10;w=a", "2.9;w=b"], "2.10=queued 2.9=queued", "2.9"],
  ] as const)("%s", (_name, specs, status, expected) => {
    const units = specs.map(u);
    expect(nextMerge({ units, status: statuses(units, status), parallel: 3 })).toBe(expected);
  });
});

describe("blockedByDependencies", () => {
  test("pending units under a blocked one, transitively; independent ones stay runnable", () => {
    const units = ["1;w=a", "2;w=b;d=1", "3;w=c;d=2", "4;w=d", "5;w=e;d=4"].map(u);
    expect([...blockedByDependencies({ units, status: statuses(units, "1=blocked"), parallel: 3 })].sort()).toEqual(["2", "3"]);
  });
});

describe("compareTaskIds", () => {
  test("sorts IDs segment by segment", () => {
    const ids = ["10", "2.10", "1", "38a", "2.9", "2", "1.1", "38", "3#2", "3"];
    expect([...ids].sort(compareTaskIds)).toEqual(["1", "1.1", "2", "2.9", "2.10", "3", "3#2", "10", "38", "38a"]);
  });
});
