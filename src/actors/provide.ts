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
  ResumeAt,
} from "../../machines/orchestrator.ts";
import { parallelMachine, type MergeInput, type MergeOutput, type PrepareInput, type PrepareOutput } from "../../machines/parallel.ts";
import { unitMachine, type ConsolidateInput, type FixInput, type FixOutput, type ReviewInput, type ReviewResults, type RoundOutput } from "../../machines/unit.ts";
import { concludeUnit } from "./concluder.ts";
import { consolidateRound } from "./consolidator.ts";
import { fixRound } from "./fixer.ts";
import { reviewRound } from "./reviewer.ts";
import { commitRound } from "./committer.ts";
import { nextNotWaiting, skippedKeys, unblockedKeys, waitingKeys } from "./decisions.ts";
import { openDecisions, type UnitPipeline } from "../store/pipeline.ts";
import { verifyAttempt } from "./verifier.ts";
import type { AttemptHandle } from "../runner/types.ts";
import type { DispatchUnit, Plan } from "../spec/types.ts";
import { assignUnit, NO_ASSIGNMENT, type AssignConfig } from "./assignment.ts";
import { checkBudget, checkBudgetBeforeDispatch } from "./budget.ts";
import { dispatchAttempt } from "./dispatcher.ts";
import { recordAttempt } from "./recorder.ts";
import { dropAdoptable } from "./recover-run.ts";
import { appendProgressNote } from "../store/progress.ts";
import { crashPoint } from "../fault-injection.ts";
import { describeChanges, rememberPlan } from "./spec-changes.ts";
import type { RunContext } from "./run-context.ts";
import { awaitAttempt } from "./session.ts";
import { planParallel } from "./parallel-planner.ts";
import { openUnitWorktree } from "./worktree-open.ts";
import { mergeUnitWorktree } from "./merge-worktree.ts";
import { renameMergedCommits } from "./merged-commits.ts";
import { refreshPulse } from "./pulse-writer.ts";
import { recordDecision } from "./decisions.ts";
import { WorktreeSetupError } from "../errors.ts";
import { manifestKind, unitManifest } from "../schedule/manifest.ts";

const refOf = (unit: DispatchUnit): UnitRef => ({ key: unit.key, id: unit.id, title: unit.title });

/** Why nothing can run although units are pending: which units wait for what. */
function blockedReason(pending: DispatchUnit[], doneKeys: Set<string>): string {
  const waits = pending.slice(0, 3).map((u) => `${u.id} waits for ${u.dependsOn.filter((d) => !doneKeys.has(d)).join(", ") || "?"}`);
  return `no unit can run: ${waits.join("; ")}${pending.length > 3 ? ` (and ${pending.length - 3} more)` : ""}`;
}

/** Where a unit's review loop resumes after a stop or a crash, from its pipeline record (null: implement it). */
function resumeOf(record: UnitPipeline | undefined): ResumeAt | null {
  if (!record) return null;
  const at = (startAt: ResumeAt["startAt"], round: number): ResumeAt => ({ startAt, round, roundBase: record.fix_base, humanFix: record.human_fix });
  if (record.human_fix && record.status === "in_progress") return at("verify", record.round);
  if (record.status === "pending_review" || record.status === "under_review") return at("review", record.round);
  if (record.status === "fix_required") return at("fix", record.round + 1);
  if (record.status === "in_progress" && record.round > 0) return at("fix", record.round);
  return null;
}

/**
 * Before a parallel unit's agent starts: the run's budget (a limit reached: a budget decision, the run halts), then
 * its place: a unit without a manifest runs alone in the main checkout, as in a serial run (unless a killed run left
 * it a worktree); every other unit gets its worktree (opened, or adopted after a kill). A failed --worktree-setup
 * blocks this unit alone with a `worktree_setup` decision. Other failures (git) are thrown: the run ends in failed.
 */
async function prepareUnit(context: RunContext, unit: DispatchUnit, signal: AbortSignal): Promise<PrepareOutput> {
  const ref = refOf(unit);
  const budget = checkBudgetBeforeDispatch(context, ref);
  if (budget.reached) return { kind: "over-budget", reached: budget.reached };
  const manifest = unitManifest(unit, context.store.get().assignments[unit.key] ?? {});
  const record = context.store.get().worktrees?.[unit.key];
  // A person's fix (`decide … fixed`) is in the main checkout: it is checked and reviewed there.
  const humanFix = context.store.get().pipeline[unit.key]?.human_fix === true;
  if ((manifestKind(manifest) === "none" || humanFix) && !record) return { kind: "ready", inPlace: true };
  try {
    await openUnitWorktree(context, ref, signal);
    return { kind: "ready", inPlace: false };
  } catch (error) {
    if (!(error instanceof WorktreeSetupError)) throw error;
    // A set-up ended by the run's stop is no decision: the next run sets the worktree up again.
    if (error.stopped) return { kind: "stopped" };
    recordDecision(context, ref, "worktree_setup", error.message, [error.log]);
    return { kind: "blocked", reason: error.message };
  }
}

/** A merge turn's result as the parallel run's schedule needs it (the decision, if any, is already recorded). */
function mergeOutputOf(result: Awaited<ReturnType<typeof mergeUnitWorktree>>): MergeOutput {
  switch (result.kind) {
    case "merged":
      return { kind: "merged" };
    case "run-alone":
      return { kind: "run-alone", reason: result.reason };
    case "decision":
      return { kind: "decision", reason: result.question };
    case "stopped":
      return { kind: "stopped" };
  }
}

const GC_EVERY = Number(process.env.SEQORCH_GC_EVERY ?? 4);

/**
 * Every few units, a full garbage collection, run just after an agent started (while this process would only
 * wait for it), not between two units. Each unit's short-lived objects (the plan made again after each tick,
 * the texts of tasks.md read and written, git's and the agent's output read through pipes) live across the
 * event-loop turns of the unit, so the young-generation collections promote them and they pile up in the old
 * generation: without this, anonymous memory ends about 10 MB higher after 200 units (+23 MB over a compiled
 * hello-world instead of +13 MB; every 8 units: +15 MB). The live heap itself is 6–8 MB, most of it compiled
 * code. About 2 ms of CPU each (scripts/bench.ts measures all of this).
 */
function collectGarbage(dispatches: number): void {
  if (GC_EVERY > 0 && dispatches % GC_EVERY === 0) Bun.gc(true);
}

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
  const units = new Map<string, DispatchUnit>();
  /** The plan the planner saw last and the reading of tasks.md it came from. */
  let memory: { plan: Plan; generation: number } | null = null;
  let dispatches = 0;
  const unitOf = (ref: UnitRef): DispatchUnit => {
    const unit = units.get(ref.key);
    if (!unit) throw new Error(`unit ${ref.key} is not in the current plan`);
    return unit;
  };
  // One unit's machine with the run's actors: the serial run invokes it, the parallel run spawns N of it.
  const unit = unitMachine.provide({
    actors: {
      dispatcher: fromPromise<Dispatched, AttemptInput>(async ({ input }) => {
        const dispatched = await dispatchAttempt(context, unitOf(input.unit), input);
        collectGarbage(++dispatches);
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
    planner: fromPromise<PlannerOutput, PlannerInput>(async ({ signal }) => {
      const view = context.planReader.read(context.store.get().completed);
      // Only a reading of tasks.md from disk can hold someone else's change: after seqorch's own checkbox
      // writes (same generation) the comparison would find nothing, so it is not made.
      if (memory && memory.generation !== view.generation) {
        const changes = describeChanges(rememberPlan(memory.plan), view.plan, new Set(context.store.get().completed));
        if (changes.length) {
          context.report({ type: "spec-changed", detail: changes.join("; ") });
          appendProgressNote(context.paths.progressFile, `tasks.md changed ${new Date().toISOString()}`, changes);
        }
      }
      memory = { plan: view.plan, generation: view.generation };
      units.clear();
      for (const unit of view.plan.units) units.set(unit.key, unit);
      for (const key of [...context.adoptable.keys()]) if (!view.pending.some((u) => u.key === key)) await dropAdoptable(context, key);
      // A unit a human skipped (`decide … skip`) is left undone on purpose: the run can complete without it.
      const skipped = skippedKeys(context.store.get());
      if (view.pending.every((u) => skipped.has(u.key))) return { kind: "complete" };
      if (context.gates.parallel) {
        const resume = (key: string) => (context.gates.review ? resumeOf(context.store.get().pipeline[key]) : null);
        return { kind: "parallel", pending: view.pending.length, plan: await planParallel(context, assign, view, resume, signal) };
      }
      const waiting = waitingKeys(context.store.get());
      const done = new Set([...context.store.get().completed, ...unblockedKeys(context.store.get())]);
      const nextFree = waiting.size ? nextNotWaiting(view.plan, view.pending, done, waiting) : view.next;
      const open = openDecisions(context.store.get().decisions);
      if (!nextFree && open.length) {
        const ids = open.map((d) => view.plan.units.find((u) => u.key === d.unit)?.id ?? d.unit);
        return { kind: "waiting", pending: view.pending.length, decisions: open.length, reason: `waiting for ${open.length} decision${open.length === 1 ? "" : "s"} (unit${ids.length === 1 ? "" : "s"} ${ids.join(", ")}); nothing else can run` };
      }
      if (!nextFree) {
        const doneKeys = new Set([...context.store.get().completed, ...view.plan.units.filter((u) => u.done).map((u) => u.key)]);
        return { kind: "blocked", pending: view.pending.length, reason: blockedReason(view.pending, doneKeys) };
      }
      const position = view.counted.length - view.pending.length + 1;
      // An attempt adopted from a run stopped with --detach-on-stop goes first: never a second agent beside it.
      const next = view.pending.find((u) => context.adoptable.has(u.key)) ?? nextFree;
      const after = view.pending.find((u) => u.key !== next.key);
      context.report({ type: "unit-next", unitId: next.id, title: next.title, position, total: view.counted.length, nextId: after?.id ?? null });
      return { kind: "next", unit: refOf(next), pending: view.pending.length, resume: context.gates.review ? resumeOf(context.store.get().pipeline[next.key]) : null };
    }),
    assigner: fromPromise<Assignment, { unit: UnitRef }>(({ input, signal }) => assignUnit(context, assign, input.unit, signal)),
    unit,
    parallelRun: parallelMachine.provide({
      actors: {
        unit,
        preparer: fromPromise<PrepareOutput, PrepareInput>(({ input, signal }) => prepareUnit(context, unitOf(input.unit), signal)),
        merger: fromPromise<MergeOutput, MergeInput>(async ({ input }) => {
          const result = await mergeUnitWorktree(context, unitOf(input.unit));
          if (result.kind === "merged") await renameMergedCommits(context, input.unit.key, result.head, result.commits);
          refreshPulse(context); // a merge completes a unit (or makes a decision): the morning page says so
          return mergeOutputOf(result);
        }),
      },
    }),
    budget: fromPromise<BudgetOutput, { unit: UnitRef }>(async ({ input }) => checkBudgetBeforeDispatch(context, input.unit)),
  };
}
