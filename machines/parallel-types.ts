// The parallel run's data (machines/parallel.ts): its input from the run machine, its context, what its actors
// take and return, and how it ended. Scheduling itself is src/schedule/ (pure, shared with the simulation).
import type { ParallelState } from "../src/schedule/parallel-run.ts";
import type { ScheduleUnit } from "../src/schedule/next-units.ts";
import type { Assignment, AttemptOutcome, FinalState, HaltReason, ResumeAt, UnitRef } from "./types.ts";

/** The unit machine's settings a parallel run passes to each of its unit machines (see UnitMachineInput). */
export interface LaneSettings {
  review: boolean;
  maxFixRounds: number;
  verify: boolean;
  verifyTimeoutMs: number;
  commit: boolean;
  taskTimeoutMs: number;
  rateLimitBackoffMs: number;
}

/** What the run machine gives a parallel run: the plan's units as the scheduler sees them, and the run's limits. */
export interface ParallelRunInput {
  /** Every unit of the plan (completed and skipped ones too: they satisfy dependencies), with its manifest. */
  units: ScheduleUnit[];
  /** The units that may run, by key: how to name them, their backend, and where a resumed review loop starts. */
  refs: Record<string, UnitRef>;
  assignments: Record<string, Assignment>;
  resume: Record<string, ResumeAt | null>;
  /** Statuses at the start (done units `completed`, skipped ones `skipped`, blocked by a decision `blocked`). */
  start: ParallelState;
  /** --parallel N: at most N units in flight (each in its own worktree). */
  parallel: number;
  maxAttempts: number;
  /** Attempts already made per unit key (from the state file). */
  attempts: Record<string, number>;
  maxIterations: number;
  /** Dispatches made by this run before the parallel run started. */
  iteration: number;
  /** A decision halts the run once the units in flight are done (run); false: only its dependents wait (orchestrate). */
  haltOnDecision: boolean;
  /** Delay before a failed attempt's unit runs again, ms (--delay). */
  delayMs: number;
  /** Longest total wait for rate limits on one unit before the run halts, ms (--max-wait). */
  maxWaitMs: number;
  /** First backoff for a rate limit without a reset time, ms; doubles per hit in a row on that unit. */
  rateLimitBackoffMs: number;
  lane: LaneSettings;
}

/** One unit's bookkeeping while it is in flight: rate-limit hits in a row and the time waited for them (ms). */
export interface Lane {
  rateLimitHits: number;
  waitedMs: number;
}

export interface ParallelContext extends ParallelRunInput {
  /** The scheduler's statuses (src/schedule/parallel-run.ts). */
  state: ParallelState;
  lanes: Record<string, Lane>;
  /** Units running in the main checkout (no manifest, so alone): done means completed, no merge turn. */
  inPlace: Record<string, boolean>;
  /** Ids of the children alive now (`prepare:<key>`, `unit:<key>`, `merge:<key>`). */
  live: string[];
  /** Units waiting for a delayed RETRY (after a failure's --delay or a rate limit's wait). */
  retrying: string[];
  stopRequested: boolean;
  /** Why the run will halt once the units in flight are done; null: it goes on. */
  halt: { reason: HaltReason; detail: string; unit: UnitRef | null } | null;
  /** An actor's failure: nothing new starts, the run ends in failed. */
  error: unknown;
  /** The last attempt outcome seen (for the halt's evidence). */
  lastOutcome: AttemptOutcome | null;
}

/** Input of the preparer: the unit whose worktree is opened (or adopted) before its unit machine starts. */
export interface PrepareInput {
  unit: UnitRef;
}

/**
 * What the preparer did: the unit's place is ready (its actors now run there); its `--worktree-setup` failed (a
 * decision recorded, the unit blocked); or the run's budget is spent (no agent starts).
 */
export type PrepareOutput =
  /** `inPlace`: a unit without a manifest runs alone in the main checkout, as in a serial run (nothing to merge). */
  | { kind: "ready"; inPlace: boolean }
  | { kind: "blocked"; reason: string }
  /** The run's stop ended the set-up: nothing to decide, the unit is pending for the next run. */
  | { kind: "stopped" }
  | { kind: "over-budget"; reached: string };

/** Input of the merger: one turn of the merge queue for this finished unit. */
export interface MergeInput {
  unit: UnitRef;
}

/**
 * One merge turn's result (src/actors/merge-worktree.ts UnitMergeResult, reduced to what the schedule needs):
 * merged (completed and ticked), sent back to run alone on the new HEAD, blocked by a decision, or stopped
 * (the merge undone, the unit still queued for the next run).
 */
export type MergeOutput = { kind: "merged" } | { kind: "run-alone"; reason: string } | { kind: "decision"; reason: string } | { kind: "stopped" };

/** How a parallel run ended, for the run machine's final state and context. */
export interface ParallelRunOutput {
  final: Exclude<FinalState, never>;
  haltReason: HaltReason | null;
  haltDetail: string | null;
  unit: UnitRef | null;
  iteration: number;
  attempts: Record<string, number>;
  /** Units not completed or skipped at the end. */
  pending: number;
  error: unknown;
}

/** Events a parallel run receives from outside (STOP, from the run machine) and sends itself (a delayed RETRY). */
export type ParallelEvent = { type: "STOP" } | { type: "RETRY"; key: string };
