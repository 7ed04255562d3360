// The per-spec state file (SEQUENTIAL_STATE.json): zod schema, load with validation, atomic updates.
// Keeps the reference's fields (completed, halted, started_at, completed_at, halted_at, halted_task, assignments;
// see ../shared/reference/reference-implementation.md §9) and adds what resuming needs.
import { readFileSync, realpathSync } from "node:fs";
import { z } from "zod/mini";
import { StateFileError } from "../errors.ts";
import { UsageSchema } from "../usage/record.ts";
import { createAtomicWriter, writeFileAtomic, type AtomicWriter } from "./atomic-write.ts";
import type { Exchange } from "./rename-exchange.ts";
import { appendIntent, clearIntents, intentsPath, readIntents, type Intent } from "./intents.ts";
import { DebtSchema, DecisionSchema, UnitPipelineSchema } from "./pipeline.ts";

/** One attempt of one unit, as recorded. */
export const AttemptRecordSchema = z.object({
  n: z.int().check(z.positive()),
  iteration: z.int().check(z.nonnegative()),
  backend: z.string(),
  status: z.enum(["running", "done", "halt", "failed", "timeout", "rate-limited", "interrupted", "over-budget"]),
  reason: z._default(z.nullable(z.string()), null),
  started_at: z.string(),
  ended_at: z._default(z.nullable(z.string()), null),
  duration_ms: z._default(z.nullable(z.number().check(z.nonnegative())), null),
  exit_code: z._default(z.nullable(z.int()), null),
  /** Counts towards --max-attempts (false once a human restarted the unit after a halt). */
  counted: z._default(z.boolean(), true),
  /** The agent's stdout; its stderr (`err.log`) and prompt (`prompt.md`) are in the same folder. */
  log: z.string(),
  runner: z.enum(["tmux", "direct"]),
  window_id: z._default(z.nullable(z.string()), null),
  session_id: z._default(z.nullable(z.string()), null),
  pid: z._default(z.nullable(z.int()), null),
  /** tmux `wait-for` channel the attempt signals when it ends (to wait for an adopted attempt). */
  channel: z._default(z.nullable(z.string()), null),
  /** Left running on purpose by a run stopped with --detach-on-stop; the next run adopts it. */
  detached: z._default(z.boolean(), false),
  /** Unique id of the attempt, also in the agent's environment as SEQORCH_ATTEMPT_ID (to find it again safely). */
  attempt_id: z._default(z.string(), ""),
  /** The agent CLI's own session (thread) id, from its event stream; a retry may continue it (--resume-session). */
  agent_session_id: z._default(z.nullable(z.string()), null),
  /** The backend this unit was moved from to this attempt's (--fallback-backend), and why; null: its own backend. */
  fallback_from: z.optional(z.nullable(z.string())),
  fallback_reason: z.optional(z.nullable(z.string())),
  /** Tokens and cost of this attempt (src/usage/record.ts), when the backend reported usage. */
  agent_usage: z._default(z.nullable(UsageSchema), null),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/** The assignment cached for a unit (backend plus the LLM's type and owner agent, when asked). */
export const AssignmentRecordSchema = z.object({
  backend: z.string(),
  type: z.optional(z.string()),
  owner_agent: z.optional(z.string()),
  /** standard | complex | security-sensitive, when the assignment gave one (how many reviewers the unit gets). */
  criticality: z.optional(z.string()),
  /** The writes/reads manifest an orchestrate assignment gave (seed 004; used by parallel runs). */
  writes: z.optional(z.array(z.string())),
  reads: z.optional(z.array(z.string())),
  source: z.enum(["default", "llm", "cache", "fallback"]),
  /** Why the assignment fell back to --backend (a bad or missing reply), for source "fallback". */
  reason: z.optional(z.string()),
});

/**
 * What a unit's worktree is doing (--parallel; multi-agent-loop.md 3.8):
 * - `open`: made (or adopted), the unit's pipeline runs in it;
 * - `queued`: its pipeline ended well, it waits for its turn in the merge queue;
 * - `merging`: its merge turn is under way (`backup_ref` holds the integration HEAD from before it);
 * - `merged`: fast-forwarded and checked on the integrated tree, the unit completed (removal may still be due);
 * - `removed`: merged and its worktree, branch and backup ref removed;
 * - `sent-back`: its merge failed once (conflict or checks); set aside in `aside`, the unit runs again alone;
 * - `kept`: left for a human (a decision, a failed unit or set-up): the folder and branch stay.
 */
export const WORKTREE_STATUSES = ["open", "queued", "merging", "merged", "removed", "sent-back", "kept"] as const;

/** One unit's worktree in the state's registry (`worktrees`, by unit key). Paths absolute, times ISO strings. */
export const WorktreeRecordSchema = z.object({
  path: z.string(),
  branch: z.string(),
  /** The integration HEAD the branch started from (40 hex). */
  base: z.string(),
  status: z.enum(WORKTREE_STATUSES),
  /** The branch it merges onto (the one the run started on). */
  integration: z.string(),
  /** `refs/seqorch/pre-merge/<spec>/<unit>` while a merge is under way, else null. */
  backup_ref: z._default(z.nullable(z.string()), null),
  /** Times the unit was sent back to run alone (a conflict or failed checks after its merge). */
  sent_back: z._default(z.int().check(z.nonnegative()), 0),
  /** Worktrees of earlier tries set aside for a human (`<path>-kept-<n>` on `<branch>-kept-<n>`). */
  aside: z._default(z.array(z.object({ path: z.string(), branch: z.string() })), []),
  /** Why it is kept or was sent back, for the summary. */
  note: z._default(z.nullable(z.string()), null),
  updated_at: z.string(),
});
export type WorktreeRecord = z.infer<typeof WorktreeRecordSchema>;
export type WorktreeStatus = WorktreeRecord["status"];

/** The whole state file, version 1. */
export const StateSchema = z.object({
  version: z.literal(1),
  spec: z.string(),
  /** Keys of units (and their sub-tasks) recorded done; never dispatched again. */
  completed: z.array(z.string()),
  halted: z.boolean(),
  halted_task: z.nullable(z.string()),
  halted_reason: z.nullable(z.string()),
  halted_at: z.nullable(z.string()),
  started_at: z.nullable(z.string()),
  completed_at: z.nullable(z.string()),
  updated_at: z.nullable(z.string()),
  /** Iterations (dispatches) over all runs; numbers the progress log. */
  iteration: z.int().check(z.nonnegative()),
  /** The unit being worked on, or null between units. */
  current: z.nullable(z.object({ unit: z.string(), attempt: z.int().check(z.positive()), started_at: z.string() })),
  /** Set while the run waits out a rate limit (visible in `seqorch status`). */
  waiting: z._default(z.nullable(z.object({ unit: z.string(), until: z.string(), reason: z.string() })), null),
  assignments: z.record(z.string(), AssignmentRecordSchema),
  attempts: z.record(z.string(), z.array(AttemptRecordSchema)),
  // The multi-agent loop (--verify, --commit, --review; src/store/pipeline.ts). Absent in older files.
  /** Each unit's pipeline record, by unit key. */
  pipeline: z._default(z.record(z.string(), UnitPipelineSchema), {}),
  /** Decisions waiting for or answered by a human, oldest first. */
  decisions: z._default(z.array(DecisionSchema), []),
  /** Minor and info findings kept as debt. */
  debt: z._default(z.array(DebtSchema), []),
  /** Parallel units' worktrees, by unit key (src/actors/worktree-registry.ts). Absent until a unit gets one. */
  worktrees: z.optional(z.record(z.string(), WorktreeRecordSchema)),
});
export type State = z.infer<typeof StateSchema>;

/** A new, empty state for `spec`. */
export function emptyState(spec: string): State {
  return {
    version: 1,
    spec,
    completed: [],
    halted: false,
    halted_task: null,
    halted_reason: null,
    halted_at: null,
    started_at: null,
    completed_at: null,
    updated_at: null,
    iteration: 0,
    current: null,
    waiting: null,
    assignments: {},
    attempts: {},
    pipeline: {},
    decisions: [],
    debt: [],
  };
}

/**
 * Read and validate a state file, with the attempts started since its last write (its intent journal,
 * src/store/intents.ts) applied: what the file would hold had each start been written to it. Returns null when
 * it does not exist. Throws StateFileError naming the file (or the journal) and the first bad field or line;
 * neither file is ever modified.
 */
export function loadState(path: string): State | null {
  return loadStateAndIntents(path)?.state ?? null;
}

/** {@link loadState}, also saying how many journalled intents it applied (the state file lacks them). */
export function loadStateAndIntents(path: string): { state: State; intents: number } | null {
  const state = readStateFile(path);
  if (state === null) return null;
  const intents = state.updated_at === null ? [] : readIntents(path, state.updated_at);
  for (const intent of intents) applyIntent(state, validIntent(intent, path));
  return { state, intents: intents.length };
}

/**
 * The journalled start `intent`, its record validated. Throws StateFileError naming the journal when the record
 * is not an attempt record.
 */
function validIntent(intent: Intent, path: string): Intent & { record: AttemptRecord } {
  const parsed = AttemptRecordSchema.safeParse(intent.record);
  if (parsed.success) return { ...intent, record: parsed.data };
  const issue = parsed.error.issues[0]!;
  throw new StateFileError(intentsPath(path), `record.${issue.path.map(String).join(".")}`, issue.message);
}

/** Apply one start to `state`: its attempt record (once, by attempt id), the iteration, the current unit. */
function applyIntent(state: State, intent: Intent & { record: AttemptRecord }): void {
  const { record } = intent;
  const records = (state.attempts[intent.unit] ??= []);
  if (records.some((r) => r.attempt_id === record.attempt_id)) return;
  records.push(record);
  state.started_at ??= record.started_at;
  state.halted = false;
  state.iteration = Math.max(state.iteration, intent.iteration);
  state.current = { unit: intent.unit, attempt: intent.attempt, started_at: record.started_at };
}

/** Read and validate the state file itself (no journal); null when it does not exist. */
function readStateFile(path: string): State | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new StateFileError(path, "", `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(path, "", `not valid JSON (${(error as Error).message}); fix it or run \`seqorch reset\``);
  }
  const result = StateSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    throw new StateFileError(path, field, `${issue.message}; fix it or run \`seqorch reset\``);
  }
  return result.data;
}

/**
 * Throw StateFileError (exit 65) when the state file at `path` records another spec than `specDir` (a spec folder
 * copied with its state file, as a template): its ticks would be taken for this spec's. A recorded folder that no
 * longer exists is taken for this one moved or renamed, and accepted. Paths are compared after realpath.
 */
export function checkStateSpec(state: State, specDir: string, path: string): void {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  };
  const recorded = real(state.spec);
  if (recorded === null || recorded === real(specDir)) return;
  throw new StateFileError(path, "spec", `records spec ${state.spec}, not ${specDir} (copied with its folder?); run \`seqorch reset --spec ${specDir}\` to start this spec afresh`);
}

/** Number of attempts of `unit` that count towards --max-attempts. */
export function countedAttempts(state: State, unit: string): number {
  return (state.attempts[unit] ?? []).filter((a) => a.counted).length;
}

/**
 * The file text: one top-level key per line, and one line per unit under `attempts`, `assignments` and `pipeline`
 * (readable with `cat`, and a fraction of the size of fully indented JSON).
 */
export function formatState(state: State, lineCache?: UnitLineCache): string {
  return stateParts(state, lineCache).join("");
}

/** The pieces of {@link formatState}'s text, in order (unit lines reused from `lineCache` when unchanged). */
function stateParts(state: State, lineCache?: UnitLineCache): string[] {
  const parts: string[] = ["{\n"];
  let first = true;
  for (const [key, value] of Object.entries(state)) {
    if (!first) parts.push(",\n");
    first = false;
    if ((key === "attempts" || key === "assignments" || key === "pipeline") && value && typeof value === "object" && Object.keys(value).length > 0) {
      const line = (k: string, v: unknown) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`;
      parts.push(`  ${JSON.stringify(key)}: {\n`);
      let firstUnit = true;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (!firstUnit) parts.push(",\n");
        firstUnit = false;
        if (key !== "attempts" || !lineCache) {
          parts.push(line(k, v));
          continue;
        }
        const cached = lineCache.lines.get(k);
        if (cached !== undefined && lineCache.dirty !== null && !lineCache.dirty.has(k)) {
          parts.push(cached);
          continue;
        }
        const fresh = line(k, v);
        lineCache.lines.set(k, fresh);
        parts.push(fresh);
      }
      parts.push("\n  }");
      continue;
    }
    parts.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  }
  parts.push("\n}\n");
  return parts;
}

/**
 * The UTF-8 bytes of `parts`, written into `scratch.bytes` (grown by doubling, then reused): a state write
 * allocates no buffer of the file's size, which over a long run was most of the process's garbage. Returns a
 * view valid until the next call.
 */
function encodeParts(parts: readonly string[], scratch: { bytes: Buffer }): Buffer {
  let length = 0;
  for (const part of parts) {
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    if (length + part.length * 3 > scratch.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(scratch.bytes.length * 2, length + part.length * 3));
      scratch.bytes.copy(grown, 0, 0, length);
      scratch.bytes = grown;
    }
    length += scratch.bytes.write(part, length);
  }
  return scratch.bytes.subarray(0, length);
}

/** Serialised `attempts` lines kept between writes; `dirty`: the units changed since (null: all of them). */
export interface UnitLineCache {
  lines: Map<string, string>;
  dirty: Set<string> | null;
}

/** The state file of one run: an in-memory copy that only changes after the file on disk did. */
export interface StateStore {
  readonly path: string;
  /** The current state (do not mutate; use update). */
  get(): State;
  /**
   * Apply `change`, write the result atomically (fsynced unless `durable: false`). `units`: the only units whose
   * attempts the change touches (their lines are serialised again, the others reused). Throws WriteError; the
   * state is then as the file on disk holds it (a deferred change included in the failed write is lost too).
   * `defer: true`: the change is applied in memory only and reaches the disk with the next update (for what
   * recovery can do without, such as a started attempt's pid: the one in-memory change the file may lack).
   */
  update(change: (draft: State) => void, options?: { durable?: boolean; units?: string[]; defer?: boolean }): State;
  /**
   * Record the start of an attempt of `unit` (its record, status "running"; `attempt`: the unit's attempt
   * number): in memory, and as one line of the intent journal instead of a state write (the first start
   * of a state never written is a state write, not fsynced). Readers of the state file see it through
   * {@link loadState}. Throws WriteError; the state is then as before.
   */
  start(unit: string, attempt: number, record: AttemptRecord): State;
  /**
   * Write the state once more if journalled starts are not in the file yet (fsynced), then remove the journal
   * (and the writer's spare file): at a run's start (after recovery) and end. Throws WriteError (the journal is
   * then kept).
   */
  settle(): void;
}

/** The journal is removed after a state write once it holds this many bytes (all its lines are then in the file). */
const JOURNAL_LIMIT = 256 * 1024;

/** Options of {@link createStateStore}. */
export interface StateStoreOptions {
  /** Journalled starts applied to `initial` that the file lacks ({@link loadStateAndIntents}). Default 0. */
  intents?: number;
  /** Write through one spare file exchanged with the state file (a run's many writes; src/store/atomic-write.ts). */
  exchange?: Exchange | null;
}

/** A store for `path` starting from `initial` (as {@link loadStateAndIntents} read it). */
export function createStateStore(path: string, initial: State, options: StateStoreOptions = {}): StateStore {
  const intents = options.intents ?? 0;
  const writer: AtomicWriter = options.exchange ? createAtomicWriter(path, options.exchange) : { write: (data, o) => writeFileAtomic(path, data, o), close() {} };
  let current = initial;
  const pristine = JSON.stringify(initial);
  const lineCache: UnitLineCache = { lines: new Map(), dirty: null };
  const scratch = { bytes: Buffer.allocUnsafe(16 * 1024) };
  /** Units touched by deferred changes not yet written (null: possibly all of them; undefined: none pending). */
  let deferred: Set<string> | null | undefined = intents > 0 ? null : undefined;
  /** Starts journalled (or read from the journal) since the last write; bytes the journal holds, as far as known. */
  let unwritten = intents;
  let journalBytes = intents > 0 ? JOURNAL_LIMIT : 0;
  const defer = (units: readonly string[] | undefined) => {
    deferred = deferred === null || !units ? null : new Set([...(deferred ?? []), ...units]);
  };
  const store: StateStore = {
    path,
    get: () => current,
    update(change, options) {
      try {
        change(current);
        if (options?.defer) {
          defer(options.units);
          return current;
        }
        current.updated_at = new Date().toISOString();
        lineCache.dirty = options?.units && deferred !== null ? new Set([...options.units, ...(deferred ?? [])]) : null;
        deferred = undefined;
        writer.write(encodeParts(stateParts(current, lineCache), scratch), options);
      } catch (error) {
        deferred = undefined;
        lineCache.lines.clear();
        // The file on disk still holds the last good state (atomic write), and the journal the starts since.
        const reloaded = loadStateAndIntents(path);
        current = reloaded?.state ?? (JSON.parse(pristine) as State);
        unwritten = reloaded?.intents ?? 0;
        if (unwritten > 0) deferred = null;
        throw error;
      }
      unwritten = 0;
      if (journalBytes >= JOURNAL_LIMIT && options?.durable !== false) {
        clearIntents(path);
        journalBytes = 0;
      }
      return current;
    },
    start(unit, attempt, record) {
      const base = current.updated_at;
      const intent = { base, unit, iteration: current.iteration + 1, attempt, record };
      if (base === null) return store.update((draft) => applyIntent(draft, intent), { durable: false, units: [unit] });
      journalBytes += appendIntent(path, intent);
      applyIntent(current, intent);
      unwritten += 1;
      defer([unit]);
      return current;
    },
    settle() {
      if (unwritten > 0 || deferred !== undefined) store.update(() => {});
      clearIntents(path);
      journalBytes = 0;
      writer.close();
    },
  };
  return store;
}
