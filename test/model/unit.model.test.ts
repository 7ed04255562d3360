// Model-based tests of the unit machine (machines/unit.ts), generated from its own graph as for the run machine:
// shortest paths to every state plus paths to the branches they miss, each replayed on a real actor with fake
// children, with the loop's invariants checked after every step and coverage computed from the definition.
import { describe, expect, test } from "bun:test";
import { getShortestPaths } from "@xstate/graph";
import type { AnyMachineSnapshot, EventObject } from "xstate";
import type { AttemptOutcome } from "../../machines/orchestrator.ts";
import { unitMachine, type FixOutput, type RoundOutput, type UnitContext, type UnitMachineInput, type UnitOutput } from "../../machines/unit.ts";
import { branchesOf, branchPaths, delayOf, eventsFor, longestPaths, statesOf, transientStatesOf, transitionKey, transitionsOf, type EventTable, type GraphPath } from "./machine-model.ts";
import { replay, type PathLike, type Trace } from "./replay.ts";
import { NOW, SESSION_OUTCOMES } from "./outputs.ts";

const machine = unitMachine;
const unit = { key: "4", id: "4", title: "Task 4" };

const round = (kind: RoundOutput["kind"], extra: Partial<RoundOutput> = {}): RoundOutput => ({ kind, blocking: kind === "fix" ? ["R1"] : [], stalemate: [], edited: false, summary: kind, ...extra });
const fix = (outcome: AttemptOutcome, changed = true): FixOutput => ({ outcome, changed, outLog: "/tmp/seqorch-model/fix/out.log" });

/** Realistic outputs per invoke id (kept few: paths multiply with each). */
const TABLE: EventTable = {
  outputs: {
    // The implementation attempt: started, then every way it can end (src/actors/session.ts), recorded.
    dispatcher: (c: UnitContext) => [{ attempt: c.attempt, outLog: `/tmp/seqorch-model/${c.unit.key}/${c.attempt}/out.log`, handle: { kind: "direct", pid: 4242 } }],
    session: () => Object.values(SESSION_OUTCOMES).flat(),
    ender: () => [undefined],
    recorder: () => [{ pending: 1, now: NOW }],
    concluder: (c: UnitContext) => [{ pending: c.approved ? 0 : 1, now: NOW, decision: c.block !== null }],
    reviewer: () => [[{ reviewer: 1, ok: true }]],
    consolidator: (c: UnitContext) => [
      round("pass"),
      round("fix"),
      round("needs_human", { summary: "Which API?" }),
      round("review_failed", { edited: true, summary: "reviewer 1 changed a.ts" }),
      round("review_failed", { summary: "reviewer 1: no block" }),
      ...(c.round > 0 ? [round("fix", { stalemate: ["R1"] })] : []),
    ],
    // At most two rate-limit hits in a row: each hit is a new context, so the state space would never end.
    fixer: (c: UnitContext) => [
      fix({ kind: "done", message: "<promise>TASK_DONE</promise>", exitCode: 0 }),
      fix({ kind: "done", message: "<promise>TASK_DONE</promise>", exitCode: 0 }, false),
      fix({ kind: "halt", message: "<promise>HALT</promise>", exitCode: 0 }),
      fix({ kind: "failed", reason: "no marker", message: "", exitCode: 1 }),
      ...(c.rateLimitHits < 2 ? [fix({ kind: "rate-limited", reason: "429", message: "", resetAt: null })] : []),
      fix({ kind: "interrupted", reason: "stopped" }),
    ],
    verifier: () => [{ passed: true, reason: null }, { passed: false, reason: "verify failed" }],
    committer: () => [{ sha: "b".repeat(40), files: 1 }],
    // Before each review and fix round: under every limit, or one reached (the unit waits for a human).
    budget: () => [{ reached: null }, { reached: "the run spent $5.00 of --max-cost $5.00" }],
    fixBudget: () => [{ reached: null }, { reached: "unit 4 used 12,000 tokens of --max-unit-tokens 10,000" }],
  },
};

const base: UnitMachineInput = {
  unit,
  assignment: { backend: "command", source: "default" },
  round: 0,
  startAt: "review",
  roundBase: 0,
  maxFixRounds: 2,
  verify: true,
  verifyTimeoutMs: 30_000,
  commit: true,
  taskTimeoutMs: 60_000,
  rateLimitBackoffMs: 1_000,
  attempt: 1,
  iteration: 1,
  review: true,
  detachOnStop: false,
};

const implement: UnitMachineInput = { ...base, startAt: "implement", maxFixRounds: 1 };

const SCENARIOS: { name: string; input: UnitMachineInput }[] = [
  { name: "an attempt, --verify --commit --review", input: implement },
  { name: "an attempt, no gates, no review", input: { ...implement, verify: false, commit: false, review: false } },
  { name: "an attempt, --verify only, no review", input: { ...implement, commit: false, review: false } },
  { name: "an attempt, --commit, --detach-on-stop", input: { ...implement, verify: false, review: false, detachOnStop: true } },
  { name: "fresh review, 2 fix rounds, --verify --commit", input: base },
  { name: "resumed in fix round 1, no gates", input: { ...base, startAt: "fix", round: 1, verify: false, commit: false } },
  { name: "commit only", input: { ...base, verify: false } },
  { name: "verify only", input: { ...base, commit: false, maxFixRounds: 1 } },
  { name: "a human's fix: verify, commit, one review", input: { ...base, startAt: "verify", round: 3, roundBase: 3, maxFixRounds: 0 } },
  { name: "a human's fix, commit only", input: { ...base, startAt: "verify", round: 2, maxFixRounds: 0, verify: false } },
  { name: "a human's fix without gates", input: { ...base, startAt: "verify", round: 1, maxFixRounds: 0, verify: false, commit: false } },
  { name: "after a retry: rounds counted from 2", input: { ...base, startAt: "fix", round: 3, roundBase: 2, maxFixRounds: 3, verify: false } },
];

/**
 * The implementation attempt's invariants: its checks pass before its commit, the commit is made before a done is
 * recorded, the attempt is recorded exactly once before the machine ends (unless the agent was left running on a
 * stop, or ending it failed), the review loop starts only after a recorded TASK_DONE, a stop never leaves the
 * machine waiting for the agent (it is ended, or left with --detach-on-stop), and the attempt's timeout is
 * --task-timeout.
 */
function attemptChecks(input: UnitMachineInput, trace: Trace, snapshot: AnyMachineSnapshot): void {
  if (input.startAt !== "implement") return;
  const context = snapshot.context as UnitContext;
  const entries = trace.entries;
  const startIndex = (id: string) => entries.findIndex((e) => e.kind === "start" && e.actor.id === id);
  const doneEvent = (id: string) => entries.find((e) => e.kind === "step" && e.event.type === `xstate.done.actor.${id}`) as { event: { output?: unknown } } | undefined;
  const recordStarts = entries.filter((e) => e.kind === "start" && e.actor.id === "recorder");
  expect(recordStarts.length, "the attempt recorded more than once").toBeLessThanOrEqual(1);
  const recorded = recordStarts[0]?.kind === "start" ? (recordStarts[0].actor.input as { outcome: AttemptOutcome }) : null;
  const verified = (doneEvent("verifier")?.event.output as { passed?: boolean } | undefined)?.passed === true;
  if (startIndex("committer") >= 0 && input.verify) expect(verified, "committed before its checks passed").toBe(true);
  if (recorded?.outcome.kind === "done") {
    if (input.verify) expect(verified, "done recorded without passing its checks").toBe(true);
    if (input.commit) expect(doneEvent("committer"), "done recorded without its commit").toBeDefined();
  }
  if (startIndex("reviewer") >= 0) expect(recorded?.outcome.kind, "a review before a recorded TASK_DONE").toBe("done");
  if (context.stopRequested && !input.detachOnStop) expect(snapshot.matches({ implementing: "waiting" }), "a stopped unit still waits for its agent").toBe(false);
  if (snapshot.matches({ implementing: "waiting" })) expect(delayOf(machine, snapshot, "xstate.after.taskTimeout.unit.implementing.waiting")).toBe(input.taskTimeoutMs);
  if (snapshot.status !== "done") return;
  const output = snapshot.output as UnitOutput;
  if (output.kind === "detached") expect(input.detachOnStop && context.stopRequested).toBe(true);
  else if (output.kind === "failed") expect(recordStarts.length === 0 || context.failure !== null).toBe(true);
  else {
    expect(recorded, "the machine ended without recording its attempt").not.toBeNull();
    if (output.kind === "attempt") expect(output.outcome).toEqual(recorded!.outcome);
  }
}

/** The loop's invariants, after every step of one path. */
function checksFor(input: UnitMachineInput) {
  return (trace: Trace, snapshot: AnyMachineSnapshot) => {
    const context = snapshot.context as UnitContext;
    attemptChecks(input, trace, snapshot);
    const steps = trace.entries.filter((e): e is Extract<typeof e, { kind: "step" }> => e.kind === "step");
    const starts = trace.entries.filter((e) => e.kind === "start").map((e) => (e as { actor: { id: string; input: { round: number } } }).actor);
    // Never more fix rounds than allowed, counted from the round base.
    const fixRounds = new Set(starts.filter((s) => s.id === "fixer").map((s) => s.input.round));
    for (const r of fixRounds) expect(r - input.roundBase, `fix round ${r}`).toBeLessThanOrEqual(input.maxFixRounds);
    expect(context.round - input.roundBase).toBeLessThanOrEqual(Math.max(input.maxFixRounds, input.round - input.roundBase));
    // A rate-limited fix waits an exponential backoff: 1×, 2×, 4× the base per hit in a row.
    if (snapshot.value === "fixWaiting") {
      expect(delayOf(machine, snapshot, "xstate.after.fixBackoff.unit.fixWaiting")).toBe(input.rateLimitBackoffMs * 2 ** (context.rateLimitHits - 1));
    }
    // After a STOP no agent (fixer, reviewer) starts.
    const stopAt = steps.findIndex((s) => s.event.type === "STOP");
    if (stopAt >= 0) {
      const stopEntry = trace.entries.indexOf(steps[stopAt]!);
      const later = trace.entries.slice(stopEntry + 1).filter((e) => e.kind === "start").map((e) => (e as { actor: { id: string } }).actor.id);
      expect(later.filter((id) => id === "fixer" || id === "reviewer"), "agents started after STOP").toEqual([]);
    }
    if (snapshot.status !== "done") return;
    const output = snapshot.output as UnitOutput;
    const lastRound = steps.findLast((s) => s.event.type === "xstate.done.actor.consolidator")?.event as { output?: RoundOutput } | undefined;
    if (output.kind === "completed") {
      // No unit is done without an approving review: the last consolidation passed, after the last fix.
      expect(output.kind).toBe("completed");
      expect(lastRound?.output?.kind).toBe("pass");
      const lastFix = steps.findLastIndex((s) => s.event.type.startsWith("xstate.done.actor.fixer"));
      const lastPass = steps.findLastIndex((s) => s.event.type === "xstate.done.actor.consolidator");
      expect(lastPass).toBeGreaterThan(lastFix);
    }
    // Every blocked unit has a decision to record: a kind and a reason; the concluder recorded it.
    if (output.kind === "blocked") {
      expect(output.record.decision).toBe(true);
      expect(output.kind).toBe("blocked");
      expect(context.block?.reason).toBeString();
      expect(context.block?.kind).toBeOneOf(["halt", "review_exhausted", "reviewer_question", "scope_violation", "review_failed", "budget"]);
      // A budget block says what was about to start, right after the check that found the limit reached.
      if (context.block?.kind === "budget") {
        const check = steps.findLast((s) => s.event.type !== "xstate.done.actor.concluder" && s.event.type !== "STOP")!.event.type;
        expect(check).toBeOneOf(["xstate.done.actor.budget", "xstate.done.actor.fixBudget"]);
        expect(output).toMatchObject({ block: "budget", resumeAt: check === "xstate.done.actor.budget" ? "review" : "fix" });
      }
    }
    if (output.kind === "stopped") expect(context.stopRequested).toBe(true);
    // Every end of the loop is recorded by the concluder, once.
    if (context.phase === "review" && output.kind !== "failed") expect(trace.entries.filter((e) => e.kind === "start" && e.actor.id === "concluder").length).toBe(1);
    if (snapshot.value === "attemptEnded") expect(output.kind).toBe("attempt");
  };
}

const events = eventsFor(TABLE);
const batches = SCENARIOS.flatMap((scenario) => {
  const options = { input: scenario.input, events: events as unknown as (s: AnyMachineSnapshot) => never[] };
  const shortest = getShortestPaths(machine, options as never) as GraphPath[];
  return [
    { name: `${scenario.name}: shortest paths`, scenario, paths: shortest as PathLike[] },
    { name: `${scenario.name}: paths to the branches they miss`, scenario, paths: branchPaths(machine, options, shortest) as PathLike[] },
  ];
});
const traces: Trace[] = [];

describe("unit machine, model-based", () => {
  for (const batch of batches.filter((b) => b.paths.length > 0)) {
    const longest = longestPaths(batch.paths);
    test(`${batch.name}: ${batch.paths.length} generated, ${longest.length} replayed`, async () => {
      for (const path of longest) {
        try {
          traces.push(await replay(machine, batch.scenario.input, path, checksFor(batch.scenario.input)));
        } catch (error) {
          if (error instanceof Error) error.message = `${error.message}\n  path: ${path.steps.map((s: { event: EventObject }) => s.event.type).join(" → ")}`;
          throw error;
        }
      }
    });
  }

  test("every state, transition and guarded branch of the unit machine is reached", () => {
    expect(traces.length).toBeGreaterThan(0);
    const reached = { states: new Set<string>(), transitions: new Set<string>(), branches: new Set<string>() };
    for (const t of traces) {
      t.states.forEach((s) => reached.states.add(s));
      t.transitions.forEach((s) => reached.transitions.add(s));
      t.branches.forEach((s) => reached.branches.add(s));
    }
    // Transient states (only `always` transitions) are never a snapshot's value: their branches are counted instead.
    const transient = transientStatesOf(machine);
    expect(statesOf(machine).filter((s) => !transient.has(s) && !reached.states.has(s)), "states no path reaches").toEqual([]);
    expect(transitionsOf(machine).map(transitionKey).filter((t) => !reached.transitions.has(t)), "transitions no path takes").toEqual([]);
    expect(branchesOf(machine).filter((b) => !reached.branches.has(b)), "guarded branches no path takes").toEqual([]);
  });
});
