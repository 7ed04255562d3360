// The orchestrator machine's data: its context, input, events, and what its actors take and return.
// The actors in src/actors implement these shapes; machines/orchestrator.ts declares the machine over them.
import type { LoopOutput } from "./unit-types.ts";
export type { ConcludeInput } from "./unit-types.ts";
import type { ParallelRunInput } from "./parallel-types.ts";

/** The unit the machine is working on: enough to name it in events, logs and the state file. */
export interface UnitRef {
  key: string;
  id: string;
  title: string;
}

/** What the planner (re-reading tasks.md and the state) says comes next. */
export type PlannerOutput =
  | { kind: "next"; unit: UnitRef; pending: number; /** Resume the unit's review loop instead of implementing it. */ resume?: ResumeAt | null }
  | { kind: "waiting"; pending: number; decisions: number; reason: string }
  | { kind: "complete" }
  | { kind: "blocked"; pending: number; reason: string }
  /** --parallel N > 1: the whole plan goes to a parallel run (machines/parallel.ts). */
  | { kind: "parallel"; pending: number; plan: ParallelPlan };

/** What a parallel run starts from, from the plan and the state (the rest of its input is the run's limits). */
export type ParallelPlan = Pick<ParallelRunInput, "units" | "refs" | "assignments" | "resume" | "start">;

/** Where a unit's review loop resumes: review round `round`, or run fix round `round` (again). */
export interface ResumeAt {
  startAt: "review" | "fix" | "verify";
  round: number;
  /** Fix rounds counted from this round on (a human's retry resets the count). */
  roundBase: number;
  /** A human fixed it: verify and review once, no fix round. */
  humanFix: boolean;
}

/** Which backend runs a unit, and why (`default`: --backend; `llm`/`cache`: an assignment; `fallback`: a bad reply). */
export interface Assignment {
  backend: string;
  type?: string;
  ownerAgent?: string;
  source: "default" | "llm" | "cache" | "fallback";
  /** Set when the unit runs on a fallback backend (--fallback-backend): the backend it was limited on, and why. */
  fallbackFrom?: string;
  fallbackReason?: string;
}

/** A started attempt, as the session actor needs it. `handle` is the runner's plain-data AttemptHandle. */
export interface Dispatched {
  attempt: number;
  outLog: string;
  handle: unknown;
  /** Evidence taken before the agent started, to judge a "done" afterwards (see src/actors/runaway.ts). */
  before?: { workdir: string | null; doneTasks: string[] };
}

/** How an attempt ended, as judged from the agent's final message and exit. */
export type AttemptOutcome =
  | { kind: "done"; message: string; exitCode: number | null; /** Doubts about a done (no change, boxes unticked). */ warnings?: string[] }
  | { kind: "halt"; message: string; exitCode: number | null }
  | { kind: "failed"; reason: string; message: string; exitCode: number | null }
  | { kind: "timeout"; reason: string; message: string }
  | { kind: "rate-limited"; reason: string; message: string; /** Epoch ms when the limit resets, when the agent said. */ resetAt: number | null }
  | { kind: "interrupted"; reason: string }
  /** Ended because the usage it reported crossed a budget (--max-unit-tokens, --max-cost…); counts as an attempt. */
  | { kind: "over-budget"; reason: string; message: string; /** The limit reached and what was spent. */ reached: string };

/** What the budget check before a dispatch says: the limit reached and what was spent, or null. */
export interface BudgetOutput {
  reached: string | null;
}

/** What the recorder reports back after writing state, progress and checkboxes. */
export interface RecordOutput {
  /** Units still not done (and runnable or blocked) after this recording. */
  pending: number;
  /**
   * A decision for a human was recorded that lets an orchestrate run go on past the unit (a HALT or used-up
   * attempts with --review, a blocked review loop); a budget decision does not (the run halts, reason budget).
   */
  decision?: boolean;
  /** Epoch ms when the result was recorded: rate-limit waits are computed from it, so no guard reads the clock. */
  now: number;
}

/** Why a run halted (exit 2), or "error" for an actor failure (exit by error type). */
export type HaltReason = "agent-halt" | "attempts-exhausted" | "blocked" | "rate-limit" | "decision" | "budget" | "error";

/** Input of a run: limits, the delay (ms), and counters carried over from the state file. */
export interface OrchestratorInput {
  maxIterations: number;
  maxAttempts: number;
  /** Delay between units, ms. */
  delayMs: number;
  /** Wall-clock limit of one attempt, ms (the agent's process tree is ended when it passes). */
  taskTimeoutMs?: number;
  /** Longest total wait for rate limits on one unit before the run halts (reason rate-limit), ms. */
  maxWaitMs?: number;
  /** First backoff when a rate limit gives no reset time, ms; doubles on each hit in a row. */
  rateLimitBackoffMs?: number;
  /** On STOP, leave a running agent alone (in its tmux window) for the next run to adopt, instead of ending it. */
  detachOnStop?: boolean;
  /** Attempts already made per unit key (resumed from the state file). */
  attempts?: Record<string, number>;
  /** --verify: run the checks after a TASK_DONE. */
  verify?: boolean;
  /** Wall-clock limit of the checks after one TASK_DONE, all commands together, ms (--verify-timeout). */
  verifyTimeoutMs?: number;
  /** --commit: commit the unit's files after the checks pass. */
  commit?: boolean;
  /** --review: a done unit goes through its review loop (the unit machine); null: off. */
  review?: { maxFixRounds: number } | null;
  /** A recorded decision halts the run (run); false: only the unit and its dependents wait (orchestrate). */
  haltOnDecision?: boolean;
  /** Backends to try in turn when a unit's backend is limited for longer than fallbackAfterMs (--fallback-backend). */
  fallbacks?: string[];
  /** A limit whose reset is further away than this (or unknown) sends the unit to the next fallback at once, ms. */
  fallbackAfterMs?: number;
  /** --parallel N: up to N units at once, each in its own worktree (1: one at a time in the main checkout). */
  parallel?: number;
}

export interface OrchestratorContext {
  maxIterations: number;
  maxAttempts: number;
  delayMs: number;
  taskTimeoutMs: number;
  maxWaitMs: number;
  rateLimitBackoffMs: number;
  detachOnStop: boolean;
  /** Rate-limit hits in a row on the current unit, and the total waited for them (ms). */
  rateLimitHits: number;
  rateLimitWaitedMs: number;
  /** The wait chosen for the current rate limit, ms. */
  rateLimitDelayMs: number;
  /** Dispatches made by this run (the iteration limit counts these). */
  iteration: number;
  attempts: Record<string, number>;
  fallbacks: string[];
  fallbackAfterMs: number;
  /** Fallbacks of `fallbacks` used so far on the current unit (0: it runs on its own backend). */
  fallbackIndex: number;
  unit: UnitRef | null;
  assignment: Assignment | null;
  /** How the unit's last attempt ended, and what its recorder said (set when a unit machine ends with its attempt). */
  outcome: AttemptOutcome | null;
  record: RecordOutput | null;
  pending: number;
  haltReason: HaltReason | null;
  haltDetail: string | null;
  error: unknown;
  stopRequested: boolean;
  verify: boolean;
  verifyTimeoutMs: number;
  commit: boolean;
  review: { maxFixRounds: number } | null;
  haltOnDecision: boolean;
  /** Set by the planner: the selected unit resumes its review loop. */
  resume: ResumeAt | null;
  /** How the last unit's review loop ended. */
  unitOutput: LoopOutput | null;
  /** --parallel N (1: one unit at a time). */
  parallel: number;
  /** The parallel run's plan (set when the planner hands the run to it). */
  plan: ParallelPlan | null;
}


/** Events from outside: STOP asks for a clean stop (Ctrl-C, SIGTERM, SIGHUP). */
export type OrchestratorEvent = { type: "STOP" };

/** Input of the dispatcher and of the recorder. */
export interface AttemptInput {
  unit: UnitRef;
  assignment: Assignment;
  attempt: number;
  iteration: number;
}

/** Input of the planner: attempts so far, so it can say which unit is next. */
export interface PlannerInput {
  attempts: Record<string, number>;
}

/** Input of the session actor: the attempt to wait for, and whether a stop was asked for while it started. */
export type SessionInput = AttemptInput & { dispatched: Dispatched; stopRequested: boolean };

/** Input of the ender: the attempt whose process tree must be gone before the machine goes on. */
export type EnderInput = { dispatched: Dispatched; reason: "timeout" | "stopped" };

/** Input of the recorder: the attempt and how it ended. */
export type RecordInput = AttemptInput & { outcome: AttemptOutcome };

/** Input of the verifier: the attempt whose TASK_DONE is checked (its folder holds the check logs). */
export interface VerifyInput {
  unit: UnitRef;
  attempt: number;
  dispatched: Dispatched;
}

/** What the checks said. `reason` (a failure, for the attempt record and the next prompt) is null when they passed. */
export interface VerifyOutput {
  passed: boolean;
  reason: string | null;
}

/** Input of the committer: the unit and its round (0: the implementation, N: fix round N). */
export interface CommitInput {
  unit: UnitRef;
  round: number;
}

/** The commit made (sha null: nothing to commit) and how many files it holds. */
export interface CommitOutput {
  sha: string | null;
  files: number;
}

/** Final state names and the run outcome each stands for. */
export type FinalState = "complete" | "halted" | "limitReached" | "stopped" | "failed" | "waitingForDecisions";
