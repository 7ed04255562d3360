// Invariants checked after every step of every replayed path, and the consistency of what the recorder was
// asked to write: one attempt at a time (each dispatch recorded before the next), the iteration limit kept,
// attempts counted, done recorded once per unit and only after its checks passed and its commit (--verify, --commit), and a final state's exit reason matching how the run got there.
// (No agent actor starting while another is alive, and nothing started after the end: see replay.ts.)
import { expect } from "bun:test";
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from "xstate";
import { orchestratorMachine, type FinalState, type HaltReason, type OrchestratorContext, type RecordInput } from "../../machines/orchestrator.ts";
import { delayOf } from "./machine-model.ts";
import { NOW } from "./outputs.ts";
import type { Scenario } from "./outputs.ts";
import type { StepCheck, Trace } from "./replay.ts";

/** The invoke ids whose start is a dispatch (an agent launched) and a recording (state and progress written). */
const DISPATCH = "dispatcher";
const RECORD = "recorder";
/** States with this tag wait for a rate limit; entering one gives the attempt back (it is dispatched again). */
const RATE_LIMIT_WAIT = "waiting-for-limit";
/** The state that checks the budget before each dispatch. */
const BUDGET_CHECK = "checkingBudget";

interface Facts {
  scenario: Scenario;
  context: OrchestratorContext;
  records: RecordInput[];
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
    expect((lastEvent as { output?: { decision?: boolean } }).output?.decision).toBe(true);
  },
  // Reached before a dispatch (the budget check's sentence), by an attempt ended for it (the outcome's), or
  // before a review or fix round (the unit machine's block).
  budget: ({ lastEvent, context, records }) => {
    const outcome = records.at(-1)?.outcome;
    const unitOutput = context.unitOutput;
    if (lastEvent.type === "xstate.done.actor.concluder") expect(unitOutput?.kind === "blocked" && unitOutput.block === "budget" ? unitOutput.reason : "(no budget block)").toBe(context.haltDetail!);
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
    for (const unit of scenario.units) expect(records.filter((r) => r.unit.key === unit.key && r.outcome.kind === "done").length).toBe(1);
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
  failed: ({ context, lastEvent }) => {
    expect(lastEvent.type).toStartWith("xstate.error.actor.");
    expect(context.haltReason).toBe("error");
    expect(context.error).toBe((lastEvent as { error?: unknown }).error);
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
 * backoff; a stop asked for while an agent starts never leaves it running (`waiting` is left at once); the wait
 * for a rate limit ends in the budget check before a new dispatch of the same unit (never idle, never another unit).
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
  if (context.stopRequested && !context.detachOnStop) expect(snapshot.value, "a stopped run still waits for its agent").not.toBe("waiting");
  const steps = trace.entries.filter((e): e is Extract<typeof e, { kind: "step" }> => e.kind === "step");
  const before = steps.at(-2)?.snapshot;
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
    const endingFailed = snapshot.value === "failed" && last?.kind === "step" && last.event.type === "xstate.error.actor.ender";
    const detached = snapshot.value === "stopped" && context.detachOnStop;
    if (!endingFailed && !detached) {
      expect(unrecorded, "a dispatch without its recording at the end of the run").toBeNull();
    }
    const steps = trace.entries.filter((e) => e.kind === "step");
    const lastEvent = steps.at(-1)!.event;
    const check = EXIT_REASONS[snapshot.value as FinalState];
    if (!check) throw new Error(`final state ${snapshot.value} has no exit-reason check: add it to EXIT_REASONS in test/model/invariants.ts`);
    check({ scenario, context, records: recorded, lastEvent, approved });
  };
}

/**
 * Follows the trace as it grows: every dispatch is recorded before the next one starts (same unit and attempt),
 * attempt numbers count up per unit (a rate-limit wait gives one back), the context's counters agree, and no
 * unit is recorded done twice. Returns the recorder's inputs and the dispatch still waiting for its recording.
 */
function recordKeeper(scenario: Scenario) {
  const attempts: Record<string, number> = { ...(scenario.input.attempts ?? {}) };
  const recorded: RecordInput[] = [];
  const done = new Set<string>();
  let open: { key: string; attempt: number } | null = null;
  let dispatches = 0;
  let givenBack = 0;
  let waitingForLimit = false;
  let seen = 0;
  // The gates of the open attempt: its checks passed, its commit made (--verify, --commit).
  let verified = false;
  let committed = false;
  const fail = (message: string) => {
    throw new Error(`records: ${message}`);
  };
  const approved = new Set<string>();
  const gateEvent = (event: EventObject, snapshot?: AnyMachineSnapshot) => {
    if (event.type === "xstate.done.actor.unit" && (event as { output?: { kind?: string } }).output?.kind === "completed" && snapshot) {
      approved.add((snapshot.context as OrchestratorContext).unit!.key);
    }
    if (event.type === "xstate.done.actor.verifier" && (event as { output?: { passed?: boolean } }).output?.passed) verified = true;
    if (event.type === "xstate.done.actor.committer") committed = true;
  };
  return (trace: Trace, context: OrchestratorContext) => {
    for (const [index, entry] of trace.entries.entries()) {
      if (index < seen) continue;
      if (entry.kind === "start") {
        // A child starts inside the step that caused it, so that step's entry comes after the start's.
        const cause = trace.entries.slice(index).find((e) => e.kind === "step");
        if (cause?.kind === "step") gateEvent(cause.event);
      }
      if (entry.kind === "step") {
        // A rate-limited attempt is given back when the run waits for the limit, or moves the unit to a
        // fallback backend at once (from the recording straight to the next budget check and dispatch).
        const fallback =
          entry.event.type === `xstate.done.actor.${RECORD}` && recorded.at(-1)?.outcome.kind === "rate-limited" && entry.snapshot.matches(BUDGET_CHECK);
        if (fallback) {
          const key = (entry.snapshot.context as OrchestratorContext).unit!.key;
          attempts[key] = Math.max(0, (attempts[key] ?? 1) - 1);
          givenBack++;
        }
        const entered = entry.snapshot.hasTag(RATE_LIMIT_WAIT);
        if (entered && !waitingForLimit) {
          const key = (entry.snapshot.context as OrchestratorContext).unit!.key;
          attempts[key] = Math.max(0, (attempts[key] ?? 1) - 1);
          givenBack++;
        }
        waitingForLimit = entered;
        gateEvent(entry.event, entry.snapshot);
        continue;
      }
      const { id, input } = entry.actor;
      const key: string = input?.unit?.key;
      if (id === DISPATCH) {
        if (open) fail(`unit ${key} dispatched before attempt ${open.attempt} of unit ${open.key} was recorded`);
        attempts[key] = (attempts[key] ?? 0) + 1;
        if (input.attempt !== attempts[key]) fail(`unit ${key} dispatched as attempt ${input.attempt}, expected ${attempts[key]}`);
        open = { key, attempt: input.attempt };
        dispatches++;
        verified = committed = false;
      } else if (id === "committer") {
        if (scenario.input.verify && !verified) fail(`unit ${key} committed before its checks passed`);
      } else if (id === RECORD) {
        if (!open) fail(`unit ${key} recorded without a dispatch`);
        if (open!.key !== key || open!.attempt !== input.attempt) fail(`recorded ${key}#${input.attempt} after dispatching ${open!.key}#${open!.attempt}`);
        open = null;
        recorded.push(input as RecordInput);
        if (input.outcome.kind === "done") {
          if (done.has(key)) fail(`unit ${key} recorded done twice`);
          if (scenario.input.verify && !verified) fail(`unit ${key} recorded done without passing its checks (--verify)`);
          if (scenario.input.commit && !committed) fail(`unit ${key} recorded done without its commit (--commit)`);
          done.add(key);
        }
      }
    }
    seen = trace.entries.length;
    if (!Bun.deepEquals(context.attempts, attempts)) expect(context.attempts, "attempts in the context").toEqual(attempts);
    if (context.iteration !== dispatches - givenBack) expect(context.iteration, "iteration in the context").toBe(dispatches - givenBack);
    return { recorded, unrecorded: open, approved };
  };
}
