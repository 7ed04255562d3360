// After a kill -9 of a parallel run: the state's worktree registry against what git holds. A merge cut short is
// undone to its backup ref (or finished, past its commit point), a worktree left mid-rebase is put back on its
// branch, and a worktree made but never recorded is removed; the next run adopts or recreates the rest.
import { existsSync, realpathSync } from "node:fs";
import { resolve, sep } from "node:path";
import { gitOk, runGit } from "../git/exec.ts";
import { abortInterruptedRebase, branchExists, listWorktrees, removeUnitWorktree, setAsideUnitWorktree, worktreesRoot } from "../git/worktree.ts";
import { withWorktreeRegistry } from "../git/registry-lock.ts";
import { parseStatus } from "../git/status.ts";
import type { DispatchUnit } from "../spec/types.ts";
import type { WorktreeRecord } from "../store/state.ts";
import { recordDecision } from "./decisions.ts";
import { finishMergedUnit } from "./merge-worktree.ts";
import type { RunContext } from "./run-context.ts";
import { runRepo } from "./worktree-open.ts";
import { recordWorktree, writeWorktreeRecord } from "./worktree-registry.ts";

/** What recovery found: units to merge (`queued`), units to run again in their adopted worktree (`open`), notes. */
export interface WorktreeRecovery {
  /** Unit keys whose pipeline ended before the kill: they go straight to the merge queue. */
  queued: string[];
  /** Unit keys whose worktree is adopted when they are dispatched again (openUnitWorktree). */
  open: string[];
  /** One line per repair, for the progress log and the display. */
  notes: string[];
}

async function commitOf(repo: string, ref: string): Promise<string | null> {
  const out = await runGit(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return out.code === 0 ? out.stdout.trim() : null;
}

/**
 * A merge turn cut short (record `merging`): when the integration branch was fast-forwarded to the unit's branch but
 * the unit not recorded merged, it is reset to the backup ref (`reset --keep`: seqorch's uncommitted tick edits
 * stay); a rebase stopped in the worktree is aborted. The unit is queued again; its next turn merges it once.
 */
async function undoCutMerge(context: RunContext, key: string, record: WorktreeRecord): Promise<string> {
  const repo = await runRepo(context);
  const backup = record.backup_ref ? await commitOf(repo, record.backup_ref) : null;
  const head = await commitOf(repo, `refs/heads/${record.integration}`);
  const tip = await commitOf(repo, `refs/heads/${record.branch}`);
  if (existsSync(record.path)) await abortInterruptedRebase(record.path);
  let note = `unit ${key}: its merge was cut short before it moved ${record.integration}; queued to merge again`;
  if (backup && head && head !== backup) {
    const checkedOut = (await runGit(repo, ["symbolic-ref", "-q", "--short", "HEAD"])).stdout.trim();
    if (head !== tip || checkedOut !== record.integration) {
      writeWorktreeRecord(context, key, (r) => Object.assign(r, { status: "kept", note: `${record.integration} moved during the unit's cut-short merge (now ${head.slice(0, 10)}); left as it is` }));
      return `unit ${key}: ${record.integration} moved during its cut-short merge; its worktree ${record.path} is kept`;
    }
    await gitOk(repo, ["reset", "--quiet", "--keep", backup]);
    note = `unit ${key}: its merge was cut short after the fast-forward, before its checks; ${record.integration} reset to ${backup.slice(0, 10)}, queued to merge again`;
  }
  if (record.backup_ref) await gitOk(repo, ["update-ref", "-d", record.backup_ref]);
  writeWorktreeRecord(context, key, (r) => Object.assign(r, { status: "queued", backup_ref: null }));
  return note;
}

/**
 * A send-back cut short (record `sent-back`, the unit's branch or folder not yet set aside): finishes setting the
 * earlier try aside, so the unit's new worktree can start from the integration HEAD. Returns a note, or null.
 */
async function completeSetAside(context: RunContext, key: string, record: WorktreeRecord): Promise<string | null> {
  const repo = await runRepo(context);
  // Each send-back adds one set-aside try: as many as sends back, it was finished (the branch now is a new try's).
  if (record.aside.length >= record.sent_back) return null;
  const wt = recordWorktree(key, record);
  let aside: { path: string; branch: string } | null = null;
  if (await branchExists(repo, wt.branch)) aside = await setAsideUnitWorktree(repo, wt);
  else {
    const entries = await withWorktreeRegistry(repo, () => listWorktrees(repo));
    const entry = entries.find((e) => resolve(e.path) === resolve(wt.path));
    if (entry?.branch?.startsWith(`${wt.branch}-kept-`)) {
      // renamed, not moved yet
      aside = { path: `${wt.path}${entry.branch.slice(wt.branch.length)}`, branch: entry.branch };
      const target = aside.path;
      await withWorktreeRegistry(repo, () => gitOk(repo, ["worktree", "move", wt.path, target]));
    } else {
      // set aside whole, not recorded yet: the newest `-kept-<n>` the record does not name
      const named = new Set(record.aside.map((a) => a.branch));
      const newest = entries
        .filter((e) => e.branch?.startsWith(`${wt.branch}-kept-`) && !named.has(e.branch))
        .sort((a, b) => Number(b.branch!.slice(wt.branch.length + 6)) - Number(a.branch!.slice(wt.branch.length + 6)))[0];
      if (newest?.branch) aside = { path: newest.path, branch: newest.branch };
    }
  }
  if (!aside) return null;
  const kept = aside;
  writeWorktreeRecord(context, key, (r) => {
    if (!r.aside.some((a) => a.branch === kept.branch)) r.aside.push(kept);
  });
  return `unit ${key}: finished setting its earlier try aside at ${kept.path} (${kept.branch})`;
}

/** A kept record of a merge decision whose decision a kill -9 left unrecorded: recorded now. Returns a note, or null. */
function decisionOfKept(context: RunContext, key: string, record: WorktreeRecord, unit: DispatchUnit | undefined): string | null {
  const match = /^(merge_conflict|scope_violation): ([\s\S]+)$/.exec(record.note ?? "");
  if (!match || !unit) return null;
  const kind = match[1] as "merge_conflict" | "scope_violation";
  if (context.store.get().decisions.some((d) => d.unit === key && d.kind === kind && d.created_at >= record.updated_at)) return null;
  recordDecision(context, unit, kind, match[2]!, [record.path]);
  return `unit ${key}: recorded the ${kind} decision its cut-short merge left out`;
}

/** Worktrees under the spec's worktrees folder that no record names (made, then killed before the record): removed when clean. */
async function removeUnrecorded(context: RunContext): Promise<string[]> {
  const repo = await runRepo(context);
  const root = resolve(worktreesRoot(realpathSync(context.paths.specDir))) + sep;
  const known = new Set<string>();
  for (const record of Object.values(context.store.get().worktrees ?? {})) {
    known.add(resolve(record.path));
    for (const aside of record.aside) known.add(resolve(aside.path));
  }
  const notes: string[] = [];
  for (const entry of await withWorktreeRegistry(repo, () => listWorktrees(repo))) {
    const path = resolve(entry.path);
    if (!path.startsWith(root) || known.has(path) || !entry.branch) continue;
    const dirty = existsSync(path) ? parseStatus(await gitOk(path, ["status", "--porcelain=v1", "-z", "--untracked-files=no"])).length : 0;
    const ahead = Number((await gitOk(repo, ["rev-list", "--count", `HEAD..refs/heads/${entry.branch}`])).trim());
    if (dirty > 0 || ahead > 0) {
      notes.push(`worktree ${path} (${entry.branch}) is not in the state and holds work: kept (seqorch worktrees --spec … lists it)`);
      continue;
    }
    await removeUnitWorktree(repo, { unit: path.slice(root.length), path, branch: entry.branch }, true);
    notes.push(`removed worktree ${path}, made by a run killed before it was recorded`);
  }
  return notes;
}

/**
 * Repair the worktree registry after a run died (call at the start of every run after recoverRun; without
 * --parallel it repairs the same, and the queued and open units it returns wait for a parallel run): `merging`
 * records are undone (or finished, when recorded `merged`), `merged` ones ticked and removed, unrecorded clean
 * worktrees removed. Returns the units to merge and to run again. A no-op without worktree records. Throws GitError.
 */
export async function recoverUnitWorktrees(context: RunContext): Promise<WorktreeRecovery> {
  const result: WorktreeRecovery = { queued: [], open: [], notes: [] };
  const records = context.store.get().worktrees;
  if (!records || Object.keys(records).length === 0) return result;
  const units = new Map(context.planReader.read(context.store.get().completed).plan.units.map((u) => [u.key, u]));
  for (const [key, record] of Object.entries(records)) {
    const unit = units.get(key);
    let note: string | null = null;
    if (record.status === "merging") note = await undoCutMerge(context, key, record);
    else if (record.status === "sent-back") note = await completeSetAside(context, key, record);
    else if (record.status === "kept") note = decisionOfKept(context, key, record, unit);
    if (note) result.notes.push(note);
    if (record.status === "merged") {
      if (unit) {
        await finishMergedUnit(context, unit);
        result.notes.push(`unit ${key}: merged before the run died; ticked and its worktree removed`);
      }
    }
    const now = context.store.get().worktrees?.[key];
    if (now?.status === "queued") result.queued.push(key);
    else if (now?.status === "open") result.open.push(key);
    if (now && (now.status === "open" || now.status === "queued") && !existsSync(now.path)) {
      result.notes.push(`unit ${key}: its worktree ${now.path} is gone; it is made again from ${recordWorktree(key, now).branch} when the unit runs`);
    }
  }
  result.notes.push(...(await removeUnrecorded(context)));
  return result;
}
