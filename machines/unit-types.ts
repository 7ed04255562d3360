// The unit machine's data: its input, context, and what its actors take and return (machines/unit.ts).
import type { Assignment, AttemptOutcome, BudgetOutput, CommitOutput, Dispatched, RecordOutput, UnitRef, VerifyOutput } from "./types.ts";

export type { BudgetOutput };

/** A reviewer's result as the machine sees it (src/review/consolidate.ts ReviewerResult, kept opaque here). */
export type ReviewResults = unknown[];

/** What one review round decided (src/review/consolidate.ts RoundVerdict kinds), with the loop's own facts. */
export interface RoundOutput {
  kind: "pass" | "fix" | "needs_human" | "review_failed";
  /** Blocking findings' ids. */
  blocking: string[];
  /** Ids still_valid in this round and in the round before it (a stalemate). */
  stalemate: string[];
  /** The reviewer edited files (its edits were stashed). */
  edited: boolean;
  /** One line for a decision's question. */
  summary: string;
}

/** Input of the reviewer actor: the round to review (0: the implementation). */
export interface ReviewInput {
  unit: UnitRef;
  round: number;
}

/** Input of the consolidator: the round and its reviewers' results. */
export interface ConsolidateInput {
  unit: UnitRef;
  round: number;
  results: ReviewResults;
}

/** Input of the concluder: the unit and how its review loop ended. */
export interface ConcludeInput {
  unit: UnitRef;
  output: LoopOutput;
}

/** Input of the fixer: one fix round (1-based) on a backend (escalated on the last round). */
export interface FixInput {
  unit: UnitRef;
  round: number;
  escalate: boolean;
  assignment: Assignment;
}

/** How a fix ended, and whether it changed anything in the workdir. */
export interface FixOutput {
  outcome: AttemptOutcome;
  changed: boolean;
  /** The fix attempt's stdout log (its folder holds the check logs). */
  outLog: string;
}

/** Why a unit goes to a human (src/store/pipeline.ts DECISION_KINDS). */
export type BlockKind = "halt" | "review_exhausted" | "reviewer_question" | "scope_violation" | "review_failed" | "budget";

/** Where a loop stopped by a budget goes on when a human answers `retry`: the review it was about to start, or a fix round. */
export type BudgetResumeAt = "review" | "fix";

/** How the unit's review loop ended (what the run's concluder records). */
export type LoopOutput =
  | { kind: "completed"; round: number }
  | { kind: "blocked"; round: number; block: BlockKind; reason: string; /** A budget block: what was about to start. */ resumeAt?: BudgetResumeAt }
  | { kind: "stopped"; round: number };

/**
 * How a unit machine ended: its review loop's end (LoopOutput); or its implementation attempt recorded without a
 * review to follow (`attempt`: failed, halted, rate-limited, stopped, or done without --review: the run decides
 * what comes next); or a stop with --detach-on-stop that left the agent running (`detached`); or an internal
 * failure while ending the agent or recording the attempt (`failed`: the run ends in failed, nothing beside it).
 */
export type UnitOutput =
  | (LoopOutput & { /** What the concluder recorded (the unit completed, or its decision). */ record: RecordOutput })
  | { kind: "attempt"; round: 0; outcome: AttemptOutcome; record: RecordOutput }
  | { kind: "detached"; round: 0 }
  | { kind: "failed"; round: number; error: unknown };

/**
 * Where a unit machine starts: an implementation attempt (`implement`), or its review loop: review round `round`
 * (a fresh or resumed review), run fix round `round` again, or a human's fix (`verify`).
 */
export interface UnitMachineInput {
  unit: UnitRef;
  assignment: Assignment;
  startAt: "implement" | "review" | "fix" | "verify";
  /** The implementation attempt's number for this unit (1-based) and the run's dispatch count, both already counted. */
  attempt: number;
  iteration: number;
  /** Fix rounds done so far (0: only the implementation). */
  round: number;
  /** Fix rounds are counted from this round (a human's `retry` resets the count, round numbers keep growing). */
  roundBase: number;
  maxFixRounds: number;
  /** --review: a done attempt goes on into the review loop. */
  review: boolean;
  verify: boolean;
  verifyTimeoutMs: number;
  commit: boolean;
  /** Wall-clock limit of one agent attempt (the implementation or a fix), ms (--task-timeout). */
  taskTimeoutMs: number;
  /** First wait after a rate-limited fix, ms; doubles per hit in a row. */
  rateLimitBackoffMs: number;
  /** On STOP, leave the implementing agent running for the next run to adopt (--detach-on-stop). */
  detachOnStop: boolean;
}

export interface UnitContext extends UnitMachineInput {
  round: number;
  /** Which half of the unit's life it is in: the implementation attempt, or the review loop after it. */
  phase: "implement" | "review";
  /** The implementation attempt: its start, how it ended, why it was ended, and what the recorder said. */
  dispatched: Dispatched | null;
  outcome: AttemptOutcome | null;
  endReason: "timeout" | "stopped" | null;
  record: RecordOutput | null;
  /** The agent was left running on a stop (--detach-on-stop). */
  detached: boolean;
  /** An internal failure that ends the run (the ender's or the recorder's). */
  failure: { error: unknown } | null;
  /** Rate-limit hits in a row in this fix round. */
  rateLimitHits: number;
  last: RoundOutput | null;
  results: ReviewResults;
  fix: FixOutput | null;
  verifyResult: VerifyOutput | null;
  commitResult: CommitOutput | null;
  block: { kind: BlockKind; reason: string; resumeAt?: BudgetResumeAt } | null;
  stopRequested: boolean;
  /** The last review round passed (the unit is done). */
  approved: boolean;
}

/** STOP from the run machine (a user's stop). */
export type UnitEvent = { type: "STOP" };
