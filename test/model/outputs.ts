// The model's world: a few units run in file order, realistic outputs per invoke id, and the inputs to explore.
// Outputs are functions of the machine's context, so the planner and the recorder stay consistent with what
// was recorded so far (a done unit is never planned again; `pending` counts the units not done).
import type { Assignment, AttemptOutcome, BudgetOutput, OrchestratorContext, OrchestratorInput, PlannerOutput, RecordOutput, UnitRef } from "../../machines/orchestrator.ts";
import type { LoopOutput, UnitOutput } from "../../machines/unit.ts";
import type { ParallelPlan } from "../../machines/types.ts";
import type { ParallelRunOutput } from "../../machines/parallel.ts";
import type { EventObject } from "xstate";
import { modelError, type EventTable } from "./machine-model.ts";

/** A frozen "now" for the suite: the machine reads Date.now() for rate-limit waits (see the report). */
export const NOW = Date.UTC(2030, 0, 1);

export const unitRef = (id: string): UnitRef => ({ key: id, id, title: `Task ${id}` });

/** Units done so far, in a world where units run in order: those before the current one, and it if recorded done. */
function doneCount(units: UnitRef[], context: OrchestratorContext): number {
  if (!context.unit) return 0;
  const index = units.findIndex((u) => u.key === context.unit!.key);
  // With --review a unit is done once its review loop approved it, not at its TASK_DONE.
  const done = context.review === null ? context.outcome?.kind === "done" : context.unitOutput?.kind === "completed";
  return index + (done ? 1 : 0);
}

/**
 * Every way an attempt can end, as the session actor reports it (src/actors/session.ts judgeAttempt/awaitAttempt).
 * Keyed by kind, so a new AttemptOutcome kind does not compile until it has an example here.
 */
export const SESSION_OUTCOMES: { [K in AttemptOutcome["kind"]]: Extract<AttemptOutcome, { kind: K }>[] } = {
  done: [{ kind: "done", message: "All good. <promise>TASK_DONE</promise>", exitCode: 0 }],
  halt: [{ kind: "halt", message: "I need the cloud credentials. <promise>HALT</promise>", exitCode: 0 }],
  failed: [{ kind: "failed", reason: "no completion marker in the agent's reply (exit code 1)", message: "", exitCode: 1 }],
  timeout: [{ kind: "timeout", reason: "no output for 600 s (--idle-timeout)", message: "still thinking" }],
  "rate-limited": [
    { kind: "rate-limited", reason: "rate limited: 429 Too Many Requests", message: "", resetAt: null },
    { kind: "rate-limited", reason: "rate limited: resets in 2 s", message: "", resetAt: NOW + 2_000 },
  ],
  interrupted: [{ kind: "interrupted", reason: "stopped by the user" }],
  "over-budget": [
    { kind: "over-budget", reason: "over budget: unit 1 used 12,000 tokens of --max-unit-tokens 10,000 (the agent was ended)", message: "", reached: "unit 1 used 12,000 tokens of --max-unit-tokens 10,000" },
  ],
};

/** The outputs table for a world of `units`. Add an entry here when the machine invokes a new actor id. */
export function outputsFor(units: UnitRef[], options: { budget?: boolean } = {}): EventTable {
  const planner = (context: OrchestratorContext): PlannerOutput[] => {
    const done = doneCount(units, context);
    const next = units[done];
    if (!next) return [{ kind: "complete" }];
    const pending = units.length - done;
    // --parallel N > 1: the whole plan goes to one parallel run (its own suite: test/schedule/parallel-machine.test.ts).
    if (context.parallel > 1) return [{ kind: "parallel", pending, plan: parallelPlan(units) }];
    return [
      { kind: "next", unit: next, pending },
      // A run resumed with the unit in its review loop (stopped or killed during a fix round).
      ...(context.review && !context.unit ? [{ kind: "next" as const, unit: next, pending, resume: { startAt: "fix" as const, round: 1, roundBase: 0, humanFix: false } }] : []),
      { kind: "blocked", pending, reason: `no unit can run: ${next.id} waits for 9` },
      // orchestrate: after a decision, what is left may all wait for it.
      ...(!context.haltOnDecision && context.unitOutput?.kind === "blocked" ? [{ kind: "waiting" as const, pending, decisions: 1, reason: "waiting for 1 decision" }] : []),
    ];
  };
  // With --review an agent's HALT and used-up attempts are recorded as decisions. (The unit machine's recorder.)
  const recorder = (context: OrchestratorContext, outcome: AttemptOutcome): RecordOutput => {
    const used = (context.attempts[context.unit?.key ?? ""] ?? 0) >= context.maxAttempts;
    const kind = outcome.kind;
    const decision = context.review !== null && (kind === "halt" || ((kind === "failed" || kind === "timeout") && used));
    const doneNow = context.review === null && kind === "done" ? 1 : 0;
    return { pending: units.length - doneCount(units, context) - doneNow, now: NOW, ...(decision ? { decision } : {}) };
  };
  // How a unit's review loop can end (its own graph: test/model/unit.model.test.ts), as its concluder recorded it.
  const loopEnds = (context: OrchestratorContext): UnitOutput[] => loops(context).map((loop) => ({ ...loop, record: { pending: units.length - doneCount(units, context) - (loop.kind === "completed" ? 1 : 0), now: NOW, decision: loop.kind === "blocked" } }));
  const loops = (context: OrchestratorContext): LoopOutput[] => [
    { kind: "completed", round: 1 },
    { kind: "blocked", round: 3, block: "review_exhausted", reason: "still blocking after 3 fix rounds" },
    ...(context.stopRequested ? [{ kind: "stopped" as const, round: 0 }] : []),
    // A budget check before a review or fix round found a limit reached (offered in orchestrate only: paths multiply).
    ...(context.haltOnDecision ? [] : [{ kind: "blocked" as const, round: 1, block: "budget" as const, reason: "the run spent $5.00 of --max-cost $5.00", resumeAt: "fix" as const }]),
  ];
  /**
   * The unit machine, seen from the run: a resumed unit's loop ends as loops do; an implementation attempt ends
   * recorded with each session outcome (a TASK_DONE with --review goes on into the loop, unless a stop came),
   * detached on a stop with --detach-on-stop, or failed (ending the agent or recording it failed).
   */
  const unit = (context: OrchestratorContext): UnitOutput[] => {
    if (context.resume) return loopEnds(context);
    const outcomes = Object.values(SESSION_OUTCOMES).flat() as AttemptOutcome[];
    const attempts = outcomes
      .filter((o) => o.kind !== "done" || context.review === null || context.stopRequested)
      .map((outcome): UnitOutput => ({ kind: "attempt", round: 0, outcome, record: recorder(context, outcome) }));
    return [
      ...attempts,
      ...(context.review !== null ? loopEnds(context) : []),
      ...(context.stopRequested && context.detachOnStop ? [{ kind: "detached" as const, round: 0 as const }] : []),
      { kind: "failed", round: 0, error: modelError("unit") },
    ];
  };
  return {
    outputs: {
      planner,
      // One assignment: which backend runs a unit changes no transition, and every extra output multiplies paths.
      assigner: (): Assignment[] => [{ backend: "command", source: "default" }],
      unit,
      // How a parallel run can end (each final state of the run, its counters taken over).
      parallelRun: (context: OrchestratorContext): ParallelRunOutput[] => PARALLEL_ENDS.map((end) => ({
        iteration: Math.min(context.maxIterations, context.iteration + units.length),
        attempts: Object.fromEntries(units.map((u) => [u.key, 1])),
        pending: end.final === "complete" ? 0 : units.length,
        unit: end.haltReason ? (units[0] ?? null) : null,
        error: end.final === "failed" ? modelError("parallelRun.unit") : null,
        ...end,
      })),
      // Before each dispatch: under every limit, or one reached (the run halts with reason budget).
      // (Reached only in the scenarios with limits: offered before every dispatch, it would double every world's paths.)
      budget: (): BudgetOutput[] => (options.budget ? [{ reached: null }, { reached: "the run spent $5.00 of --max-cost $5.00" }] : [{ reached: null }]),
    },
  };
}

/** The plan a parallel run gets in a world of `units`: independent units, one file each. */
function parallelPlan(units: UnitRef[]): ParallelPlan {
  return {
    units: units.map((u) => ({ key: u.key, id: u.id, dependsOn: [], manifest: { writes: [`src/${u.key}.ts`], reads: [] } })),
    refs: Object.fromEntries(units.map((u) => [u.key, u])),
    assignments: Object.fromEntries(units.map((u) => [u.key, { backend: "command", source: "default" as const }])),
    resume: {},
    start: { status: Object.fromEntries(units.map((u) => [u.key, "pending" as const])), alone: {}, sentBack: {}, decisions: {} },
  };
}

/** Every way a parallel run ends, as the run machine sees it. */
const PARALLEL_ENDS: Pick<ParallelRunOutput, "final" | "haltReason" | "haltDetail">[] = [
  { final: "complete", haltReason: null, haltDetail: null },
  { final: "halted", haltReason: "agent-halt", haltDetail: "the agent asked for a human on unit 1" },
  { final: "limitReached", haltReason: null, haltDetail: null },
  { final: "stopped", haltReason: null, haltDetail: null },
  { final: "waitingForDecisions", haltReason: "decision", haltDetail: "waiting for 1 decision (unit 1); nothing else can run" },
  { final: "failed", haltReason: "error", haltDetail: "git failed (model)" },
];

/** One exploration: a world and the input of the run. Small on purpose: paths grow fast with units and limits. */
export interface Scenario {
  name: string;
  units: UnitRef[];
  input: OrchestratorInput;
  /**
   * Also every simple path (getSimplePaths), over the events `keep` lets through. Simple paths grow with every
   * branch, so they run on the smallest worlds; the shortest paths of every scenario keep every event.
   */
  simple?: { keep: (event: EventObject) => boolean; what: string };
  /** Shortest paths to every state (default true), plus a path to each branch they miss. */
  shortest?: boolean;
  /** The run has spending limits: the budget check before a dispatch may halt it. */
  budget?: boolean;
}

/**
 * STOP and actor failures end a run at once, and the shortest paths try them in every state already;
 * without them an attempt is not "interrupted" either (only a stop interrupts one).
 */
const runToTheEnd = {
  keep: (event: EventObject) =>
    event.type !== "STOP" && !event.type.startsWith("xstate.error.") && (event as { output?: { kind?: string } }).output?.kind !== "interrupted",
  what: "every sequence of attempt outcomes, without STOP or actor failures",
};

const timing = { delayMs: 15_000, taskTimeoutMs: 60_000, rateLimitBackoffMs: 1_000, maxWaitMs: 2_500 };

export const SCENARIOS: Scenario[] = [
  { name: "3 units, fresh, with a budget", units: ["1", "2", "3"].map(unitRef), input: { maxIterations: 3, maxAttempts: 2, ...timing }, budget: true },
  // --verify and --commit: a TASK_DONE goes through the checks and the commit before it is recorded.
  { name: "1 unit, --verify", units: ["1"].map(unitRef), input: { maxIterations: 2, maxAttempts: 2, ...timing, verify: true, verifyTimeoutMs: 30_000 } },
  // --review: a done unit goes through its review loop (a child unit machine); a decision halts `run`…
  { name: "2 units, --review", units: ["1", "2"].map(unitRef), input: { maxIterations: 2, maxAttempts: 2, ...timing, review: { maxFixRounds: 3 } } },
  // …and in `orchestrate` only the unit waits: the run goes on, and ends waiting for decisions.
  { name: "2 units, orchestrate", units: ["1", "2"].map(unitRef), input: { maxIterations: 3, maxAttempts: 1, ...timing, review: { maxFixRounds: 3 }, haltOnDecision: false, verify: true, verifyTimeoutMs: 30_000, commit: true } },
  { name: "1 unit, --commit", units: ["1"].map(unitRef), input: { maxIterations: 2, maxAttempts: 2, ...timing, commit: true } },
  { name: "2 units, --verify --commit", units: ["1", "2"].map(unitRef), input: { maxIterations: 2, maxAttempts: 2, ...timing, verify: true, verifyTimeoutMs: 30_000, commit: true } },
  // Its shortest paths would repeat the 3-unit world's; its simple paths give every order of outcomes.
  { name: "2 units, fresh", units: ["1", "2"].map(unitRef), input: { maxIterations: 2, maxAttempts: 2, ...timing }, simple: runToTheEnd, shortest: false },
  {
    name: "2 units, resumed with unit 1's attempts used up",
    units: ["1", "2"].map(unitRef),
    input: { maxIterations: 2, maxAttempts: 2, ...timing, attempts: { "1": 2 } },
    simple: { keep: () => true, what: "every event" },
  },
  { name: "a spec with nothing left to do", units: [], input: { maxIterations: 2, maxAttempts: 2, ...timing } },
  // --detach-on-stop: a stop while an agent runs leaves it for the next run instead of ending it.
  { name: "2 units, --detach-on-stop", units: ["1", "2"].map(unitRef), input: { maxIterations: 2, maxAttempts: 2, ...timing, detachOnStop: true } },
  // --fallback-backend codex: a rate limit further away than --fallback-after (or of unknown reset) moves the unit
  // to codex at once, without using up an attempt; codex rate-limited in turn is waited out.
  {
    name: "1 unit, --fallback-backend codex",
    units: ["1"].map(unitRef),
    input: { maxIterations: 2, maxAttempts: 2, ...timing, fallbacks: ["codex"], fallbackAfterMs: 1_000 },
  },
  // --parallel 2: the planner hands the whole plan to one parallel run, whose end is the run's end.
  { name: "2 units, --parallel 2", units: ["1", "2"].map(unitRef), input: { maxIterations: 4, maxAttempts: 2, ...timing, parallel: 2 } },
  // The CLI rejects --max-iterations 0; the machine's planner-time limit check is only reachable this way.
  { name: "an iteration limit of 0", units: ["1"].map(unitRef), input: { maxIterations: 0, maxAttempts: 2, ...timing } },
];
