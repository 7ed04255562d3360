// The unit machine's data: its input, context, and what its actors take and return (machines/unit.ts).
import type { Assignment, AttemptOutcome, BudgetOutput, CommitOutput, UnitRef, VerifyOutput } from "./types.ts";

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

/** How the unit's loop ended. */
export type UnitOutput =
  | { kind: "completed"; round: number }
  | { kind: "blocked"; round: number; block: BlockKind; reason: string; /** A budget block: what was about to start. */ resumeAt?: BudgetResumeAt }
  | { kind: "stopped"; round: number };

/** Where a unit's loop starts: review the round (a fresh or resumed review), or run fix round `round` again. */
export interface UnitMachineInput {
  unit: UnitRef;
  assignment: Assignment;
  /** Fix rounds done so far (0: only the implementation). */
  round: number;
  startAt: "review" | "fix" | "verify";
  /** Fix rounds are counted from this round (a human's `retry` resets the count, round numbers keep growing). */
  roundBase: number;
  maxFixRounds: number;
  verify: boolean;
  verifyTimeoutMs: number;
  commit: boolean;
  /** Wall-clock limit of one fix attempt, ms. */
  fixTimeoutMs: number;
  /** First wait after a rate-limited fix, ms; doubles per hit in a row. */
  rateLimitBackoffMs: number;
}

export interface UnitContext extends UnitMachineInput {
  round: number;
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
