// The state file's record of the multi-agent loop: each unit's pipeline (status, start commit, commits, verify
// results, review rounds), the decisions waiting for a human, and the debt (minor findings kept, never dropped).
// Status names follow the reference (shared/reference/multi-agent-loop.md §1.2), plus `skipped`.
import { z } from "zod/mini";
import { SeveritySchema } from "../review/schema.ts";
import { UsageSchema, UsageTotalSchema } from "../usage/record.ts";

/** A unit's status in the loop. */
export const UNIT_STATUSES = ["not_started", "in_progress", "pending_review", "under_review", "fix_required", "blocked", "completed", "skipped"] as const;
export const UnitStatusSchema = z.enum(UNIT_STATUSES);
export type UnitStatus = z.infer<typeof UnitStatusSchema>;

/** A finding as the state keeps it (the review schema's shape, with the reviewers who reported it). */
export const StoredFindingSchema = z.object({
  id: z.string(),
  severity: SeveritySchema,
  file: z._default(z.nullable(z.string()), null),
  line: z._default(z.nullable(z.number()), null),
  title: z.string(),
  evidence: z._default(z.string(), ""),
  fix: z._default(z.string(), ""),
  requirement: z._default(z.nullable(z.string()), null),
  reviewers: z._default(z.array(z.number()), []),
});
export type StoredFinding = z.infer<typeof StoredFindingSchema>;

/** One `--verify` command's last result. `log`: its whole output, in the attempt's folder. */
export const VerifyRecordSchema = z.object({
  command: z.string(),
  exit_code: z.nullable(z.int()),
  timed_out: z._default(z.boolean(), false),
  duration_ms: z.number().check(z.nonnegative()),
  log: z.string(),
});
export type VerifyRecord = z.infer<typeof VerifyRecordSchema>;

/** A commit seqorch made for a unit: one per round (round 0: the implementation). */
export const CommitRecordSchema = z.object({ sha: z.string(), round: z.int().check(z.nonnegative()), files: z.array(z.string()), at: z.string() });
export type CommitRecord = z.infer<typeof CommitRecordSchema>;

/** One review round: its consolidated verdict, findings, and where its files are (`<dir>/<n>.json`, diff.patch, logs). */
export const ReviewRoundSchema = z.object({
  round: z.int().check(z.nonnegative()),
  verdict: z.enum(["pass", "fix", "needs_human", "review_failed"]),
  findings: z.array(StoredFindingSchema),
  still_valid: z._default(z.array(z.string()), []),
  dir: z.string(),
  at: z.string(),
});
export type ReviewRound = z.infer<typeof ReviewRoundSchema>;

/** What one reviewer agent run (a review or its re-ask) used: tokens and cost (src/usage/record.ts), when it ended. */
export const ReviewUsageSchema = z.object({ round: z.int().check(z.nonnegative()), reviewer: z.int(), at: z.string(), usage: UsageSchema });

/** One unit's record in the loop. `round`: fix rounds done (0 until the first fix). */
export const UnitPipelineSchema = z.object({
  status: UnitStatusSchema,
  /** HEAD and the paths already modified or untracked when the unit started (never committed for it). */
  start: z._default(z.nullable(z.object({ head: z.nullable(z.string()), dirty: z.array(z.string()) })), null),
  round: z._default(z.int().check(z.nonnegative()), 0),
  verify: z._default(z.array(VerifyRecordSchema), []),
  commits: z._default(z.array(CommitRecordSchema), []),
  reviews: z._default(z.array(ReviewRoundSchema), []),
  /** A human's note for the next prompt (`seqorch decide … retry --note`), cleared once used. */
  guidance: z._default(z.nullable(z.string()), null),
  /** Fix rounds counted from this round on (`decide … retry` resets the count; round numbers keep growing). */
  fix_base: z._default(z.int().check(z.nonnegative()), 0),
  /** `decide … fixed`: the next run verifies and reviews the human's fix once, with no fix round. */
  human_fix: z._default(z.boolean(), false),
  /** `decide … skip --unblock-dependents`: the skipped unit counts as done for its dependents. */
  unblock_dependents: z._default(z.boolean(), false),
  /** Usage of each reviewer run that reported some (fix rounds are attempts, with their own usage). */
  review_usage: z.optional(z.array(ReviewUsageSchema)),
});
export type UnitPipeline = z.infer<typeof UnitPipelineSchema>;

/** What asks for a human. */
export const DECISION_KINDS = ["halt", "attempts_exhausted", "review_exhausted", "reviewer_question", "scope_violation", "review_failed", "budget", "merge_conflict", "worktree_setup"] as const;
/** How a human answers (`seqorch decide UNIT ACTION`). */
export const DECISION_ACTIONS = ["accept", "fixed", "retry", "skip", "abort"] as const;

/** A decision waiting for (or answered by) a human. Times are ISO strings. */
export const DecisionSchema = z.object({
  id: z.string(),
  unit: z.string(),
  kind: z.enum(DECISION_KINDS),
  question: z.string(),
  options: z.array(z.string()),
  findings: z._default(z.array(StoredFindingSchema), []),
  logs: z._default(z.array(z.string()), []),
  created_at: z.string(),
  resolved_at: z._default(z.nullable(z.string()), null),
  resolution: z._default(z.nullable(z.enum(DECISION_ACTIONS)), null),
  note: z._default(z.nullable(z.string()), null),
  /** A `budget` decision: what this run and the unit had spent (src/usage/totals.ts) when the limit was reached. */
  spent: z.optional(z.object({ run: UsageTotalSchema, unit: UsageTotalSchema })),
  /** A budget decision of a review loop: what was about to start (`retry` goes on there). */
  resume_at: z.optional(z.enum(["review", "fix"])),
});
export type Decision = z.infer<typeof DecisionSchema>;
export type DecisionKind = Decision["kind"];
export type DecisionAction = NonNullable<Decision["resolution"]>;

/** A finding kept as debt: minor and info findings of a passed unit, and open findings of an accepted one. */
export const DebtSchema = z.object({ unit: z.string(), round: z.int(), finding: StoredFindingSchema, accepted: z._default(z.boolean(), false) });
export type Debt = z.infer<typeof DebtSchema>;

/** The options each decision offers, worded for a person; the first word of each is the `seqorch decide` action. */
export const DECISION_OPTIONS: readonly string[] = [
  "accept: done as it is, open findings recorded as debt",
  "fixed: I fixed it; verify and one review round",
  "retry: fix rounds reset, with --note as guidance",
  "skip: leave it undone (dependents stay blocked)",
  "abort: leave it for later",
];

/** Decisions not answered yet. */
export const openDecisions = (decisions: readonly Decision[]): Decision[] => decisions.filter((d) => d.resolved_at === null);

/** The command that answers a decision, for PULSE, `status` and the end of a run. */
export const decideCommand = (specDir: string, unitId: string): string => `seqorch decide --spec ${JSON.stringify(specDir)} ${unitId} accept|fixed|retry|skip|abort [--note TEXT]`;
