// The parallel run machine's steps (machines/parallel-steps.ts): a retry dropped at the iteration limit must not
// leave its unit `running` (it would hold the merge queue for every finished unit with a higher task ID).
import { describe, expect, test } from "bun:test";
import { afterRetry } from "../../machines/parallel-steps.ts";
import type { ParallelContext } from "../../machines/parallel.ts";
import { nextMoves } from "../../src/schedule/parallel-run.ts";

describe("a retry dropped at the iteration limit (found by the simulation)", () => {
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
});
