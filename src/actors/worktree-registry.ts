// The run's two views of the parallel units' worktrees: the state's registry (`worktrees`, by unit key: path, branch,
// base commit, status; written through the store, durable, so a kill -9 leaves a record recovery trusts), and the
// per-run map of unit workdirs the per-unit actors run in (RunContext.unitWorkdirs, see contextForUnit).
import { relative, resolve } from "node:path";
import type { UnitWorktree } from "../git/worktree.ts";
import type { State, WorktreeRecord, WorktreeStatus } from "../store/state.ts";
import { ownFiles } from "./runaway.ts";
import type { RunContext, UnitWorkdir } from "./run-context.ts";
import { createWorkdirGit } from "./workdir-changes.ts";

/** The unit's worktree record, or null when it never had one. */
export function worktreeRecordOf(context: RunContext, key: string): WorktreeRecord | null {
  return context.store.get().worktrees?.[key] ?? null;
}

/**
 * Write the unit's worktree record: `change` edits it (created from `initial` when absent), fsynced unless
 * `durable: false` (written, not fsynced: for a change recovery can redo after a power loss, such as `removed` after a
 * merged unit's idempotent clean-up). Throws WriteError (the state is then as before) and Error when there is no
 * record and no `initial`.
 */
export function writeWorktreeRecord(
  context: RunContext,
  key: string,
  change: (record: WorktreeRecord) => void,
  initial?: Omit<WorktreeRecord, "updated_at">,
  options: { durable?: boolean } = {},
): WorktreeRecord {
  let written!: WorktreeRecord;
  context.store.update((state) => {
    const records = (state.worktrees ??= {});
    const record = records[key] ?? (initial ? { ...initial, updated_at: "" } : null);
    if (!record) throw new Error(`unit ${key} has no worktree record`);
    change(record);
    record.updated_at = new Date().toISOString();
    records[key] = record;
    written = record;
  }, { units: [key], durable: options.durable });
  return written;
}

/** Set the record's status (and note, when given). */
export function setWorktreeStatus(context: RunContext, key: string, status: WorktreeStatus, note?: string | null): WorktreeRecord {
  return writeWorktreeRecord(context, key, (r) => {
    r.status = status;
    if (note !== undefined) r.note = note;
  });
}

/** The UnitWorktree (unit, path, branch) a record names. */
export function recordWorktree(key: string, record: Pick<WorktreeRecord, "path" | "branch">): UnitWorktree {
  return { unit: key, path: record.path, branch: record.branch };
}

/**
 * The unit's workdir in worktree `wt` of the main checkout `repo`: the worktree itself, or the same sub-folder
 * `paths.workdir` is in the main checkout (a --workdir below the repository root).
 */
export function workdirInWorktree(context: RunContext, repo: string, worktreePath: string): string {
  const rel = relative(resolve(repo), resolve(context.paths.workdir));
  return rel === "" || rel.startsWith("..") ? worktreePath : resolve(worktreePath, rel);
}

/**
 * Make the per-unit actors run unit `key` in its worktree from now on (contextForUnit): registers the workdir and
 * a WorkdirGit of its own (one more instance through createWorkdirGit, seqorch's files left out as in the main
 * checkout). Returns what was registered.
 */
export function registerUnitWorkdir(context: RunContext, key: string, place: { repo: string; path: string; branch: string; base: string; specRel: string }): UnitWorkdir {
  const workdir = workdirInWorktree(context, place.repo, place.path);
  // seqorch's own files as they appear in the worktree (its copy of tasks.md is never the unit's change).
  const own = ownFiles(context.paths).map((file) => resolve(place.path, relative(place.repo, file)));
  const entry: UnitWorkdir = { workdir, root: place.path, specRel: place.specRel, branch: place.branch, base: place.base, git: createWorkdirGit(workdir, own) };
  (context.unitWorkdirs ??= new Map()).set(key, entry);
  return entry;
}

/** Units of `key` run in the main checkout again (their worktree was merged, kept or closed). */
export function unregisterUnitWorkdir(context: RunContext, key: string): void {
  context.unitWorkdirs?.delete(key);
}

/**
 * The worktrees a person should look at, for the run's summary: each `kept` one (why) and every earlier try set aside,
 * one line each, in unit order, with what to do. Pure.
 */
export function keptWorktreeLines(state: State): string[] {
  const lines: string[] = [];
  for (const [key, record] of Object.entries(state.worktrees ?? {})) {
    if (record.status === "kept") lines.push(`unit ${key}: worktree kept at ${record.path} (${record.branch})${record.note ? `: ${record.note}` : ""}`);
    for (const aside of record.aside) lines.push(`unit ${key}: an earlier try kept at ${aside.path} (${aside.branch}); compare it with git -C ${aside.path} log -p ${record.integration}.., merge or drop it, then seqorch worktrees --prune`);
  }
  return lines;
}
