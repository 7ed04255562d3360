// The per-spec state file (SEQUENTIAL_STATE.json): zod schema, load with validation, atomic updates.
// Keeps the reference's fields (completed, halted, started_at, completed_at, halted_at, halted_task, assignments;
// see ../shared/reference/reference-implementation.md §9) and adds what resuming needs.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { StateFileError } from "../errors.ts";
import { writeFileAtomic } from "./atomic-write.ts";

/** One attempt of one unit, as recorded. */
export const AttemptRecordSchema = z.object({
  n: z.number().int().positive(),
  iteration: z.number().int().nonnegative(),
  backend: z.string(),
  status: z.enum(["running", "done", "halt", "failed", "interrupted"]),
  reason: z.string().nullable().default(null),
  started_at: z.string(),
  ended_at: z.string().nullable().default(null),
  duration_ms: z.number().nonnegative().nullable().default(null),
  exit_code: z.number().int().nullable().default(null),
  /** Counts towards --max-attempts (false once a human restarted the unit after a halt). */
  counted: z.boolean().default(true),
  log: z.string(),
  err_log: z.string(),
  prompt_file: z.string(),
  runner: z.enum(["tmux", "direct"]),
  window_id: z.string().nullable().default(null),
  session_id: z.string().nullable().default(null),
  pid: z.number().int().nullable().default(null),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/** The assignment cached for a unit (backend plus the LLM's type and owner agent, when asked). */
export const AssignmentRecordSchema = z.object({
  backend: z.string(),
  type: z.string().optional(),
  owner_agent: z.string().optional(),
  source: z.enum(["default", "llm", "cache", "fallback"]),
});

/** The whole state file, version 1. */
export const StateSchema = z.object({
  version: z.literal(1),
  spec: z.string(),
  /** Keys of units (and their sub-tasks) recorded done; never dispatched again. */
  completed: z.array(z.string()),
  halted: z.boolean(),
  halted_task: z.string().nullable(),
  halted_reason: z.string().nullable(),
  halted_at: z.string().nullable(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  /** Iterations (dispatches) over all runs; numbers the progress log. */
  iteration: z.number().int().nonnegative(),
  /** The unit being worked on, or null between units. */
  current: z.object({ unit: z.string(), attempt: z.number().int().positive(), started_at: z.string() }).nullable(),
  assignments: z.record(z.string(), AssignmentRecordSchema),
  attempts: z.record(z.string(), z.array(AttemptRecordSchema)),
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
    assignments: {},
    attempts: {},
  };
}

/**
 * Read and validate a state file. Returns null when it does not exist.
 * Throws StateFileError naming the file and the first bad field; the file is never modified.
 */
export function loadState(path: string): State | null {
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

/** Number of attempts of `unit` that count towards --max-attempts. */
export function countedAttempts(state: State, unit: string): number {
  return (state.attempts[unit] ?? []).filter((a) => a.counted).length;
}

/** The state file of one run: an in-memory copy that only changes after the file on disk did. */
export interface StateStore {
  readonly path: string;
  /** The current state (do not mutate; use update). */
  get(): State;
  /** Apply `change` to a copy, write it atomically, then make it current. Throws WriteError; memory stays as before. */
  update(change: (draft: State) => void): State;
}

/** A store for `path` starting from `initial`. */
export function createStateStore(path: string, initial: State): StateStore {
  let current = initial;
  return {
    path,
    get: () => current,
    update(change) {
      const draft = structuredClone(current);
      change(draft);
      draft.updated_at = new Date().toISOString();
      writeFileAtomic(path, `${JSON.stringify(draft, null, 2)}\n`);
      current = draft;
      return current;
    },
  };
}
