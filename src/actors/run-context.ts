// What the machine's actors share during one run: resolved paths, options, the state store, the runner,
// the backends, and a callback that reports progress to whoever shows it (the CLI).
import type { AgentAdapter } from "../agents/types.ts";
import type { SessionRunner } from "../runner/types.ts";
import type { PlanOptions } from "../spec/types.ts";
import type { AttemptRecord, StateStore } from "../store/state.ts";
import type { PlanReader } from "./plan-reader.ts";
import type { WorkdirGit } from "./workdir-changes.ts";
import type { BudgetLimits } from "../usage/budget.ts";
import type { PriceTable } from "../usage/prices.ts";
import type { Usage, UsageTotal } from "../usage/record.ts";

/** Files and folders of one run (absolute paths). */
export interface RunPaths {
  specDir: string;
  specName: string;
  tasksFile: string;
  requirementsFile: string | null;
  designFile: string | null;
  stateFile: string;
  progressFile: string;
  /** Per-attempt folders live here (`<unit>/<n>/`). */
  attemptsDir: string;
  /** PROJECT_PULSE.md, beside tasks.md. */
  pulseFile: string;
  workdir: string;
}

/** Something worth showing while a run goes on. Times in epoch ms, durations in ms. */
export type RunEvent =
  | { type: "run-started"; specName: string; runner: "tmux" | "direct"; attach: string | null }
  | { type: "unit-next"; unitId: string; title: string; position: number; total: number; nextId: string | null }
  /**
   * An attempt (or a fix round: `backend` ends in `(fix round N)`) started. On an attempt: `title`, the unit's
   * (tasks.md); `review`, true when its TASK_DONE goes to review (--review) before it is done (or queued for merge);
   * `worktree`, the unit's branch when it runs in its own worktree (--parallel: it is done when it merges), else null.
   */
  | { type: "unit-started"; unitId: string; attempt: number; maxAttempts: number; backend: string; where: string; log: string; windowId: string | null; title?: string; review?: boolean; worktree?: string | null }
  | { type: "sleeping"; untilMs: number }
  | {
      type: "attempt-finished";
      unitId: string;
      attempt: number;
      status: "done" | "halt" | "failed" | "timeout" | "rate-limited" | "interrupted" | "over-budget";
      durationMs: number;
      reason: string;
      log: string;
      /** Tokens the backend reported for the attempt (all kinds), or null. */
      tokens: number | null;
      /** The attempt's usage and cost (cost_usd null: unknown), or null when the backend reported none. */
      usage?: Usage | null;
      /** Sums so far: the unit's attempts, and the attempts of this run. */
      unitUsage?: UsageTotal;
      runUsage?: UsageTotal;
    }
  | { type: "spec-changed"; detail: string }
  | { type: "rate-limited"; unitId: string; untilMs: number; reason: string }
  /** The unit moves to a fallback backend (--fallback-backend) for its next attempt. */
  | { type: "fallback"; unitId: string; from: string; to: string; reason: string }
  | { type: "warning"; message: string }
  /**
   * A step of the multi-agent loop after a TASK_DONE: a check, a commit, a review; in a parallel run (--parallel) a
   * unit's merge turn starting (`merging`, with the unit's `title`: a unit queued by an earlier run has no
   * unit-started in this one) and its end (`merge`: ok merged, else sent back or a decision).
   */
  | { type: "unit-step"; unitId: string; step: "verify" | "commit" | "review" | "decision" | "merge" | "merging"; ok: boolean; detail: string; title?: string };

/** Criticality of a unit: how many reviewers it gets (`_criticality:` in tasks.md, else the assignment, else standard). */
export type Criticality = "standard" | "complex" | "security-sensitive";

/** --review and its flags. */
export interface ReviewGate {
  reviewers: Record<Criticality, number>;
  maxFixRounds: number;
  /** Backend of the reviewers (--review-backend) and its adapter (read-only where the backend has a mode for it). */
  backend: string;
  adapter: AgentAdapter;
  /** The adapter of fix rounds 1 and 2 on `backend`: the implementer's, continuing its agent session where it can. */
  fixAdapterFor(backend: string): AgentAdapter;
  /** Backend and adapter of the escalated fix rounds (--escalate-backend / --escalate-model). */
  escalateBackend: string;
  escalateAdapter: AgentAdapter;
}

/** The multi-agent loop's switches for one run (all off by default). */
export interface Gates {
  /** --verify commands, run in order with /bin/sh -c. */
  verify: string[];
  /** --commit. */
  commit: boolean;
  /** --review, or null. */
  review: ReviewGate | null;
  /** Write PROJECT_PULSE.md after every unit event (--pulse; on in orchestrate). */
  pulse: boolean;
  /** A decision halts the run (run: true; orchestrate: false, only the unit and its dependents wait). */
  haltOnDecision: boolean;
  /** --on-decision hook. */
  onDecision: string | null;
  /** --parallel N > 1 (src/actors/worktree-gate.ts); absent or null: units run one at a time in the main checkout. */
  parallel?: ParallelGate | null;
}

/** --parallel and its flags, checked by the preflight (src/actors/worktree-gate.ts parallelGateOf). */
export interface ParallelGate {
  /** At most this many units (and worktrees) in flight. */
  n: number;
  /** --worktree-setup: a shell command line from a flag, run with /bin/sh -c in each new worktree; null: none. */
  worktreeSetup: string | null;
  /** --lenient-writes: files outside a unit's manifest only warn at its merge. */
  lenientWrites: boolean;
  /** The main checkout's top folder (absolute). */
  repo: string;
  /** The branch the run started on: every unit merges onto it. */
  integrationBranch: string;
  /** The spec folder, repository-relative (`.kiro/specs/feat`): no unit branch ever changes it. */
  specRel: string;
}

/**
 * Where one unit runs when it has its own git worktree (--parallel): the agent, its checks, commits, reviews and fix
 * rounds all run there. Registered by openUnitWorktree (src/actors/worktree-open.ts), dropped when it closes.
 */
export interface UnitWorkdir {
  /** The unit's workdir: the worktree, or the folder in it that `paths.workdir` is in the main checkout. Absolute. */
  workdir: string;
  /** The worktree's top folder (its repository root for git commands). Absolute. */
  root: string;
  /** The spec folder, repository-relative: left out of the unit's commits, diffs and change checks. */
  specRel: string;
  /** `seqorch/<spec>/<unit>`. */
  branch: string;
  /** The integration HEAD the branch started from (40 hex). */
  base: string;
  /** The worktree's own git view for the runaway check (createWorkdirGit). */
  git: WorkdirGit;
}

/** What the actors of one run remember between units (one object per run, never module state). */
export interface RunMemory {
  /** Attempt folders already created with their .gitignore. */
  preparedDirs: Set<string>;
  /** Units whose assignment fell back to --backend in this run (not asked again on a retry). */
  assignFellBack: Set<string>;
  /** The error of the state write at the end of the run, rethrown once the machine has stopped. */
  endError?: unknown;
  /** The `.worktreeinclude` files of the repository, listed once per run (--parallel). */
  worktreeInclude?: string[];
  /** True once this run put the worktrees folder in `.git/info/exclude` (--parallel; src/actors/worktree-open.ts). */
  worktreesExcluded?: boolean;
  /** Runaway checks of done attempts still under way while they are recorded, by unit key (src/actors/runaway.ts). */
  lateDoubts: Map<string, Promise<string[]>>;
  /** Progress entries written once their runaway check ends, chained in order (src/actors/late-progress.ts). */
  lateProgress?: Promise<void>;
  /** Attempts that could not start because seqorch could not write its own files (WriteError), by unit key: the recorder ends the run with it. */
  unwritable?: Map<string, unknown>;
}

/** A fresh memory for a new run. */
export const newRunMemory = (): RunMemory => ({ preparedDirs: new Set(), assignFellBack: new Set(), lateDoubts: new Map() });

/** The shared dependencies of the actors of one run. */
export interface RunContext {
  paths: RunPaths;
  planOptions: PlanOptions;
  /** This run's reader of tasks.md (with its own cache), planned with `planOptions`. */
  planReader: PlanReader;
  maxAttempts: number;
  /** Write checkboxes back to tasks.md (`[-]` while running, `[x]` when done). */
  writeback: boolean;
  store: StateStore;
  runner: SessionRunner;
  /** The default backend (--backend). */
  backend: string;
  /** The adapter for a backend name; throws UsageError for an unknown one. */
  adapterFor(backend: string): AgentAdapter;
  /** On a user's stop, leave the running agent for the next run to adopt (--detach-on-stop). */
  detachOnStop: boolean;
  /** Attempts left running by a run stopped with --detach-on-stop, by unit key: the next dispatch adopts them. */
  adoptable: Map<string, AttemptRecord>;
  /** A done without a change in the workdir (or with boxes unticked by the agent) is a failed attempt. */
  requireChanges: boolean;
  /** The workdir's git state before and after attempts (the runaway check). */
  workdirGit: WorkdirGit;
  /** Each attempt log is kept under this size, bytes (the tail is kept). */
  maxLogBytes: number;
  /** End an attempt that shows no output for this long, ms (Infinity: never). */
  idleTimeoutMs: number;
  /** Rate-limit text patterns (defaults plus --rate-limit-pattern); undefined: the defaults. */
  rateLimitPatterns?: readonly RegExp[];
  gates: Gates;
  memory: RunMemory;
  /** The workdir's repository root, once asked (src/actors/pipeline-record.ts). */
  repoRoot?: string;
  /** Units that run in their own worktree, by unit key (one map per run; absent or empty: every unit runs in `paths.workdir`). */
  unitWorkdirs?: Map<string, UnitWorkdir>;
  /** Set on the view contextForUnit gives of a unit in a worktree: that worktree. */
  worktree?: UnitWorkdir;
  /** Prices per model from the config file (src/usage/prices.ts); empty: costs only where the CLI reports them. */
  prices: PriceTable;
  /** --max-tokens, --max-cost, --max-unit-tokens, --max-unit-cost (null: none). */
  limits: BudgetLimits;
  /** When this run started, epoch ms: the run's usage sums attempts started since. */
  startedAtMs: number;
  /** Aborts when the user asked the run to stop (Ctrl-C, SIGTERM, SIGHUP). */
  stopSignal: AbortSignal;
  report(event: RunEvent): void;
}

/**
 * Where unit `key` runs: its worktree when one is registered (--parallel), else the main checkout's workdir and
 * the run's WorkdirGit (`worktree` null).
 */
export function unitWorkdir(context: RunContext, key: string): { workdir: string; git: WorkdirGit; worktree: UnitWorkdir | null } {
  const worktree = context.unitWorkdirs?.get(key) ?? null;
  return worktree ? { workdir: worktree.workdir, git: worktree.git, worktree } : { workdir: context.paths.workdir, git: context.workdirGit, worktree: null };
}

/**
 * The context a per-unit actor works with for unit `key`: `context` itself when the unit has no worktree (so a run
 * without --parallel is exactly as before); else a view whose `paths.workdir`, `workdirGit`, `repoRoot` and
 * `worktree` are the unit's worktree's (everything else, the state store, tasks.md, the progress log, is shared).
 */
export function contextForUnit(context: RunContext, key: string): RunContext {
  const worktree = context.unitWorkdirs?.get(key);
  if (!worktree) return context;
  return { ...context, paths: { ...context.paths, workdir: worktree.workdir }, workdirGit: worktree.git, repoRoot: worktree.root, worktree };
}
