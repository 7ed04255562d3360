// Binds the machine's named actors to their implementations for one run (used with machine.provide()).
import { fromPromise } from "xstate";
import type {
  Assignment,
  AttemptInput,
  AttemptOutcome,
  BudgetOutput,
  Dispatched,
  EnderInput,
  PlannerInput,
  PlannerOutput,
  RecordInput,
  RecordOutput,
  SessionInput,
  UnitRef,
  VerifyInput,
  VerifyOutput,
  CommitInput,
  CommitOutput,
  ConcludeInput,
  FinalState,
  OrchestratorContext,
} from "../../machines/orchestrator.ts";
import { parallelMachine, type MergeInput, type MergeOutput, type PrepareInput, type PrepareOutput } from "../../machines/parallel.ts";
import { unitMachine, type ConsolidateInput, type FixInput, type FixOutput, type ReviewInput, type ReviewResults, type RoundOutput } from "../../machines/unit.ts";
import { concludeUnit } from "./concluder.ts";
import { consolidateRound } from "./consolidator.ts";
import { fixRound } from "./fixer.ts";
import { reviewRound } from "./reviewer.ts";
import { commitRound } from "./committer.ts";
import { verifyAttempt } from "./verifier.ts";
import type { AttemptHandle } from "../runner/types.ts";
import type { DispatchUnit } from "../spec/types.ts";
import { assignUnit, NO_ASSIGNMENT, type AssignConfig } from "./assignment.ts";
import { checkBudget, checkBudgetBeforeDispatch } from "./budget.ts";
import { dispatchAttempt } from "./dispatcher.ts";
import { recordAttempt } from "./recorder.ts";
import { crashPoint } from "../fault-injection.ts";
import type { RunContext } from "./run-context.ts";
import { awaitAttempt } from "./session.ts";
import { newPlanMemory, planNext, unitOfPlan } from "./planner.ts";
import { mergeTurn, prepareUnit } from "./parallel-lanes.ts";
import { createGcPolicy, gcRuleFromEnv } from "./gc-policy.ts";


/**
 * The effects the machine names as actions: a sleep between units shown on the display, and a rate-limit wait
 * recorded in the state (`seqorch status` shows it) from the moment it starts to the moment it ends.
 */
export function provideActions(context: RunContext) {
  return {
    noteSleeping: ({ context: machine }: { context: OrchestratorContext }) => {
      crashPoint("sleep");
      context.report({ type: "sleeping", untilMs: Date.now() + machine.delayMs });
    },
    noteRateLimitWait: ({ context: machine }: { context: OrchestratorContext }) => {
      const unit = machine.unit;
      if (!unit) return;
      const until = Date.now() + machine.rateLimitDelayMs;
      const reason = machine.outcome && "reason" in machine.outcome ? machine.outcome.reason : "rate limited";
      context.report({ type: "rate-limited", unitId: unit.id, untilMs: until, reason });
      context.store.update((state) => void (state.waiting = { unit: unit.key, until: new Date(until).toISOString(), reason }));
    },
    clearRateLimitWait: () => {
      if (context.store.get().waiting) context.store.update((state) => void (state.waiting = null));
    },
    // The end of the run in the state: nothing current (or the detached attempt marked), no wait, completed_at, the halt.
    recordRunEnd: ({ context: machine }: { context: OrchestratorContext }, params: { final: FinalState }) => {
      const endedAt = new Date().toISOString();
      const unit = machine.unit;
      const detached = params.final === "stopped" && machine.detachOnStop && unit ? context.store.get().attempts[unit.key]?.findLast((a) => a.status === "running") : undefined;
      try {
        context.store.update((state) => {
          if (detached && unit) {
            const record = state.attempts[unit.key]?.find((a) => a.n === detached.n);
            if (record) record.detached = true;
          } else state.current = null;
          state.waiting = null;
          if (params.final === "complete") state.completed_at ??= endedAt;
          if (params.final === "halted") {
            state.halted = true;
            state.halted_task = unit?.key ?? null;
            state.halted_reason = machine.haltReason;
            state.halted_at = endedAt;
          }
        });
      } catch (error) {
        context.memory.endError = error; // rethrown by runSpec once the machine has stopped
      }
    },
  };
}

/**
 * The actors of one run: the run machine's (planner, assigner, budget, concluder) and, inside `unit`, the unit
 * machine's (dispatcher, session, ender, verifier, committer, recorder, reviewer, consolidator, fixer, budget).
 * The planner keeps the units of its latest plan so that the unit's actors work on exactly the unit it chose
 * (with its sub-tasks as read at that moment).
 */
export function provideActors(context: RunContext, assign: AssignConfig = NO_ASSIGNMENT) {
  const plans = newPlanMemory();
  let dispatches = 0;
  // A full collection once the heap has grown enough (src/actors/gc-policy.ts), run just after an agent started
  // (while this process would only wait for it), not between two units: README, what the heap holds.
  const gc = createGcPolicy(gcRuleFromEnv());
  const unitOf = (ref: UnitRef): DispatchUnit => unitOfPlan(plans, ref);
  // One unit's machine with the run's actors: the serial run invokes it, the parallel run spawns N of it.
  const unit = unitMachine.provide({
    actors: {
      dispatcher: fromPromise<Dispatched, AttemptInput>(async ({ input }) => {
        const dispatched = await dispatchAttempt(context, unitOf(input.unit), input);
        gc.afterDispatch(++dispatches);
        return dispatched;
      }),
      session: fromPromise<AttemptOutcome, SessionInput>(({ input, signal }) => awaitAttempt(context, input, signal)),
      ender: fromPromise<void, EnderInput>(async ({ input }) => {
        await context.runner.kill(input.dispatched.handle as AttemptHandle);
      }),
      recorder: fromPromise<RecordOutput, RecordInput>(async ({ input }) => recordAttempt(context, unitOf(input.unit), input)),
      reviewer: fromPromise<ReviewResults, ReviewInput>(({ input, signal }) => reviewRound(context, unitOf(input.unit), input, signal)),
      consolidator: fromPromise<RoundOutput, ConsolidateInput>(async ({ input }) => consolidateRound(context, input)),
      fixer: fromPromise<FixOutput, FixInput>(({ input, signal }) => fixRound(context, unitOf(input.unit), input, signal)),
      verifier: fromPromise<VerifyOutput, VerifyInput>(({ input, signal }) => verifyAttempt(context, input, signal)),
      committer: fromPromise<CommitOutput, CommitInput>(({ input }) => commitRound(context, input)),
      budget: fromPromise<BudgetOutput, { unit: UnitRef }>(async ({ input }) => checkBudget(context, input.unit)),
      concluder: fromPromise<RecordOutput, ConcludeInput>(({ input }) => concludeUnit(context, unitOf(input.unit), input)),
    },
  });
  return {
    planner: fromPromise<PlannerOutput, PlannerInput>(({ signal }) => planNext(context, assign, plans, signal)),
    assigner: fromPromise<Assignment, { unit: UnitRef }>(({ input, signal }) => assignUnit(context, assign, input.unit, signal)),
    unit,
    parallelRun: parallelMachine.provide({
      actors: {
        unit,
        preparer: fromPromise<PrepareOutput, PrepareInput>(({ input, signal }) => prepareUnit(context, unitOf(input.unit), signal)),
        merger: fromPromise<MergeOutput, MergeInput>(({ input }) => mergeTurn(context, unitOf(input.unit))),
      },
    }),
    budget: fromPromise<BudgetOutput, { unit: UnitRef }>(async ({ input }) => checkBudgetBeforeDispatch(context, input.unit)),
  };
}
