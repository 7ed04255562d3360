// The parallel run's reducer: events in, statuses out; events that do not fit are refused.
import { describe, expect, test } from "bun:test";
import { applyParallelEvent, initialParallelState, nextMoves, type ParallelEvent, ParallelEventError } from "../../src/schedule/parallel-run.ts";
import type { ScheduleUnit } from "../../src/schedule/next-units.ts";

const unit = (key: string, writes: string[], dependsOn: string[] = []): ScheduleUnit => ({ key, id: key, dependsOn, manifest: { writes, reads: [] } });
const units = [unit("1", ["a"]), unit("2", ["b"]), unit("3", ["c"], ["1"]), unit("4", [])];

function play(events: ParallelEvent[]) {
  return events.reduce((state, event) => applyParallelEvent(units, state, event), initialParallelState(units, new Set()));
}

describe("applyParallelEvent and nextMoves", () => {
  test("a batch runs, merges in order, releases its dependents, then the unit without a manifest runs alone", () => {
    let state = initialParallelState(units, new Set());
    expect(nextMoves(units, state, 3)).toEqual({ start: ["1", "2"], merge: null });
    state = applyParallelEvent(units, state, { type: "started", units: ["1", "2"] });
    state = applyParallelEvent(units, state, { type: "finished", unit: "2", ok: true });
    expect(nextMoves(units, state, 3)).toEqual({ start: [], merge: null }); // 2 waits for 1; 4 waits to run alone
    state = applyParallelEvent(units, state, { type: "finished", unit: "1", ok: true });
    expect(nextMoves(units, state, 3).merge).toBe("1");
    state = applyParallelEvent(units, state, { type: "merge-started", unit: "1" });
    state = applyParallelEvent(units, state, { type: "merge-ended", unit: "1", result: "merged" });
    expect(nextMoves(units, state, 3)).toEqual({ start: ["3"], merge: "2" });
    state = applyParallelEvent(units, state, { type: "merge-started", unit: "2" });
    state = applyParallelEvent(units, state, { type: "merge-ended", unit: "2", result: "merged" });
    state = applyParallelEvent(units, state, { type: "started", units: ["3"] });
    state = applyParallelEvent(units, state, { type: "finished", unit: "3", ok: true });
    state = applyParallelEvent(units, state, { type: "merge-started", unit: "3" });
    state = applyParallelEvent(units, state, { type: "merge-ended", unit: "3", result: "merged" });
    expect(nextMoves(units, state, 3)).toEqual({ start: ["4"], merge: null });
    expect(state.status).toEqual({ 1: "completed", 2: "completed", 3: "completed", 4: "pending" });
  });

  test("a conflict sends the unit back to run alone; a second one blocks it with a merge_conflict decision", () => {
    let state = play([
      { type: "started", units: ["1", "2"] },
      { type: "finished", unit: "1", ok: true },
      { type: "merge-started", unit: "1" },
      { type: "merge-ended", unit: "1", result: "conflict" },
    ]);
    expect(state).toMatchObject({ status: { 1: "pending" }, alone: { 1: true }, sentBack: { 1: 1 } });
    expect(nextMoves(units, state, 3).start).toEqual([]); // 1 must run alone and 2 is still running: drain
    state = play([
      { type: "started", units: ["1", "2"] },
      { type: "finished", unit: "1", ok: true },
      { type: "merge-started", unit: "1" },
      { type: "merge-ended", unit: "1", result: "conflict" },
      { type: "finished", unit: "2", ok: false },
      { type: "started", units: ["1"] },
      { type: "finished", unit: "1", ok: true },
      { type: "merge-started", unit: "1" },
      { type: "merge-ended", unit: "1", result: "conflict" },
    ]);
    expect(state.status).toMatchObject({ 1: "blocked", 2: "blocked" });
    expect(state.decisions).toEqual({ 1: "merge_conflict", 2: "unit" });
    expect(nextMoves(units, state, 3)).toEqual({ start: ["4"], merge: null }); // 3 waits for the blocked 1
  });

  test("done units start completed and release their dependents", () => {
    const state = initialParallelState(units, new Set(["1"]));
    expect(nextMoves(units, state, 3).start).toEqual(["2", "3"]);
  });

  test.each([
    ["a start before the dependencies", [{ type: "started", units: ["3"] }], "before its dependencies completed"],
    ["a start twice", [{ type: "started", units: ["1"] }, { type: "started", units: ["1"] }], "which is running"],
    ["a finish of a unit not running", [{ type: "finished", unit: "1", ok: true }], "which is pending"],
    ["a merge of a unit not queued", [{ type: "merge-started", unit: "1" }], "which is pending"],
    ["a merge end without its start", [{ type: "started", units: ["1"] }, { type: "finished", unit: "1", ok: true }, { type: "merge-ended", unit: "1", result: "merged" }], "which is queued"],
  ] as [string, ParallelEvent[], string][])("refuses %s", (_name, events, message) => {
    expect(() => play(events)).toThrow(ParallelEventError);
    expect(() => play(events)).toThrow(message);
  });

  test("is pure: the state passed in is not changed", () => {
    const state = initialParallelState(units, new Set());
    const copy = structuredClone(state);
    applyParallelEvent(units, state, { type: "started", units: ["1"] });
    expect(state).toEqual(copy);
  });
});
