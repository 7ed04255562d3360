// The parallel-run simulation: the real scheduler and merge policy over 10,000 random plans with a simulated clock,
// the invariants of issue 10 checked at every step; and broken schedulers, to show the checks catch each breach.
import { describe, expect, test } from "bun:test";
import { InvariantError, randomPlan, realScheduler, rng, type Scheduler, simulate, type SimOptions } from "../../scripts/parallel-model.ts";
import { optionsFor, simulateMany } from "../../scripts/simulate-parallel.ts";
import { dependenciesMet, IN_FLIGHT, inTaskOrder, nextMerge, nextUnits, type ScheduleInput } from "../../src/schedule/next-units.ts";

describe("10,000 random plans", () => {
  test("no invariant breaks at any step, at --parallel 1, 2, 3 and 5", () => {
    let plans = 0;
    let merges = 0;
    let sentBack = 0;
    let decisions = 0;
    for (const parallel of [1, 2, 3, 5]) {
      const s = simulateMany(2500, 7, parallel);
      plans += s.plans;
      merges += s.merges;
      sentBack += s.conflicts;
      decisions += s.decisions;
      expect(s.peakInFlight).toBe(parallel);
      expect(s.achieved).toBeLessThanOrEqual(parallel);
      if (parallel > 1) expect(s.achieved).toBeGreaterThan(1.1);
    }
    expect(plans).toBeGreaterThanOrEqual(10_000);
    expect(merges).toBeGreaterThan(50_000);
    expect(sentBack).toBeGreaterThan(1000);
    expect(decisions).toBeGreaterThan(1000);
  }, 60_000);

  test("the random plans exercise what the invariants are about", () => {
    const seen = { alone: 0, scope: 0, conflict: 0, gate: 0, exhausted: 0, rerunMerged: 0, folderWrites: 0, readsOnly: 0, none: 0 };
    for (let i = 0; i < 500; i++) {
      const random = rng(100 + i);
      const plan = randomPlan(random);
      for (const u of plan) {
        if (u.manifest.writes.some((w) => !w.includes("."))) seen.folderWrites++;
        if (u.manifest.writes.length === 0 && u.manifest.reads.length > 0) seen.readsOnly++;
        if (u.manifest.writes.length === 0 && u.manifest.reads.length === 0) seen.none++;
      }
      const result = simulate(plan, optionsFor(3, random), random);
      const merged = new Set<string>();
      for (const e of result.trace) {
        if (e.type === "start" && e.alone) seen.alone++;
        if (e.type === "finish" && !e.ok) seen.exhausted++;
        if (e.type === "merge" && e.result === "scope-violation") seen.scope++;
        if (e.type === "merge" && e.result === "conflict") seen.conflict++;
        if (e.type === "merge" && e.result === "gate-failed") seen.gate++;
        if (e.type === "merge" && e.result !== "merged") merged.add(e.unit);
        if (e.type === "merge" && e.result === "merged" && merged.has(e.unit)) seen.rerunMerged++;
      }
    }
    for (const [what, count] of Object.entries(seen)) expect({ what, seen: count > 10 }).toEqual({ what, seen: true });
  });

  test("the same seed gives the same run (the simulated clock is the only clock)", () => {
    const run = () => {
      const random = rng(42);
      return simulate(randomPlan(random), optionsFor(3, random), random).trace;
    };
    expect(run()).toEqual(run());
  });
});

describe("the checks catch a broken scheduler", () => {
  const options: SimOptions = { parallel: 3, lenient: true, failRate: 0.1, fixRate: 0.2, conflictRate: 0.5, gateFailRate: 0.05, maxAgentMs: 100, maxMergeMs: 5 };

  /** Runs up to 300 random plans with the scheduler; the first invariant message, or null. */
  function firstBreach(scheduler: Scheduler): string | null {
    for (let i = 0; i < 300; i++) {
      const random = rng(9000 + i);
      try {
        simulate(randomPlan(random), options, random, scheduler);
      } catch (error) {
        if (error instanceof InvariantError) return error.message;
        throw error;
      }
    }
    return null;
  }

  const ready = (input: ScheduleInput) => inTaskOrder(input.units).filter((u) => input.status[u.key] === "pending");
  const inFlight = (input: ScheduleInput) => input.units.filter((u) => IN_FLIGHT.has(input.status[u.key] ?? "pending")).length;

  test.each([
    ["overlapping writes", { nextUnits: (i: ScheduleInput) => ready(i).filter((u) => dependenciesMet(u, i.status)).slice(0, Math.max(0, i.parallel - inFlight(i))).map((u) => u.key), nextMerge }, /overlapping writes|must run alone/],
    ["more than N", { nextUnits: (i: ScheduleInput) => nextUnits({ ...i, parallel: i.parallel + 2 }), nextMerge }, /units in flight with --parallel 3/],
    ["dependencies", { nextUnits: (i: ScheduleInput) => nextUnits({ ...i, units: i.units.map((u) => ({ ...u, dependsOn: [] })) }), nextMerge }, /before its dependencies completed/],
    ["completion order", { nextUnits, nextMerge: (i: ScheduleInput) => Object.keys(i.status).find((k) => i.status[k] === "queued") ?? null }, /lower ID|two merges/],
    ["units never started", { nextUnits: (i: ScheduleInput) => nextUnits(i).filter((k) => !k.endsWith("3")), nextMerge }, /lost/],
  ] as const)("%s", (_name, scheduler, message) => {
    expect(firstBreach(scheduler as Scheduler)).toMatch(message);
  });

  test("the real scheduler passes the same plans", () => {
    expect(firstBreach(realScheduler)).toBeNull();
  });
});
