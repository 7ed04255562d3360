// The orchestrator: the run machine. It plans, assigns, checks the budget, and invokes one unit machine
// (machines/unit.ts: implement → verify → commit → review → fix …) per attempt at a unit, one unit at a time;
// on what the unit machine reports it retries, waits out a rate limit, falls back, sleeps, halts or completes.
// It declares states, guards, actions, delays and actor names only; src/actors implements the actors
// and src/cli/run.ts joins them with .provide(). No file, process or tmux code is imported here.
import { assign, fromPromise, sendTo, setup } from "xstate";
import { notProvided, errorOf } from "./actor-slots.ts";
import { unitMachine } from "./unit.ts";
import { parallelMachine } from "./parallel.ts";
import type { ParallelRunInput, ParallelRunOutput } from "./parallel-types.ts";
import type {
  Assignment,
  BudgetOutput,
  FinalState,
  OrchestratorContext,
  OrchestratorEvent,
  OrchestratorInput,
  PlannerInput,
  PlannerOutput,
  RecordOutput,
  UnitRef,
} from "./types.ts";
import type { LoopOutput, UnitMachineInput, UnitOutput } from "./unit-types.ts";

export type * from "./types.ts";


const attemptsOf = (context: OrchestratorContext) => (context.unit ? (context.attempts[context.unit.key] ?? 0) : 0);

/** What --max-wait still allows for the current unit's rate limits, ms. */
const rateLimitWaitLeft = (context: OrchestratorContext): number => Math.max(0, context.maxWaitMs - context.rateLimitWaitedMs);

/** The reset time the agent gave, when it is still ahead of `now` (a past one means: the limit should be gone). */
const futureResetOf = (context: OrchestratorContext, now: number): number | null => {
  const outcome = context.outcome;
  return outcome?.kind === "rate-limited" && outcome.resetAt !== null && outcome.resetAt > now ? outcome.resetAt : null;
};

/**
 * The wait for a rate limit, ms: until its reset time when one ahead is known; else (none, or one already past)
 * exponential backoff from rateLimitBackoffMs, capped by what --max-wait has left.
 */
const rateLimitWaitOf = (context: OrchestratorContext, now: number): number => {
  const reset = futureResetOf(context, now);
  if (reset !== null) return Math.max(1_000, reset - now);
  return Math.min(context.rateLimitBackoffMs * 2 ** Math.min(context.rateLimitHits, 20), rateLimitWaitLeft(context));
};

/** Why a rate-limited unit halts: what was waited, and the reset beyond --max-wait or --max-wait used up. */
const rateLimitHaltDetail = (context: OrchestratorContext, now: number): string => {
  const s = (ms: number) => `${Math.round(ms / 1000)} s`;
  const waited = `waited ${s(context.rateLimitWaitedMs)} over ${context.rateLimitHits} retr${context.rateLimitHits === 1 ? "y" : "ies"}`;
  const reset = futureResetOf(context, now);
  const unit = `unit ${context.unit?.id} is rate-limited`;
  if (reset !== null) {
    return `${unit} until ${new Date(reset).toISOString()} (${s(reset - now)} from now), more than the ${s(rateLimitWaitLeft(context))} that --max-wait (${s(context.maxWaitMs)}) leaves; ${waited}`;
  }
  return `${unit} still after --max-wait (${s(context.maxWaitMs)}): ${waited}`;
};

/** The next fallback backend for the current unit (not the one it is on, nor its own), with its place, or null. */
const nextFallbackOf = (context: OrchestratorContext): { backend: string; index: number } | null => {
  const current = context.assignment?.backend;
  const own = context.assignment?.fallbackFrom ?? current;
  for (let i = context.fallbackIndex; i < context.fallbacks.length; i++) {
    const backend = context.fallbacks[i]!;
    if (backend !== current && backend !== own) return { backend, index: i + 1 };
  }
  return null;
};

/** The transition from a parallel run's end to the run's final state of the same name, its context taken over. */
const endOfParallel = (final: FinalState) => ({
  guard: { type: "parallelEndedIn" as const, params: ({ event }: { event: { output: ParallelRunOutput } }) => ({ output: event.output, final }) },
  target: final,
  actions: { type: "setParallelEnd" as const, params: ({ event }: { event: { output: ParallelRunOutput } }) => event.output },
});

/** Timers bounded by setTimeout's 32-bit limit (about 24.8 days). */
const timerMs = (ms: number) => Math.min(Math.max(0, ms), 2_147_483_647);

export const orchestratorMachine = setup({
  types: {
    context: {} as OrchestratorContext,
    events: {} as OrchestratorEvent,
    input: {} as OrchestratorInput,
  },
  actors: {
    planner: notProvided<PlannerOutput, PlannerInput>("planner"),
    assigner: notProvided<Assignment, { unit: UnitRef }>("assigner"),
    /** One attempt at a unit and its review loop (machines/unit.ts), a child machine: the inspector shows it under the run. */
    unit: unitMachine,
    /** --parallel N > 1: the whole plan as one parallel run of N unit machines and the merge queue (machines/parallel.ts). */
    parallelRun: parallelMachine,
    // No limits unless a run provides its budget check (src/actors/budget.ts).
    budget: fromPromise<BudgetOutput, { unit: UnitRef }>(async () => ({ reached: null })),
  },
  guards: {
    planComplete: (_, output: PlannerOutput) => output.kind === "complete",
    planBlocked: (_, output: PlannerOutput) => output.kind === "blocked",
    planParallel: (_, output: PlannerOutput) => output.kind === "parallel",
    parallelEndedIn: (_, params: { output: ParallelRunOutput; final: FinalState }) => params.output.final === params.final,
    planWaiting: (_, output: PlannerOutput) => output.kind === "waiting",
    resuming: ({ context }) => context.resume !== null,
    unitFailed: (_, output: UnitOutput) => output.kind === "failed",
    unitDetached: (_, output: UnitOutput) => output.kind === "detached",
    attemptEnded: (_, output: UnitOutput) => output.kind === "attempt",
    decisionContinues: ({ context }, output: RecordOutput) => output.decision === true && !context.haltOnDecision,
    decisionHalts: ({ context }, output: RecordOutput) => output.decision === true && context.haltOnDecision,
    unitStopped: ({ context }) => context.unitOutput?.kind === "stopped",
    /** The review loop stopped at a budget check: the run halts (reason budget), its decision recorded. */
    unitOverBudget: ({ context }) => context.unitOutput?.kind === "blocked" && context.unitOutput.block === "budget",
    iterationLimitReached: ({ context }) => context.iteration >= context.maxIterations,
    nextUnitAttemptsUsedUp: ({ context }, output: PlannerOutput) =>
      output.kind === "next" && (context.attempts[output.unit.key] ?? 0) >= context.maxAttempts,
    outcomeIsHalt: ({ context }) => context.outcome?.kind === "halt",
    stopRequested: ({ context }) => context.stopRequested,
    detachOnStop: ({ context }) => context.detachOnStop,
    stopRequestedAndDetach: ({ context }) => context.stopRequested && context.detachOnStop,
    rateLimitWaitTooLong: ({ context }, output: RecordOutput) =>
      context.outcome?.kind === "rate-limited" &&
      (rateLimitWaitLeft(context) <= 0 || rateLimitWaitOf(context, output.now) > rateLimitWaitLeft(context)),
    outcomeIsRateLimited: ({ context }) => context.outcome?.kind === "rate-limited",
    /** Rate-limited with a reset further away than --fallback-after (or unknown), and a fallback left to try. */
    fallbackNow: ({ context }, output: RecordOutput) => {
      const outcome = context.outcome;
      if (outcome?.kind !== "rate-limited" || nextFallbackOf(context) === null) return false;
      return outcome.resetAt === null || outcome.resetAt - output.now > context.fallbackAfterMs;
    },
    budgetReached: (_, output: BudgetOutput) => output.reached !== null,
    /** The attempt was ended for reaching a limit: the next dispatch could only be over it too. */
    outcomeIsOverBudget: ({ context }) => context.outcome?.kind === "over-budget",
    attemptsUsedUp: ({ context }) =>
      (context.outcome?.kind === "failed" || context.outcome?.kind === "timeout" || context.outcome?.kind === "interrupted") &&
      attemptsOf(context) >= context.maxAttempts,
    nothingPending: (_, output: RecordOutput) => output.pending === 0,
  },
  actions: {
    selectUnit: assign(({ context }, output: PlannerOutput) =>
      output.kind === "next"
        ? {
            unit: output.unit,
            pending: output.pending,
            outcome: null,
            record: null,
            assignment: null,
            fallbackIndex: 0,
            rateLimitHits: output.unit.key === context.unit?.key ? context.rateLimitHits : 0,
            rateLimitWaitedMs: output.unit.key === context.unit?.key ? context.rateLimitWaitedMs : 0,
            resume: output.resume ?? null,
            unitOutput: null,
          }
        : {},
    ),
    haltWaiting: assign((_, output: PlannerOutput) => ({
      haltReason: "decision" as const,
      haltDetail: output.kind === "waiting" ? output.reason : null,
      pending: output.kind === "waiting" ? output.pending : 0,
    })),
    haltDecision: assign(({ context }) => ({
      haltReason: "decision" as const,
      haltDetail: `unit ${context.unit?.id} needs a human decision (seqorch decisions)`,
    })),
    // Effects the run's actors provide (src/actors/provide.ts): tell the display, record a rate-limit wait in the state.
    noteSleeping: () => {},
    recordRunEnd: (_, _params: { final: FinalState }) => {},
    noteRateLimitWait: () => {},
    clearRateLimitWait: () => {},
    /** The unit's review loop ended (recorded by its concluder): how, and what the record said. */
    setUnitOutput: assign((_, output: UnitOutput) => {
      if (output.kind === "attempt" || output.kind === "detached" || output.kind === "failed") return {};
      const { record, ...loop } = output;
      return { unitOutput: loop as LoopOutput, record, resume: null };
    }),
    /** The unit machine recorded its attempt with no review to follow: how it ended, and what the recorder said. */
    setAttemptEnd: assign((_, output: UnitOutput) => (output.kind === "attempt" ? { outcome: output.outcome, record: output.record } : {})),
    haltUnitFailure: assign((_, output: UnitOutput) => {
      const error = output.kind === "failed" ? output.error : new Error(`unit machine ended ${output.kind}`);
      return { haltReason: "error" as const, haltDetail: error instanceof Error ? error.message : String(error), error };
    }),
    forwardStop: sendTo("unit", { type: "STOP" }),
    haltBlocked: assign((_, output: PlannerOutput) => ({
      haltReason: "blocked" as const,
      haltDetail: output.kind === "blocked" ? output.reason : null,
      pending: output.kind === "blocked" ? output.pending : 0,
    })),
    haltAttemptsOfNext: assign(({ context }, output: PlannerOutput) => ({
      unit: output.kind === "next" ? output.unit : context.unit,
      haltReason: "attempts-exhausted" as const,
      haltDetail: output.kind === "next" ? `unit ${output.unit.id} used up its ${context.maxAttempts} attempts` : null,
    })),
    haltAttempts: assign(({ context }) => ({
      haltReason: "attempts-exhausted" as const,
      haltDetail: `unit ${context.unit?.id} used up its ${context.maxAttempts} attempts`,
    })),
    haltAgent: assign(({ context }) => ({
      haltReason: "agent-halt" as const,
      haltDetail: `the agent asked for a human on unit ${context.unit?.id}`,
    })),
    haltRateLimit: assign(({ context }, output: RecordOutput) => ({
      haltReason: "rate-limit" as const,
      haltDetail: rateLimitHaltDetail(context, output.now),
    })),
    haltBudget: assign((_, output: BudgetOutput) => ({
      haltReason: "budget" as const,
      haltDetail: output.reached,
    })),
    haltUnitBudget: assign(({ context }) => ({
      haltReason: "budget" as const,
      haltDetail: context.unitOutput?.kind === "blocked" ? context.unitOutput.reason : null,
    })),
    haltOverBudget: assign(({ context }) => ({
      haltReason: "budget" as const,
      haltDetail: context.outcome?.kind === "over-budget" ? context.outcome.reached : null,
    })),
    /** Give the rate-limited attempt back (like a wait would) and move the unit to the next fallback backend. */
    switchToFallback: assign(({ context }, output: RecordOutput) => {
      const key = context.unit?.key ?? "";
      const next = nextFallbackOf(context)!;
      const outcome = context.outcome;
      const resetAt = outcome?.kind === "rate-limited" ? outcome.resetAt : null;
      const from = context.assignment?.backend ?? "";
      const when = resetAt === null ? "reset time unknown" : `resets in ${Math.round((resetAt - output.now) / 1000)} s, over --fallback-after ${Math.round(context.fallbackAfterMs / 1000)} s`;
      return {
        iteration: context.iteration - 1,
        attempts: { ...context.attempts, [key]: Math.max(0, (context.attempts[key] ?? 1) - 1) },
        fallbackIndex: next.index,
        assignment: {
          ...context.assignment!,
          backend: next.backend,
          fallbackFrom: context.assignment?.fallbackFrom ?? from,
          fallbackReason: `${from} ${outcome && "reason" in outcome ? outcome.reason : "rate limited"} (${when})`,
        },
      };
    }),
    setParallelPlan: assign((_, output: PlannerOutput) => (output.kind === "parallel" ? { plan: output.plan, pending: output.pending } : {})),
    /** The parallel run's end in the run's context: counters, the halt and its unit, the error. */
    setParallelEnd: assign((_, output: ParallelRunOutput) => ({
      iteration: output.iteration,
      attempts: output.attempts,
      pending: output.pending,
      haltReason: output.haltReason,
      haltDetail: output.haltDetail,
      unit: output.unit,
      error: output.error,
      stopRequested: output.final === "stopped",
    })),
    forwardStopToParallel: sendTo("parallelRun", { type: "STOP" }),
    haltError: assign((_, error: unknown) => ({
      haltReason: "error" as const,
      haltDetail: error instanceof Error ? error.message : String(error),
      error,
    })),
    setAssignment: assign((_, assignment: Assignment) => ({ assignment })),
    countAttempt: assign(({ context }) => {
      const key = context.unit?.key ?? "";
      return {
        iteration: context.iteration + 1,
        attempts: { ...context.attempts, [key]: (context.attempts[key] ?? 0) + 1 },
        outcome: null,
        record: null,
      };
    }),
    uncountRateLimited: assign(({ context }, output: RecordOutput) => {
      const key = context.unit?.key ?? "";
      const delay = rateLimitWaitOf(context, output.now);
      return {
        iteration: context.iteration - 1,
        attempts: { ...context.attempts, [key]: Math.max(0, (context.attempts[key] ?? 1) - 1) },
        rateLimitHits: context.rateLimitHits + 1,
        rateLimitWaitedMs: context.rateLimitWaitedMs + delay,
        rateLimitDelayMs: delay,
      };
    }),
    setPending: assign((_, output: RecordOutput) => ({ pending: output.pending })),
    requestStop: assign({ stopRequested: true }),
  },
  delays: {
    unitDelay: ({ context }) => context.delayMs,
    taskTimeout: ({ context }) => timerMs(context.taskTimeoutMs),
    rateLimitDelay: ({ context }) => timerMs(context.rateLimitDelayMs),
  },
}).createMachine({
  id: "orchestrator",
  context: ({ input }) => ({
    maxIterations: input.maxIterations,
    maxAttempts: input.maxAttempts,
    delayMs: input.delayMs,
    taskTimeoutMs: input.taskTimeoutMs ?? 7_200_000,
    maxWaitMs: input.maxWaitMs ?? 6 * 3_600_000,
    rateLimitBackoffMs: input.rateLimitBackoffMs ?? 60_000,
    detachOnStop: input.detachOnStop ?? false,
    rateLimitHits: 0,
    rateLimitWaitedMs: 0,
    rateLimitDelayMs: 0,
    iteration: 0,
    attempts: { ...(input.attempts ?? {}) },
    fallbacks: [...(input.fallbacks ?? [])],
    fallbackAfterMs: input.fallbackAfterMs ?? 300_000,
    fallbackIndex: 0,
    unit: null,
    assignment: null,
    outcome: null,
    record: null,
    pending: 0,
    haltReason: null,
    haltDetail: null,
    error: null,
    stopRequested: false,
    verify: input.verify ?? false,
    verifyTimeoutMs: input.verifyTimeoutMs ?? 1_800_000,
    commit: input.commit ?? false,
    review: input.review ?? null,
    haltOnDecision: input.haltOnDecision ?? true,
    resume: null,
    unitOutput: null,
    parallel: input.parallel ?? 1,
    plan: null,
  }),
  initial: "idle",
  states: {
    idle: {
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      invoke: {
        id: "planner",
        src: "planner",
        input: ({ context }) => ({ attempts: context.attempts }),
        onDone: [
          { guard: { type: "planComplete", params: ({ event }) => event.output }, target: "complete" },
          {
            guard: { type: "planWaiting", params: ({ event }) => event.output },
            target: "waitingForDecisions",
            actions: { type: "haltWaiting", params: ({ event }) => event.output },
          },
          {
            guard: { type: "planBlocked", params: ({ event }) => event.output },
            target: "halted",
            actions: { type: "haltBlocked", params: ({ event }) => event.output },
          },
          { guard: { type: "planParallel", params: ({ event }) => event.output }, target: "runningParallel", actions: { type: "setParallelPlan", params: ({ event }) => event.output } },
          { guard: "iterationLimitReached", target: "limitReached" },
          {
            guard: { type: "nextUnitAttemptsUsedUp", params: ({ event }) => event.output },
            target: "halted",
            actions: { type: "haltAttemptsOfNext", params: ({ event }) => event.output },
          },
          { target: "assigning", actions: { type: "selectUnit", params: ({ event }) => event.output } },
        ],
        onError: { target: "failed", actions: { type: "haltError", params: errorOf } },
      },
    },
    assigning: {
      tags: ["busy"],
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      invoke: {
        id: "assigner",
        src: "assigner",
        input: ({ context }) => ({ unit: context.unit! }),
        onDone: [
          { guard: "resuming", target: "running", actions: { type: "setAssignment", params: ({ event }) => event.output } },
          { target: "checkingBudget", actions: { type: "setAssignment", params: ({ event }) => event.output } },
        ],
        onError: { target: "failed", actions: { type: "haltError", params: errorOf } },
      },
    },
    // Before each dispatch (a new unit, a retry after a rate limit, a fallback): is the run or unit over budget?
    checkingBudget: {
      tags: ["busy"],
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      invoke: {
        id: "budget",
        src: "budget",
        input: ({ context }) => ({ unit: context.unit! }),
        onDone: [
          {
            guard: { type: "budgetReached", params: ({ event }) => event.output },
            target: "halted",
            actions: { type: "haltBudget", params: ({ event }) => event.output },
          },
          { target: "running", actions: "countAttempt" },
        ],
        onError: { target: "failed", actions: { type: "haltError", params: errorOf } },
      },
    },
    // One attempt at the unit, or its resumed review loop: a child unit machine (implement → verify → commit →
    // review → fix …). A stop goes to it; it ends the agent (or leaves it, --detach-on-stop) and records.
    running: {
      tags: ["busy", "agent"],
      on: { STOP: { actions: ["requestStop", "forwardStop"] } },
      invoke: {
        id: "unit",
        src: "unit",
        input: ({ context }): UnitMachineInput => ({
          unit: context.unit!,
          assignment: context.assignment!,
          startAt: context.resume?.startAt ?? "implement",
          attempt: attemptsOf(context),
          iteration: context.iteration,
          round: context.resume?.round ?? 0,
          roundBase: context.resume?.roundBase ?? 0,
          maxFixRounds: context.resume?.humanFix ? 0 : (context.review?.maxFixRounds ?? 0),
          review: context.review !== null,
          verify: context.verify,
          verifyTimeoutMs: context.verifyTimeoutMs,
          commit: context.commit,
          taskTimeoutMs: context.taskTimeoutMs,
          rateLimitBackoffMs: context.rateLimitBackoffMs,
          detachOnStop: context.detachOnStop,
        }),
        onDone: [
          // Ending the agent or recording failed: it may still run, so nothing else starts.
          { guard: { type: "unitFailed", params: ({ event }) => event.output }, target: "failed", actions: { type: "haltUnitFailure", params: ({ event }) => event.output } },
          { guard: { type: "unitDetached", params: ({ event }) => event.output }, target: "stopped" },
          { guard: { type: "attemptEnded", params: ({ event }) => event.output }, target: "recorded", actions: { type: "setAttemptEnd", params: ({ event }) => event.output } },
          { target: "concluded", actions: { type: "setUnitOutput", params: ({ event }) => event.output } },
        ],
        onError: { target: "failed", actions: { type: "haltError", params: errorOf } },
      },
    },
    // The attempt is recorded (no review loop followed): what next, from its outcome and the recorder's answer.
    recorded: {
      always: [
        {
          guard: { type: "decisionContinues", params: ({ context }) => context.record! },
          target: "sleeping",
          actions: { type: "setPending", params: ({ context }) => context.record! },
        },
        { guard: "outcomeIsHalt", target: "halted", actions: "haltAgent" },
        {
          guard: { type: "nothingPending", params: ({ context }) => context.record! },
          target: "complete",
          actions: { type: "setPending", params: ({ context }) => context.record! },
        },
        { guard: "stopRequested", target: "stopped" },
        { guard: "outcomeIsOverBudget", target: "halted", actions: "haltOverBudget" },
        {
          guard: { type: "fallbackNow", params: ({ context }) => context.record! },
          target: "checkingBudget",
          actions: { type: "switchToFallback", params: ({ context }) => context.record! },
        },
        {
          guard: { type: "rateLimitWaitTooLong", params: ({ context }) => context.record! },
          target: "halted",
          actions: { type: "haltRateLimit", params: ({ context }) => context.record! },
        },
        {
          guard: "outcomeIsRateLimited",
          target: "rateLimited",
          actions: { type: "uncountRateLimited", params: ({ context }) => context.record! },
        },
        { guard: "attemptsUsedUp", target: "halted", actions: "haltAttempts" },
        { guard: "iterationLimitReached", target: "limitReached", actions: { type: "setPending", params: ({ context }) => context.record! } },
        { target: "sleeping", actions: { type: "setPending", params: ({ context }) => context.record! } },
      ],
    },
    // The unit's review loop ended and its concluder recorded it: what next, from how it ended.
    concluded: {
      always: [
        { guard: "unitStopped", target: "stopped" },
        { guard: "unitOverBudget", target: "halted", actions: "haltUnitBudget" },
        { guard: { type: "decisionHalts", params: ({ context }) => context.record! }, target: "halted", actions: "haltDecision" },
        {
          guard: { type: "nothingPending", params: ({ context }) => context.record! },
          target: "complete",
          actions: { type: "setPending", params: ({ context }) => context.record! },
        },
        { guard: "stopRequested", target: "stopped" },
        { guard: "iterationLimitReached", target: "limitReached", actions: { type: "setPending", params: ({ context }) => context.record! } },
        { target: "sleeping", actions: { type: "setPending", params: ({ context }) => context.record! } },
      ],
    },
    // --parallel N > 1: the rest of the run is one parallel run; its end is the run's end.
    runningParallel: {
      tags: ["busy", "agent"],
      on: { STOP: { actions: ["requestStop", "forwardStopToParallel"] } },
      invoke: {
        id: "parallelRun",
        src: "parallelRun",
        input: ({ context }): ParallelRunInput => ({
          ...context.plan!,
          parallel: context.parallel,
          maxAttempts: context.maxAttempts,
          attempts: context.attempts,
          maxIterations: context.maxIterations,
          iteration: context.iteration,
          haltOnDecision: context.haltOnDecision,
          delayMs: context.delayMs,
          maxWaitMs: context.maxWaitMs,
          rateLimitBackoffMs: context.rateLimitBackoffMs,
          lane: {
            review: context.review !== null,
            maxFixRounds: context.review?.maxFixRounds ?? 0,
            verify: context.verify,
            verifyTimeoutMs: context.verifyTimeoutMs,
            commit: context.commit,
            taskTimeoutMs: context.taskTimeoutMs,
            rateLimitBackoffMs: context.rateLimitBackoffMs,
          },
        }),
        onDone: [
          endOfParallel("complete"),
          endOfParallel("halted"),
          endOfParallel("limitReached"),
          endOfParallel("stopped"),
          endOfParallel("waitingForDecisions"),
          endOfParallel("failed"),
        ],
        onError: { target: "failed", actions: { type: "haltError", params: errorOf } },
      },
    },
    rateLimited: {
      tags: ["waiting-for-limit"],
      entry: "noteRateLimitWait",
      exit: "clearRateLimitWait",
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      after: { rateLimitDelay: "checkingBudget" },
    },
    sleeping: {
      entry: "noteSleeping",
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      after: { unitDelay: "idle" },
    },
    complete: { type: "final", entry: { type: "recordRunEnd", params: { final: "complete" } } },
    halted: { type: "final", entry: { type: "recordRunEnd", params: { final: "halted" } } },
    limitReached: { type: "final", entry: { type: "recordRunEnd", params: { final: "limitReached" } } },
    stopped: { type: "final", entry: { type: "recordRunEnd", params: { final: "stopped" } } },
    failed: { type: "final", entry: { type: "recordRunEnd", params: { final: "failed" } } },
    waitingForDecisions: { type: "final", entry: { type: "recordRunEnd", params: { final: "waitingForDecisions" } } },
  },
});

/** The machine's type, for `.provide()` and tests. */
export type OrchestratorMachine = typeof orchestratorMachine;
