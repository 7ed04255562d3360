// The parallel run machine (machines/parallel.ts, the real unit machine inside) driven by the simulation of
// scripts/parallel-machine-sim.ts: a few hundred random plans with every invariant of issue 10 checked at every
// snapshot; machines fed a wrong plan (a broken scheduler as seen from outside) must be caught; and the bug the
// simulation found: a unit left `running` with nothing alive for it (a retry dropped at the iteration limit or by a
// stop, an attempt ended by a halt) held the merge queue; after a halt, finished units never merged; a unit resumed
// after a person's fix ran in the main checkout beside units in worktrees.
import { describe, expect, test } from "bun:test";
import { createActor, fromPromise, toPromise } from "xstate";
import { advance, afterRetry, afterUnit, idleToPending, startState } from "../../machines/parallel-steps.ts";
import { type MergeInput, type MergeOutput, type ParallelContext, type ParallelRunInput, parallelMachine, type PrepareInput, type PrepareOutput } from "../../machines/parallel.ts";
import { nextMoves } from "../../src/schedule/parallel-run.ts";
import { type DriverOptions, MachineInvariantError, planSeed, simulateLevel, simulatePlan } from "../../scripts/parallel-machine-sim.ts";

describe("random plans on the real machines", () => {
  test("no invariant breaks at any snapshot, at --parallel 1 to 8, and the plans exercise what the invariants are about", async () => {
    const seen: Record<string, number> = {};
    let plans = 0;
    let checks = 0;
    for (let parallel = 1; parallel <= 8; parallel++) {
      const s = await simulateLevel(60, 11, parallel);
      plans += s.plans;
      checks += s.checks;
      for (const [what, n] of Object.entries(s.seen)) seen[what] = (seen[what] ?? 0) + n;
      expect(s.peak).toBeLessThanOrEqual(parallel);
      expect(s.achieved).toBeLessThanOrEqual(parallel);
    }
    expect(plans).toBe(480);
    expect(checks).toBeGreaterThan(100_000);
    const wanted = ["run-alone", "merged-after-run-alone", "merge-decision", "scope-violation", "conflict", "gate-failed", "setup-failed", "session-failed", "session-halt", "session-rate-limited", "timeout", "round-fix", "round-fix-stalemate", "round-needs_human", "round-review_failed-edited", "fix-done", "fix-failed", "stop", "next-run", "concluded-completed", "concluded-blocked", "resume-review", "resume-fix", "resume-verify"];
    // A stopped run is followed by the next run ("next-run"), whose end is the plan's final state.
    const finals = ["final-complete", "final-halted", "final-waitingForDecisions", "final-limitReached", "final-failed"];
    for (const what of [...wanted, ...finals]) expect({ what, seen: (seen[what] ?? 0) > 0 }).toEqual({ what, seen: true });
  }, 60_000);

  test("in the best case (disjoint units, nothing failing) more units run at once as N grows", async () => {
    const one = await simulateLevel(40, 5, 1, { profile: "disjoint" });
    const four = await simulateLevel(40, 5, 4, { profile: "disjoint" });
    expect(one.achieved).toBeLessThanOrEqual(1);
    expect(four.peak).toBe(4);
    expect(four.achieved).toBeGreaterThan(1.8);
    expect(four.slowdown).toBeLessThan(1.6);
  }, 30_000);

  test("the same seed replays the same run (the simulated clock is the only clock)", async () => {
    const a = await simulatePlan(planSeed(3, 4, 7), 4);
    const b = await simulatePlan(planSeed(3, 4, 7), 4);
    expect(a.run.steps).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });
});

/** The first invariant message over up to `plans` random plans with the machine given `mutate`d input, or null. */
async function firstBreach(mutate: DriverOptions["mutate"], plans = 150): Promise<string | null> {
  for (let i = 0; i < plans; i++) {
    const parallel = 2 + (i % 4);
    try {
      await simulatePlan(planSeed(21, parallel, i), parallel, { mutate });
    } catch (error) {
      if (error instanceof MachineInvariantError) return error.message.split("\n")[0]!;
      throw error;
    }
  }
  return null;
}

/** The IDs of the plan handed out in reverse: the machine then merges (and picks) in the wrong order. */
function reversedIds(input: ParallelRunInput): ParallelRunInput {
  const ids = input.units.map((u) => u.id).reverse();
  return { ...input, units: input.units.map((u, i) => ({ ...u, id: ids[i]! })) };
}

describe("the checks catch a machine that breaks an invariant", () => {
  const mutations: [string, DriverOptions["mutate"], RegExp][] = [
    ["a scheduler that ignores overlaps", (i) => ({ ...i, units: i.units.map((u) => (u.manifest.writes.length ? { ...u, manifest: { writes: [`own/${u.key}`], reads: [] } } : u)) }), /overlapping writes/],
    ["a unit without a manifest run beside others", (i) => ({ ...i, units: i.units.map((u) => (u.manifest.writes.length + u.manifest.reads.length ? u : { ...u, manifest: { writes: [`own/${u.key}`], reads: [] } })) }), /must run alone/],
    ["merges out of task-ID order", reversedIds, /lower task ID/],
    ["a scheduler that ignores dependencies", (i) => ({ ...i, units: i.units.map((u) => ({ ...u, dependsOn: [] })) }), /before its dependency/],
    ["more than N in flight", (i) => ({ ...i, parallel: i.parallel + 2 }), /units in flight with --parallel/],
    ["a unit never started", (i) => ({ ...i, refs: Object.fromEntries(Object.entries(i.refs).filter(([key]) => !key.endsWith("2"))) }), /lost|nothing able to run/],
    ["the iteration limit ignored", (i) => ({ ...i, maxIterations: i.maxIterations + 50 }), /--max-iterations/],
    ["the attempt limit ignored", (i) => ({ ...i, maxAttempts: i.maxAttempts + 2 }), /attempt \d+/],
  ];
  test.each(mutations)("%s", async (_name, mutate, message) => {
    expect(await firstBreach(mutate)).toMatch(message);
  }, 30_000);

  test("a next run that forgets what the stopped run merged", async () => {
    const forget = (i: ParallelRunInput): ParallelRunInput => ({ ...i, start: { ...i.start, status: Object.fromEntries(Object.entries(i.start.status).map(([k, st]) => [k, st === "completed" ? "pending" : st])) } });
    let message: string | null = null;
    for (let i = 0; i < 300 && message === null; i++) {
      try {
        await simulatePlan(planSeed(23, 3, i), 3, { nextRun: forget });
      } catch (error) {
        if (!(error instanceof MachineInvariantError)) throw error;
        message = error.message.split("\n")[0]!;
      }
    }
    expect(message).toMatch(/goes to the merger again after it merged|completed after 2 merges/);
  }, 30_000);

  test("the real machine passes the same plans", async () => {
    expect(await firstBreach(undefined)).toBeNull();
  }, 30_000);
});

describe("bugs the simulation found: units in flight with nothing alive, merges after a halt, a person's fix beside others", () => {
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
      inPlace: {},
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

  test("--delay with --parallel: a failed unit with attempts left runs again after --delay; the others are not held", () => {
    const c = { ...atTheLimit(), retrying: [], delayMs: 15_000, state: { status: { a: "running" as const, b: "pending" as const }, alone: {}, sentBack: {}, decisions: {} } };
    const failed = { kind: "attempt" as const, round: 0 as const, outcome: { kind: "failed" as const, reason: "no marker", message: "", exitCode: 1 }, record: { pending: 2, now: 0 } };
    const step = afterUnit(c, "a", failed);
    expect(step.retry).toEqual([{ key: "a", delayMs: 15_000 }]);
    expect(advance({ ...c, ...step.patch, iteration: 0 }).spawn).toEqual([{ kind: "prepare", key: "b" }]);
  });

  test("a resumed run: the unit with the lower task ID that starts now holds the merge of a queued one", () => {
    const c = { ...atTheLimit(), iteration: 0, attempts: {}, retrying: [], state: { status: { a: "pending" as const, b: "queued" as const }, alone: {}, sentBack: {}, decisions: {} } };
    const step = advance(c);
    expect(step.spawn).toEqual([{ kind: "prepare", key: "a" }]);
    expect(step.patch.state?.status).toEqual({ a: "running", b: "queued" });
  });

  test("after a halt nothing new starts, but a finished unit still merges", () => {
    const c = { ...atTheLimit(), iteration: 0, retrying: [], halt: { reason: "decision" as const, detail: "unit 1 needs a human", unit: null } };
    const halted = { ...c, state: { status: { a: "blocked" as const, b: "queued" as const }, alone: {}, sentBack: {}, decisions: {} } };
    expect(advance(halted).spawn).toEqual([{ kind: "merge", key: "b" }]);
    const idle = { ...c, state: { status: { a: "pending" as const, b: "pending" as const }, alone: {}, sentBack: {}, decisions: {} } };
    expect(advance(idle).spawn).toEqual([]);
    expect(advance({ ...halted, halt: null, stopRequested: true }).spawn).toEqual([]);
  });

  test("a preparer that fails ends the run in failed with its unit back to pending, not running", async () => {
    const c = atTheLimit();
    const machine = parallelMachine.provide({
      actors: {
        preparer: fromPromise<PrepareOutput, PrepareInput>(async () => {
          throw new Error("git worktree add failed");
        }),
        merger: fromPromise<MergeOutput, MergeInput>(async () => ({ kind: "merged" })),
      },
    });
    const start = { status: { a: "pending" as const, b: "completed" as const }, alone: {}, sentBack: {}, decisions: {} };
    const actor = createActor(machine, { input: { ...c, iteration: 0, start } }).start();
    const out = await toPromise(actor);
    expect(out.final).toBe("failed");
    expect(actor.getSnapshot().context.state.status).toEqual({ a: "pending", b: "completed" });
  });

  test("a unit resumed after a person's fix (run in the main checkout) runs alone", () => {
    const c = { ...atTheLimit(), iteration: 0, retrying: [], resume: { a: { startAt: "verify" as const, round: 0, roundBase: 0, humanFix: true } } };
    const start = { status: { a: "pending" as const, b: "pending" as const }, alone: {}, sentBack: {}, decisions: {} };
    const state = startState({ ...c, start });
    expect(state.alone).toEqual({ a: true });
    expect(nextMoves(c.units, state, 2).start).toEqual(["a"]);
    expect(nextMoves(c.units, { ...state, status: { a: "pending", b: "running" } }, 2).start).toEqual([]);
  });
});
