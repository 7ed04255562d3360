// One dispatch unit's life, as its own XState machine, invoked by the run machine for each attempt at the unit:
// implement (dispatch → wait → verify → commit → record) → review → consolidate → done | fix → verify → commit →
// review … | blocked (a decision for a human). An attempt that does not end in TASK_DONE (or passes no check) ends
// the machine with its record, and the run decides: retry, wait out a rate limit, halt. A resumed unit starts in
// its review loop. Each review and fix round starts after a budget check (the run's limits; a limit reached blocks
// the unit with kind budget). Names only: src/actors implements the actors.
import { assign, fromPromise, setup } from "xstate";
import { notProvided, errorOf } from "./actor-slots.ts";
import type { AttemptInput, AttemptOutcome, CommitInput, CommitOutput, Dispatched, EnderInput, RecordInput, RecordOutput, SessionInput, UnitRef, VerifyInput, VerifyOutput } from "./types.ts";
import type { BlockKind, BudgetOutput, BudgetResumeAt, ConcludeInput, ConsolidateInput, LoopOutput, FixInput, FixOutput, ReviewInput, ReviewResults, RoundOutput, UnitContext, UnitEvent, UnitMachineInput, UnitOutput } from "./unit-types.ts";

export type * from "./unit-types.ts";

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const timerMs = (ms: number) => Math.min(Math.max(0, ms), 2_147_483_647);

/** Fix rounds from this one on run on --escalate-backend / --escalate-model (the reference's threshold). */
export const ESCALATE_FROM_ROUND = 3;

const blocked = (kind: BlockKind, reason: string) => ({ block: { kind, reason } });

/**
 * The state that checks the budget before a review or a fix round (invoke `id`): a limit reached blocks the unit
 * (kind budget, resuming at `at`), else it goes on to `next`; a failed check blocks it too.
 */
function budgetCheck(id: "budget" | "fixBudget", at: BudgetResumeAt, next: "reviewing" | "fixing", tags: string[]) {
  return {
    tags,
    on: { STOP: { target: "stopped", actions: "requestStop" } },
    invoke: {
      id,
      src: "budget",
      input: ({ context }: { context: UnitContext }) => ({ unit: context.unit }),
      onDone: [
        {
          guard: { type: "budgetReached", params: ({ event }: { event: { output: BudgetOutput } }) => event.output },
          target: "blocked",
          actions: { type: "blockBudget", params: ({ event }: { event: { output: BudgetOutput } }) => ({ out: event.output, at }) },
        },
        { target: next },
      ],
      onError: { target: "blocked", actions: { type: "blockError", params: errorOf } },
    },
  } as const;
}

/** A failed attempt outcome (the attempt is counted; its reason goes to the record and the next prompt). */
const failedOutcome = (reason: string, message: string): AttemptOutcome => ({ kind: "failed", reason, message, exitCode: null });
/** The agent's final message of an outcome that has one ("" otherwise). */
const messageOf = (outcome: AttemptOutcome | null): string => (outcome && "message" in outcome ? outcome.message : "");

/** How the review loop ended, from the context (the concluder records it). */
function loopOutputOf(context: UnitContext): LoopOutput {
  if (context.block) return { kind: "blocked", round: context.round, block: context.block.kind, reason: context.block.reason, ...(context.block.resumeAt ? { resumeAt: context.block.resumeAt } : {}) };
  return context.approved ? { kind: "completed", round: context.round } : { kind: "stopped", round: context.round };
}

/** The machine's output from how it ended (see UnitOutput). */
function outputOf(context: UnitContext): UnitOutput {
  if (context.failure) return { kind: "failed", round: context.round, error: context.failure.error };
  if (context.detached) return { kind: "detached", round: 0 };
  if (context.phase === "implement") return { kind: "attempt", round: 0, outcome: context.outcome!, record: context.record! };
  return { ...loopOutputOf(context), record: context.record! };
}

export const unitMachine = setup({
  types: {
    context: {} as UnitContext,
    events: {} as UnitEvent,
    input: {} as UnitMachineInput,
    output: {} as UnitOutput,
  },
  actors: {
    dispatcher: notProvided<Dispatched, AttemptInput>("dispatcher"),
    session: notProvided<AttemptOutcome, SessionInput>("session"),
    ender: notProvided<void, EnderInput>("ender"),
    recorder: notProvided<RecordOutput, RecordInput>("recorder"),
    concluder: notProvided<RecordOutput, ConcludeInput>("concluder"),
    reviewer: notProvided<ReviewResults, ReviewInput>("reviewer"),
    consolidator: notProvided<RoundOutput, ConsolidateInput>("consolidator"),
    fixer: notProvided<FixOutput, FixInput>("fixer"),
    verifier: notProvided<VerifyOutput, VerifyInput>("verifier"),
    committer: notProvided<CommitOutput, CommitInput>("committer"),
    // No limits unless the run provides its budget check (src/actors/budget.ts).
    budget: fromPromise<BudgetOutput, { unit: UnitRef }>(async () => ({ reached: null })),
  },
  guards: {
    startAtImplement: ({ context }) => context.startAt === "implement",
    startAtFix: ({ context }) => context.startAt === "fix",
    startAtVerify: ({ context }) => context.startAt === "verify",
    roundPassed: (_, out: RoundOutput) => out.kind === "pass",
    reviewerAsks: (_, out: RoundOutput) => out.kind === "needs_human",
    reviewerEdited: (_, out: RoundOutput) => out.kind === "review_failed" && out.edited,
    reviewFailed: (_, out: RoundOutput) => out.kind === "review_failed",
    stalemate: (_, out: RoundOutput) => out.stalemate.length > 0,
    fixRoundsUsedUp: ({ context }) => context.round - context.roundBase >= context.maxFixRounds,
    fixHalted: (_, out: FixOutput) => out.outcome.kind === "halt",
    fixRateLimited: (_, out: FixOutput) => out.outcome.kind === "rate-limited",
    fixStopped: ({ context }, out: FixOutput) => out.outcome.kind === "interrupted" || context.stopRequested,
    fixNotDone: (_, out: FixOutput) => out.outcome.kind !== "done",
    fixChangedNothing: (_, out: FixOutput) => !out.changed,
    verifyOn: ({ context }) => context.verify,
    commitOn: ({ context }) => context.commit,
    verifyFailed: (_, out: VerifyOutput) => !out.passed,
    stopRequested: ({ context }) => context.stopRequested,
    budgetReached: (_, out: BudgetOutput) => out.reached !== null,
    detachOnStop: ({ context }) => context.detachOnStop,
    stopRequestedAndDetach: ({ context }) => context.stopRequested && context.detachOnStop,
    doneAndVerify: ({ context }, outcome: AttemptOutcome) => outcome.kind === "done" && context.verify,
    doneAndCommit: ({ context }, outcome: AttemptOutcome) => outcome.kind === "done" && context.commit,
    /** A TASK_DONE recorded, --review on, no stop asked for: the review loop follows. */
    reviewAfterDone: ({ context }) => context.outcome?.kind === "done" && context.review && !context.stopRequested,
  },
  actions: {
    setDispatched: assign((_, dispatched: Dispatched) => ({ dispatched })),
    failDispatch: assign((_, error: unknown) => ({ outcome: failedOutcome(`could not start the agent: ${errorText(error)}`, "") })),
    setOutcome: assign((_, outcome: AttemptOutcome) => ({ outcome })),
    failSession: assign((_, error: unknown) => ({ outcome: failedOutcome(`lost track of the agent: ${errorText(error)}`, "") })),
    endForTimeout: assign({ endReason: "timeout" as const }),
    endForStop: assign({ endReason: "stopped" as const, stopRequested: true }),
    setEndedOutcome: assign(({ context }) => ({
      outcome:
        context.endReason === "timeout"
          ? { kind: "timeout" as const, reason: `timed out after ${Math.round(context.taskTimeoutMs / 1000)} s (--task-timeout)`, message: "" }
          : { kind: "interrupted" as const, reason: "stopped by the user" },
    })),
    failVerify: assign(({ context }, output: VerifyOutput) => ({ outcome: failedOutcome(output.reason ?? "verify failed", messageOf(context.outcome)) })),
    failVerifyTimeout: assign(({ context }) => ({
      outcome: failedOutcome(`verify failed: the checks timed out after ${Math.round(context.verifyTimeoutMs / 1000)} s (--verify-timeout)`, messageOf(context.outcome)),
    })),
    interruptStep: assign({ outcome: { kind: "interrupted" as const, reason: "stopped by the user" }, stopRequested: true }),
    failStep: assign(({ context }, error: unknown) => ({
      outcome: failedOutcome(`${context.outcome?.kind === "done" ? "commit failed" : "failed"}: ${errorText(error)}`, messageOf(context.outcome)),
    })),
    setRecord: assign((_, record: RecordOutput) => ({ record })),
    enterReview: assign({ phase: "review" as const }),
    markDetached: assign({ detached: true, stopRequested: true }),
    setFailure: assign((_, error: unknown) => ({ failure: { error } })),
    setResults: assign((_, results: ReviewResults) => ({ results })),
    setRound: assign((_, last: RoundOutput) => ({ last })),
    beginFixRound: assign(({ context }) => ({ round: context.round + 1, rateLimitHits: 0, fix: null, verifyResult: null, commitResult: null })),
    setFix: assign((_, fix: FixOutput) => ({ fix })),
    countRateLimit: assign(({ context }) => ({ rateLimitHits: context.rateLimitHits + 1 })),
    setVerify: assign((_, verifyResult: VerifyOutput) => ({ verifyResult })),
    setCommit: assign((_, commitResult: CommitOutput) => ({ commitResult })),
    requestStop: assign({ stopRequested: true }),
    approve: assign({ approved: true }),
    blockQuestion: assign((_, out: RoundOutput) => blocked("reviewer_question", out.summary)),
    blockEdited: assign((_, out: RoundOutput) => blocked("scope_violation", out.summary)),
    blockReviewFailed: assign((_, out: RoundOutput) => blocked("review_failed", out.summary)),
    blockStalemate: assign(({ context }, out: RoundOutput) =>
      blocked("review_exhausted", `finding${out.stalemate.length > 1 ? "s" : ""} ${out.stalemate.join(", ")} still valid in two rounds in a row (after fix round ${context.round})`),
    ),
    blockExhausted: assign(({ context }, out: RoundOutput) => {
      const rounds = context.round - context.roundBase;
      return blocked("review_exhausted", `still blocking after ${rounds} fix round${rounds === 1 ? "" : "s"}: ${out.summary}`);
    }),
    blockHalt: assign(({ context }) => blocked("halt", `the fixing agent asked for a human in fix round ${context.round}`)),
    blockUnchanged: assign(({ context }) => blocked("review_exhausted", `fix round ${context.round} changed nothing`)),
    blockFailedFix: assign(({ context }) => blocked("review_exhausted", `fix round ${context.round} did not succeed and no fix round is left`)),
    blockError: assign((_, error: unknown) => blocked("review_failed", `the review loop failed: ${errorText(error)}`)),
    blockBudget: assign((_, params: { out: BudgetOutput; at: BudgetResumeAt }) => ({ block: { kind: "budget" as const, reason: params.out.reached ?? "", resumeAt: params.at } })),
  },
  delays: {
    taskTimeout: ({ context }) => timerMs(context.taskTimeoutMs),
    fixTimeout: ({ context }) => timerMs(context.taskTimeoutMs),
    verifyTimeout: ({ context }) => timerMs(context.verifyTimeoutMs),
    fixBackoff: ({ context }) => timerMs(context.rateLimitBackoffMs * 2 ** Math.min(context.rateLimitHits - 1, 20)),
  },
}).createMachine({
  id: "unit",
  context: ({ input }): UnitContext => ({
    ...input,
    phase: input.startAt === "implement" ? "implement" : "review",
    dispatched: null,
    outcome: null,
    endReason: null,
    record: null,
    detached: false,
    failure: null,
    rateLimitHits: 0,
    last: null,
    results: [],
    fix: null,
    verifyResult: null,
    commitResult: null,
    block: null,
    stopRequested: false,
    approved: false,
  }),
  initial: "starting",
  output: ({ context }) => outputOf(context),
  states: {
    starting: {
      always: [
        { guard: "startAtImplement", target: "implementing" },
        { guard: "startAtFix", target: "checkingFixBudget" },
        { guard: "startAtVerify", target: "checkingHumanFix" },
        { target: "checkingReviewBudget" },
      ],
    },
    // One attempt at the unit: the agent, seqorch's checks after its TASK_DONE (--verify), the commit (--commit),
    // and its record (state, progress log, tasks.md). Only the record leaves it (or a detach, or an internal failure).
    implementing: {
      initial: "dispatching",
      states: {
        dispatching: {
          tags: ["busy", "agent"],
          on: { STOP: { actions: "requestStop" } },
          invoke: {
            id: "dispatcher",
            src: "dispatcher",
            input: ({ context }) => ({ unit: context.unit, assignment: context.assignment, attempt: context.attempt, iteration: context.iteration }),
            onDone: { target: "waiting", actions: { type: "setDispatched", params: ({ event }) => event.output } },
            onError: { target: "recording", actions: { type: "failDispatch", params: errorOf } },
          },
        },
        waiting: {
          tags: ["busy", "agent"],
          // A stop asked for while the agent was starting ends it the same way as one that comes now.
          always: [
            { guard: "stopRequestedAndDetach", target: "#unit.detached", actions: "markDetached" },
            { guard: "stopRequested", target: "ending", actions: "endForStop" },
          ],
          on: {
            STOP: [
              { guard: "detachOnStop", target: "#unit.detached", actions: "markDetached" },
              { target: "ending", actions: "endForStop" },
            ],
          },
          after: { taskTimeout: { target: "ending", actions: "endForTimeout" } },
          invoke: {
            id: "session",
            src: "session",
            input: ({ context }) => ({
              unit: context.unit,
              assignment: context.assignment,
              attempt: context.attempt,
              iteration: context.iteration,
              dispatched: context.dispatched!,
              stopRequested: context.stopRequested,
            }),
            onDone: [
              { guard: { type: "doneAndVerify", params: ({ event }) => event.output }, target: "verifying", actions: { type: "setOutcome", params: ({ event }) => event.output } },
              { guard: { type: "doneAndCommit", params: ({ event }) => event.output }, target: "committing", actions: { type: "setOutcome", params: ({ event }) => event.output } },
              { target: "recording", actions: { type: "setOutcome", params: ({ event }) => event.output } },
            ],
            onError: { target: "recording", actions: { type: "failSession", params: errorOf } },
          },
        },
        // The agent said TASK_DONE: seqorch's own checks decide (--verify). A failure is a failed attempt.
        verifying: {
          tags: ["busy"],
          on: { STOP: { target: "recording", actions: "interruptStep" } },
          after: { verifyTimeout: { target: "recording", actions: "failVerifyTimeout" } },
          invoke: {
            id: "verifier",
            src: "verifier",
            input: ({ context }) => ({ unit: context.unit, attempt: context.attempt, dispatched: context.dispatched! }),
            onDone: [
              { guard: { type: "verifyFailed", params: ({ event }) => event.output }, target: "recording", actions: { type: "failVerify", params: ({ event }) => event.output } },
              { guard: "commitOn", target: "committing" },
              { target: "recording" },
            ],
            onError: { target: "recording", actions: { type: "failStep", params: errorOf } },
          },
        },
        // One commit of the unit's own files (--commit); a stop waits for it (a commit takes milliseconds).
        committing: {
          tags: ["busy"],
          on: { STOP: { actions: "requestStop" } },
          invoke: {
            id: "committer",
            src: "committer",
            input: ({ context }) => ({ unit: context.unit, round: 0 }),
            onDone: { target: "recording" },
            onError: { target: "recording", actions: { type: "failStep", params: errorOf } },
          },
        },
        ending: {
          tags: ["busy", "agent"],
          on: { STOP: { actions: "requestStop" } },
          invoke: {
            id: "ender",
            src: "ender",
            input: ({ context }) => ({ dispatched: context.dispatched!, reason: context.endReason ?? "stopped" }),
            onDone: { target: "recording", actions: "setEndedOutcome" },
            // The old agent may still be running: the run must not go on to another attempt beside it.
            onError: { target: "#unit.failed", actions: { type: "setFailure", params: errorOf } },
          },
        },
        recording: {
          tags: ["busy"],
          on: { STOP: { actions: "requestStop" } },
          invoke: {
            id: "recorder",
            src: "recorder",
            input: ({ context }) => ({ unit: context.unit, assignment: context.assignment, attempt: context.attempt, iteration: context.iteration, outcome: context.outcome! }),
            onDone: [
              { guard: "reviewAfterDone", target: "#unit.checkingReviewBudget", actions: [{ type: "setRecord", params: ({ event }) => event.output }, "enterReview"] },
              { target: "#unit.attemptEnded", actions: { type: "setRecord", params: ({ event }) => event.output } },
            ],
            onError: { target: "#unit.failed", actions: { type: "setFailure", params: errorOf } },
          },
        },
      },
    },
    // A human fixed the unit (`seqorch decide … fixed`): its checks, its commit, then one review.
    checkingHumanFix: {
      always: [{ guard: "verifyOn", target: "verifying" }, { guard: "commitOn", target: "committing" }, { target: "checkingReviewBudget" }],
    },
    // Before a review, and before a fix round (and its retry after a rate limit): is the run (or the unit) over its
    // budget? Then the unit waits for a human (kind budget), and a `retry` goes on where it stopped.
    checkingReviewBudget: budgetCheck("budget", "review", "reviewing", ["busy", "review"]),
    checkingFixBudget: budgetCheck("fixBudget", "fix", "fixing", ["busy"]),
    reviewing: {
      tags: ["busy", "review"],
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      invoke: {
        id: "reviewer",
        src: "reviewer",
        input: ({ context }) => ({ unit: context.unit, round: context.round }),
        onDone: { target: "consolidating", actions: { type: "setResults", params: ({ event }) => event.output } },
        onError: { target: "blocked", actions: { type: "blockError", params: errorOf } },
      },
    },
    consolidating: {
      tags: ["busy", "review"],
      on: { STOP: { actions: "requestStop" } },
      invoke: {
        id: "consolidator",
        src: "consolidator",
        input: ({ context }) => ({ unit: context.unit, round: context.round, results: context.results }),
        onDone: [
          { guard: { type: "roundPassed", params: ({ event }) => event.output }, target: "done", actions: [{ type: "setRound", params: ({ event }) => event.output }, "approve"] },
          { guard: { type: "reviewerAsks", params: ({ event }) => event.output }, target: "blocked", actions: { type: "blockQuestion", params: ({ event }) => event.output as never } },
          { guard: { type: "reviewerEdited", params: ({ event }) => event.output }, target: "blocked", actions: { type: "blockEdited", params: ({ event }) => event.output as never } },
          { guard: { type: "reviewFailed", params: ({ event }) => event.output }, target: "blocked", actions: { type: "blockReviewFailed", params: ({ event }) => event.output as never } },
          { guard: { type: "stalemate", params: ({ event }) => event.output }, target: "blocked", actions: { type: "blockStalemate", params: ({ event }) => event.output as never } },
          { guard: "fixRoundsUsedUp", target: "blocked", actions: { type: "blockExhausted", params: ({ event }) => event.output as never } },
          // A stop asked for while the round was being recorded: no fix agent starts.
          { guard: "stopRequested", target: "stopped" },
          { target: "checkingFixBudget", actions: [{ type: "setRound", params: ({ event }) => event.output }, "beginFixRound"] },
        ],
        onError: { target: "blocked", actions: { type: "blockError", params: errorOf } },
      },
    },
    fixing: {
      tags: ["busy", "agent"],
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      after: { fixTimeout: { target: "fixFailed" } },
      invoke: {
        id: "fixer",
        src: "fixer",
        input: ({ context }) => ({ unit: context.unit, round: context.round, escalate: context.round - context.roundBase >= ESCALATE_FROM_ROUND, assignment: context.assignment }),
        onDone: [
          { guard: { type: "fixHalted", params: ({ event }) => event.output }, target: "blocked", actions: "blockHalt" },
          { guard: { type: "fixRateLimited", params: ({ event }) => event.output }, target: "fixWaiting", actions: "countRateLimit" },
          { guard: { type: "fixStopped", params: ({ event }) => event.output }, target: "stopped", actions: "requestStop" },
          { guard: { type: "fixNotDone", params: ({ event }) => event.output }, target: "fixFailed", actions: { type: "setFix", params: ({ event }) => event.output } },
          { guard: { type: "fixChangedNothing", params: ({ event }) => event.output }, target: "blocked", actions: "blockUnchanged" },
          { guard: "verifyOn", target: "verifying", actions: { type: "setFix", params: ({ event }) => event.output } },
          { guard: "commitOn", target: "committing", actions: { type: "setFix", params: ({ event }) => event.output } },
          { target: "checkingReviewBudget", actions: { type: "setFix", params: ({ event }) => event.output } },
        ],
        onError: { target: "fixFailed" },
      },
    },
    fixWaiting: {
      tags: ["waiting-for-limit"],
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      after: { fixBackoff: "checkingFixBudget" },
    },
    // A fix round that did not end in a passing fix (no marker, timed out, failed checks) counts as that round.
    fixFailed: {
      always: [
        { guard: "stopRequested", target: "stopped" },
        { guard: "fixRoundsUsedUp", target: "blocked", actions: "blockFailedFix" },
        { target: "checkingFixBudget", actions: "beginFixRound" },
      ],
    },
    verifying: {
      tags: ["busy"],
      on: { STOP: { target: "stopped", actions: "requestStop" } },
      after: { verifyTimeout: { target: "fixFailed" } },
      invoke: {
        id: "verifier",
        src: "verifier",
        input: ({ context }) => ({
          unit: context.unit,
          attempt: context.round,
          dispatched: { attempt: context.round, outLog: context.fix?.outLog ?? "", handle: null },
        }),
        onDone: [
          { guard: { type: "verifyFailed", params: ({ event }) => event.output }, target: "fixFailed", actions: { type: "setVerify", params: ({ event }) => event.output } },
          { guard: "commitOn", target: "committing", actions: { type: "setVerify", params: ({ event }) => event.output } },
          { target: "checkingReviewBudget", actions: { type: "setVerify", params: ({ event }) => event.output } },
        ],
        onError: { target: "fixFailed" },
      },
    },
    committing: {
      tags: ["busy"],
      on: { STOP: { actions: "requestStop" } },
      invoke: {
        id: "committer",
        src: "committer",
        input: ({ context }) => ({ unit: context.unit, round: context.round }),
        onDone: [
          { guard: "stopRequested", target: "stopped", actions: { type: "setCommit", params: ({ event }) => event.output } },
          { target: "checkingReviewBudget", actions: { type: "setCommit", params: ({ event }) => event.output } },
        ],
        onError: { target: "fixFailed" },
      },
    },
    // The loop's three ends, each recorded by the concluder: completed (ticked), blocked (a decision), stopped.
    done: { always: "concluding" },
    blocked: { always: "concluding" },
    stopped: { always: "concluding" },
    concluding: {
      tags: ["busy"],
      on: { STOP: { actions: "requestStop" } },
      invoke: {
        id: "concluder",
        src: "concluder",
        input: ({ context }) => ({ unit: context.unit, output: loopOutputOf(context) }),
        onDone: { target: "concluded", actions: { type: "setRecord", params: ({ event }) => event.output } },
        onError: { target: "failed", actions: { type: "setFailure", params: errorOf } },
      },
    },
    /** The loop's end is recorded. */
    concluded: { type: "final" },
    /** The attempt is recorded and no review follows: the run decides what comes next. */
    attemptEnded: { type: "final" },
    /** Stopped with --detach-on-stop: the agent keeps running for the next run to adopt. */
    detached: { type: "final" },
    /** Ending the agent or recording the attempt failed: the run ends in failed. */
    failed: { type: "final" },
  },
});

/** The unit machine's type, for `.provide()` and tests. */
export type UnitMachine = typeof unitMachine;
