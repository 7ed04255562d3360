// Invariants of the run machine checked after every step of every replayed path, and the consistency of the
// attempts its unit machines report: one attempt at a time (each one recorded before the next starts), the
// iteration limit kept, attempts counted, done once per unit, and a final state's exit reason matching how the
// run got there. (Verify before commit before the record, and no agent left waiting after a stop: the unit
// machine's own suite. No unit machine starting while another is alive, nothing started after the end: replay.ts.)
import { expect } from "bun:test";
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from "xstate";
import { orchestratorMachine, type AttemptOutcome, type FinalState, type HaltReason, type OrchestratorContext, type UnitRef } from "../../machines/orchestrator.ts";
import type { UnitMachineInput, UnitOutput } from "../../machines/unit.ts";
import type { ParallelRunOutput } from "../../machines/parallel.ts";
import { delayOf } from "./machine-model.ts";
import { NOW } from "./outputs.ts";
import type { Scenario } from "./outputs.ts";
import type { StepCheck, Trace } from "./replay.ts";

/** The invoke id of the unit machine: its start with startAt `implement` is a dispatch, its end a recording. */
const UNIT = "unit";

/** An attempt as the run saw it recorded: the unit, its number, how it ended. */
interface AttemptRecord {
  unit: UnitRef;
  attempt: number;
  outcome: AttemptOutcome;
}
/** States with this tag wait for a rate limit; entering one gives the attempt back (it is dispatched again). */
const RATE_LIMIT_WAIT = "waiting-for-limit";
/** The state that checks the budget before each dispatch. */
const BUDGET_CHECK = "checkingBudget";

interface Facts {
  scenario: Scenario;
  context: OrchestratorContext;
  records: AttemptRecord[];
  lastEvent: EventObject;
  /** Units whose review loop approved them (--review). */
  approved: Set<string>;
}

/** What a halt reason must be backed by. A new HaltReason does not compile until it is here. */
const HALT_REASONS: Record<HaltReason, (f: Facts) => void> = {
  "agent-halt": ({ records }) => expect(records.at(-1)?.outcome.kind).toBe("halt"),
  "rate-limit": ({ records }) => expect(records.at(-1)?.outcome.kind).toBe("rate-limited"),
  "attempts-exhausted": ({ scenario, context }) =>
    expect(context.attempts[context.unit!.key] ?? 0).toBeGreaterThanOrEqual(scenario.input.maxAttempts),
  blocked: ({ lastEvent }) => expect((lastEvent as { output?: { kind?: string } }).output?.kind).toBe("blocked"),
  // A unit's review loop ended blocked (the concluder recorded a decision) while decisions halt the run.
  decision: ({ scenario, lastEvent }) => {
    expect(scenario.input.haltOnDecision ?? true).toBe(true);
    expect((lastEvent as { output?: { record?: { decision?: boolean } } }).output?.record?.decision).toBe(true);
  },
  // Reached before a dispatch (the budget check's sentence), by an attempt ended for it (the outcome's), or
  // before a review or fix round (the unit machine's block).
  budget: ({ lastEvent, context, records }) => {
    const outcome = records.at(-1)?.outcome;
    const unitOutput = context.unitOutput;
    const loopEnd = lastEvent.type === "xstate.done.actor.unit" && (lastEvent as { output?: UnitOutput }).output?.kind === "blocked";
    if (loopEnd) expect(unitOutput?.kind === "blocked" && unitOutput.block === "budget" ? unitOutput.reason : "(no budget block)").toBe(context.haltDetail!);
    else if (lastEvent.type === "xstate.done.actor.budget") expect(context.haltDetail).toBe((lastEvent as { output?: { reached?: string } }).output?.reached ?? "(none)");
    else expect(outcome?.kind === "over-budget" ? outcome.reached : "(not over budget)").toBe(context.haltDetail!);
  },
  error: () => {
    throw new Error("halted with reason error: an actor failure ends the run in failed");
  },
};

/** What each final state must say about why the run ended. A new final state does not compile until it is here. */
const EXIT_REASONS: Record<FinalState, (f: Facts) => void> = {
  complete: ({ scenario, context, records, approved }) => {
    expect(context.haltReason).toBeNull();
    expect(context.pending).toBe(0);
    // Done once per unit; with --review a unit resumed in its loop was implemented by an earlier run.
    for (const unit of scenario.units) {
      const done = records.filter((r) => r.unit.key === unit.key && r.outcome.kind === "done").length;
      if (scenario.input.review) expect(done).toBeLessThanOrEqual(1);
      else expect(done).toBe(1);
    }
    // With --review no unit is done without an approving review (its unit machine ended completed).
    if (scenario.input.review) expect([...approved].sort()).toEqual(scenario.units.map((u) => u.key).sort());
  },
  halted: (facts) => {
    const reason = facts.context.haltReason;
    if (reason === null) throw new Error("halted without a reason");
    HALT_REASONS[reason](facts);
    expect(facts.context.haltDetail).toBeString();
  },
  limitReached: ({ scenario, context }) => {
    expect(context.haltReason).toBeNull();
    expect(context.iteration).toBe(scenario.input.maxIterations);
  },
  stopped: ({ context }) => {
    expect(context.haltReason).toBeNull();
    expect(context.stopRequested).toBe(true);
  },
  waitingForDecisions: ({ context, lastEvent }) => {
    expect((lastEvent as { output?: { kind?: string } }).output?.kind).toBe("waiting");
    expect(context.haltReason).toBe("decision");
  },
  // An actor failed, or the unit machine could not end its agent or record its attempt.
  failed: ({ context, lastEvent }) => {
    expect(context.haltReason).toBe("error");
    const output = (lastEvent as { output?: UnitOutput }).output;
    if (lastEvent.type === `xstate.done.actor.${UNIT}`) expect(output?.kind === "failed" ? output.error : "(not failed)").toBe(context.error);
    else {
      expect(lastEvent.type).toStartWith("xstate.error.actor.");
      expect(context.error).toBe((lastEvent as { error?: unknown }).error);
    }
  },
};

/** Final state names of the machine that EXIT_REASONS does not know (the coverage test reports them). */
export function finalsWithoutExitReason(machine: AnyStateMachine): string[] {
  return Object.entries(machine.root.states)
    .filter(([, node]) => node.type === "final")
    .map(([name]) => name)
    .filter((name) => !(name in EXIT_REASONS));
}

/**
 * Timing and stops, which the transitions alone do not pin: a rate limit waits its reset time or an exponential
 * backoff; a stop reaches the running unit machine; the wait for a rate limit ends in the budget check before a
 * new dispatch of the same unit (never idle, never another unit).
 */
function timingAndStops(scenario: Scenario, trace: Trace, snapshot: AnyMachineSnapshot): void {
  const context = snapshot.context as OrchestratorContext;
  if (snapshot.value === "rateLimited") {
    const outcome = context.outcome;
    const resetAt = outcome?.kind === "rate-limited" ? outcome.resetAt : null;
    // An exponential backoff (1×, 2×, 4× …), cut to what --max-wait leaves; a reset time still ahead is waited for as given.
    const waitedBefore = context.rateLimitWaitedMs - context.rateLimitDelayMs;
    const backoff = (scenario.input.rateLimitBackoffMs ?? 60_000) * 2 ** Math.min(context.rateLimitHits - 1, 20);
    const expected = resetAt !== null && resetAt > NOW ? Math.max(1_000, resetAt - NOW) : Math.min(backoff, context.maxWaitMs - waitedBefore);
    expect(delayOf(orchestratorMachine, snapshot, "xstate.after.rateLimitDelay.orchestrator.rateLimited"), "rate-limit wait").toBe(expected);
  }
  const steps = trace.entries.filter((e): e is Extract<typeof e, { kind: "step" }> => e.kind === "step");
  const before = steps.at(-2)?.snapshot;
  // A STOP while a unit machine runs is passed on to it (its suite checks that it ends or leaves its agent).
  const last = steps.at(-1);
  if (last?.event.type === "STOP" && before?.value === "running") {
    expect(snapshot.value).toBe("running");
    expect(context.stopRequested).toBe(true);
  }
  if (before?.value === "rateLimited" && snapshot.value !== "rateLimited" && snapshot.value !== "stopped") {
    // The budget check comes first: it dispatches the same unit again or halts the run (reason budget).
    expect(snapshot.value, "after a rate-limit wait").toBe("checkingBudget");
    expect(context.unit?.key).toBe((before.context as OrchestratorContext).unit?.key);
  }
}

/** The checks run after each step of one path of `scenario` (stateful: make one per path). */
export function checksFor(scenario: Scenario): StepCheck {
  const records = recordKeeper(scenario);
  return (trace: Trace, snapshot: AnyMachineSnapshot) => {
    const context = snapshot.context as OrchestratorContext;
    timingAndStops(scenario, trace, snapshot);
    if (context.iteration > scenario.input.maxIterations) expect(context.iteration).toBeLessThanOrEqual(scenario.input.maxIterations);
    const { recorded, unrecorded, approved } = records(trace, context);
    if (snapshot.status !== "done") return;
    // An internal failure while ending an agent stops the run before recording (so nothing runs beside an agent
    // that may still be alive); the next run's recovery records that attempt. Every other end records it.
    const last = trace.entries.findLast((e) => e.kind === "step");
    // With --detach-on-stop a stop leaves the running agent for the next run, which adopts and records it.
    const endingFailed =
      snapshot.value === "failed" &&
      last?.kind === "step" &&
      (last.event.type === `xstate.error.actor.${UNIT}` || (last.event as { output?: UnitOutput }).output?.kind === "failed");
    const detached = snapshot.value === "stopped" && context.detachOnStop;
    if (!endingFailed && !detached) {
      expect(unrecorded, "a dispatch without its recording at the end of the run").toBeNull();
    }
    const steps = trace.entries.filter((e) => e.kind === "step");
    const lastEvent = steps.at(-1)!.event;
    // A parallel run's end is the run's: the same final state, its halt and counters taken over (its units: its own suite).
    if (lastEvent.type === "xstate.done.actor.parallelRun") {
      const output = (lastEvent as unknown as { output: ParallelRunOutput }).output;
      expect(snapshot.value).toBe(output.final);
      expect({ haltReason: context.haltReason, haltDetail: context.haltDetail, iteration: context.iteration, pending: context.pending }).toEqual({
        haltReason: output.haltReason,
        haltDetail: output.haltDetail,
        iteration: output.iteration,
        pending: output.pending,
      });
      expect(context.iteration).toBeLessThanOrEqual(scenario.input.maxIterations);
      return;
    }
    const check = EXIT_REASONS[snapshot.value as FinalState];
    if (!check) throw new Error(`final state ${snapshot.value} has no exit-reason check: add it to EXIT_REASONS in test/model/invariants.ts`);
    check({ scenario, context, records: recorded, lastEvent, approved });
  };
}

/**
 * Follows the trace as it grows: every attempt (a unit machine started with `implement`) is recorded before the
 * next one starts (the same machine ends with it), attempt numbers count up per unit (a rate-limit wait or a
 * fallback gives one back), the context's counters agree, and no unit is done twice. Returns the attempts
 * recorded, the one still waiting for its record, and the units whose review loop approved them.
 */
function recordKeeper(scenario: Scenario) {
  const attempts: Record<string, number> = { ...(scenario.input.attempts ?? {}) };
  const recorded: AttemptRecord[] = [];
  const done = new Set<string>();
  const approved = new Set<string>();
  let open: { unit: UnitRef; attempt: number } | null = null;
  let dispatches = 0;
  let givenBack = 0;
  let waitingForLimit = false;
  let seen = 0;
  const fail = (message: string) => {
    throw new Error(`records: ${message}`);
  };
  const markDone = (key: string) => {
    if (done.has(key)) fail(`unit ${key} done twice`);
    done.add(key);
  };
  /** A unit machine ended: its attempt recorded (or not: detached, failed), its loop ended. */
  const unitEnded = (output: UnitOutput, snapshot: AnyMachineSnapshot) => {
    const key = (snapshot.context as OrchestratorContext).unit!.key;
    if (output.kind === "detached" || output.kind === "failed") return;
    if (output.kind === "attempt") {
      if (!open) fail(`unit ${key} recorded without a dispatch`);
      recorded.push({ ...open!, outcome: output.outcome });
      if (output.outcome.kind === "done" && !scenario.input.review) markDone(key);
      // A rate-limited attempt is given back at once when the unit moves to a fallback backend.
      if (output.outcome.kind === "rate-limited" && snapshot.matches(BUDGET_CHECK)) {
        attempts[key] = Math.max(0, (attempts[key] ?? 1) - 1);
        givenBack++;
      }
    } else if (open) {
      // The loop followed the attempt's TASK_DONE, recorded inside the unit machine.
      recorded.push({ ...open, outcome: { kind: "done", message: "", exitCode: 0 } });
    }
    if (output.kind === "completed") {
      approved.add(key);
      markDone(key);
    }
    open = null;
  };
  return (trace: Trace, context: OrchestratorContext) => {
    for (const [index, entry] of trace.entries.entries()) {
      if (index < seen) continue;
      if (entry.kind === "step") {
        const entered = entry.snapshot.hasTag(RATE_LIMIT_WAIT);
        if (entered && !waitingForLimit) {
          const key = (entry.snapshot.context as OrchestratorContext).unit!.key;
          attempts[key] = Math.max(0, (attempts[key] ?? 1) - 1);
          givenBack++;
        }
        waitingForLimit = entered;
        if (entry.event.type === `xstate.done.actor.${UNIT}`) unitEnded((entry.event as unknown as { output: UnitOutput }).output, entry.snapshot);
        // The parallel run counted its own dispatches: the run takes its counters over.
        if (entry.event.type === "xstate.done.actor.parallelRun") {
          const output = (entry.event as unknown as { output: ParallelRunOutput }).output;
          Object.assign(attempts, output.attempts);
          dispatches = output.iteration + givenBack;
        }
        continue;
      }
      if (entry.actor.id !== UNIT) continue;
      const input = entry.actor.input as UnitMachineInput;
      const key = input.unit.key;
      if (open) fail(`unit ${key} started before attempt ${open.attempt} of unit ${open.unit.key} was recorded`);
      if (input.startAt !== "implement") continue;
      attempts[key] = (attempts[key] ?? 0) + 1;
      if (input.attempt !== attempts[key]) fail(`unit ${key} dispatched as attempt ${input.attempt}, expected ${attempts[key]}`);
      if (input.iteration !== dispatches - givenBack + 1) fail(`unit ${key} dispatched as iteration ${input.iteration}, expected ${dispatches - givenBack + 1}`);
      open = { unit: input.unit, attempt: input.attempt };
      dispatches++;
    }
    seen = trace.entries.length;
    if (!Bun.deepEquals(context.attempts, attempts)) expect(context.attempts, "attempts in the context").toEqual(attempts);
    if (context.iteration !== dispatches - givenBack) expect(context.iteration, "iteration in the context").toBe(dispatches - givenBack);
    return { recorded, unrecorded: open, approved };
  };
}
