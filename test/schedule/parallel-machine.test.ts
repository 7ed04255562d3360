// The parallel run machine's steps (machines/parallel-steps.ts): a unit left `running` with nothing alive for it
// (a retry dropped at the iteration limit or by a stop, an attempt ended by a halt) held the merge queue; after a
// halt, finished units never merged.
import { describe, expect, test } from "bun:test";
import { advance, afterRetry, idleToPending } from "../../machines/parallel-steps.ts";
import type { ParallelContext } from "../../machines/parallel.ts";
import { nextMoves } from "../../src/schedule/parallel-run.ts";

describe("units in flight with nothing alive, and merges after a halt (found by the simulation)", () => {
  /** Unit a (ID 1) waits to retry a failed attempt; unit b (ID 2) has finished and waits in the merge queue. */
  function atTheLimit(): ParallelContext {
    const manifest = (file: string) => ({ writes: [file], reads: [] });
    const units = [
      { key: "a", id: "1", dependsOn: [], manifest: manifest("a.ts") },
      { key: "b", id: "2", dependsOn: [], manifest: manifest("b.ts") },
    ];
    const lane = { review: false, maxFixRounds: 2, verify: false, verifyTimeoutMs: 1000, commit: false, taskTimeoutMs: 1000, rateLimitBackoffMs: 10 };
    return {
      units,
      refs: { a: { key: "a", id: "1", title: "a" }, b: { key: "b", id: "2", title: "b" } },
      assignments: {},
      resume: {},
      start: { status: {}, alone: {}, sentBack: {}, decisions: {} },
      parallel: 2,
      maxAttempts: 3,
      attempts: { a: 1, b: 1 },
      maxIterations: 2,
      iteration: 2,
      haltOnDecision: true,
      delayMs: 10,
      maxWaitMs: 1000,
      rateLimitBackoffMs: 10,
      lane,
      state: { status: { a: "running", b: "queued" }, alone: {}, sentBack: {}, decisions: {} },
      lanes: {},
      live: [],
      retrying: ["a"],
      stopRequested: false,
      halt: null,
      error: null,
      lastOutcome: null,
    };
  }

  test("the unit goes back to pending, so the finished unit after it still merges", () => {
    const c = atTheLimit();
    const step = afterRetry(c, "a");
    expect(step.spawn).toEqual([]);
    const state = step.patch.state ?? c.state;
    expect(state.status.a).toBe("pending");
    expect(nextMoves(c.units, state, c.parallel).merge).toBe("b");
  });

  test("a unit running with nothing alive or about to start goes back to pending; one with a child alive or starting does not", () => {
    const c = { ...atTheLimit(), retrying: [], state: { status: { a: "running" as const, b: "running" as const }, alone: {}, sentBack: {}, decisions: {} } };
    expect(idleToPending(c, null).status).toEqual({ a: "pending", b: "pending" });
    expect(idleToPending({ ...c, live: ["unit:a", "merge:b"] }, null).status).toEqual({ a: "running", b: "pending" });
    expect(idleToPending(c, { patch: {}, spawn: [{ kind: "unit", key: "b" }], retry: [{ key: "a", delayMs: 5 }] }).status).toEqual({ a: "running", b: "running" });
  });

  test("after a halt nothing new starts, but a finished unit still merges", () => {
    const c = { ...atTheLimit(), iteration: 0, retrying: [], halt: { reason: "decision" as const, detail: "unit 1 needs a human", unit: null } };
    const halted = { ...c, state: { status: { a: "blocked" as const, b: "queued" as const }, alone: {}, sentBack: {}, decisions: {} } };
    expect(advance(halted).spawn).toEqual([{ kind: "merge", key: "b" }]);
    const idle = { ...c, state: { status: { a: "pending" as const, b: "pending" as const }, alone: {}, sentBack: {}, decisions: {} } };
    expect(advance(idle).spawn).toEqual([]);
    expect(advance({ ...halted, halt: null, stopRequested: true }).spawn).toEqual([]);
  });
});
