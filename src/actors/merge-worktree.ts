// One turn of the merge queue for a parallel unit (--parallel): backup ref, changed files against the manifest,
// rebase + fast-forward (src/git/merge-unit.ts), `--verify` on the integrated tree, the merge policy
// (src/schedule/merge-policy.ts), then the unit ticked and its worktree removed, or sent back to run alone, or
// handed to a human. Each step is recorded first in the state, so a kill -9 anywhere is repaired by
// recoverUnitWorktrees (src/actors/worktree-recover.ts) without merging a unit twice. The queue's order (task-ID
// order, one at a time) is nextMerge's (src/schedule/next-units.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { crashPoint } from "../fault-injection.ts";
import { runGit } from "../git/exec.ts";
import { backupRefName, dropBackupRef, mergeUnit, resetToBackup } from "../git/merge-unit.ts";
import { createUnitWorktree, removeMergedWorktree, removeUnitWorktree, setAsideUnitWorktree, type UnitWorktree } from "../git/worktree.ts";
import { unitManifest } from "../schedule/manifest.ts";
import { afterMergeTurn, type MergeStepResult } from "../schedule/merge-policy.ts";
import type { CheckboxMark, DispatchUnit } from "../spec/types.ts";
import { appendProgressNote } from "../store/progress.ts";
import type { State } from "../store/state.ts";
import { recordDecision } from "./decisions.ts";
import { safeName } from "./dispatcher.ts";
import { endMarks, writeUnitMarks } from "./marks.ts";
import { ensurePipeline } from "./pipeline-record.ts";
import type { RunContext } from "./run-context.ts";
import { verifyAttempt } from "./verifier.ts";
import { parallelGate, runRepo } from "./worktree-open.ts";
import { recordWorktree, unregisterUnitWorkdir, worktreeRecordOf, writeWorktreeRecord } from "./worktree-registry.ts";

/** What one merge turn of a unit did. */
export type UnitMergeResult =
  /** On the integration branch (`head`), checked, the unit completed and ticked, its worktree removed. */
  | { kind: "merged"; head: string; commits: number; changed: string[]; warnings: string[] }
  /** Not merged (a conflict, or `--verify` failed on the integrated tree and was reset): run the unit again alone. */
  | { kind: "run-alone"; reason: "conflict" | "verify-failed"; files: string[]; kept: UnitWorktree }
  /** Not merged, a decision recorded (the unit blocked), the worktree and branch kept for the human. */
  | { kind: "decision"; decision: "merge_conflict" | "scope_violation"; files: string[]; kept: UnitWorktree; question: string }
  /** The run was stopped during the checks: the merge undone, the unit still queued for the next run. */
  | { kind: "stopped" };

/** The unit's keys that count as done once it merged: its own and its sub-tasks'. */
function doneKeys(unit: DispatchUnit): string[] {
  return [unit.key, ...unit.subtasks.map((t) => t.key)];
}

/** The merge's commit point: the record `merged`, the unit completed in the state (one fsynced write). */
function recordMerged(context: RunContext, unit: DispatchUnit): void {
  context.store.update((state: State) => {
    const record = state.worktrees?.[unit.key];
    if (record) Object.assign(record, { status: "merged", updated_at: new Date().toISOString() });
    const keys = new Set(state.completed);
    for (const key of doneKeys(unit)) if (!keys.has(key)) state.completed.push(key);
    const pipeline = state.pipeline[unit.key];
    if (pipeline) pipeline.status = "completed";
  }, { units: [unit.key] });
}

/**
 * After the commit point (also from recovery): tick the unit's boxes (and, by leaf, parents now complete), then
 * remove its worktree, its merged branch and the backup ref, and record it `removed`. `tip`: the commit the merge
 * fast-forwarded to (from the merge turn; recovery does not know it): the branch and the backup ref then go in one
 * ref transaction that deletes the branch only while it is still there. Idempotent.
 */
export async function finishMergedUnit(context: RunContext, unit: DispatchUnit, tip?: string): Promise<void> {
  const repo = await runRepo(context);
  const record = worktreeRecordOf(context, unit.key);
  if (!record) return;
  if (context.writeback) {
    await writeUnitMarks(context, endMarks(unit, true));
    if (unit.task && context.planOptions.granularity === "leaf") {
      const parents = context.planReader.parentsToTick(unit.task.key);
      if (parents.length) await writeUnitMarks(context, parents.map((t) => ({ key: t.key, id: t.id, title: t.title, line: t.line, to: "x" as const, onlyIf: [" ", "-", "~"] as CheckboxMark[] })));
    }
  }
  crashPoint("merge.ticked");
  unregisterUnitWorkdir(context, unit.key);
  const backupRef = backupRefName(context.paths.specName, unit.key);
  if (tip) await removeMergedWorktree(repo, recordWorktree(unit.key, record), tip, [backupRef]);
  else {
    await removeUnitWorktree(repo, recordWorktree(unit.key, record), true);
    await dropBackupRef(repo, backupRef);
  }
  // Not fsynced: lost (to a power loss), the record says `merged` and recovery runs this again (idempotent).
  writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { status: "removed", backup_ref: null }), undefined, { durable: false });
}

/** The checks on the integrated main checkout (never the unit's worktree); logs in `<attempts>/<unit>.merge-<n>/`. */
async function verifyIntegrated(context: RunContext, unit: DispatchUnit, n: number, signal: AbortSignal): Promise<{ passed: boolean; reason: string | null }> {
  if (context.gates.verify.length === 0) return { passed: true, reason: null };
  const main: RunContext = { ...context, unitWorkdirs: undefined, worktree: undefined };
  const outLog = join(context.paths.attemptsDir, `${safeName(unit.key)}.merge-${n}`, "out.log");
  return verifyAttempt(main, { unit, attempt: n, dispatched: { attempt: n, outLog, handle: null } }, signal);
}

/** A failed turn: sent back once to run alone (the try set aside), or a decision with the worktree kept. */
async function failTurn(context: RunContext, unit: DispatchUnit, result: Exclude<MergeStepResult, "merged">, files: string[], detail: string): Promise<UnitMergeResult> {
  const gate = parallelGate(context);
  const record = worktreeRecordOf(context, unit.key)!;
  const wt = recordWorktree(unit.key, record);
  const verdict = afterMergeTurn(result, record.sent_back);
  unregisterUnitWorkdir(context, unit.key);
  if (verdict.status === "pending") {
    const reason = result === "gate-failed" ? "verify-failed" : "conflict";
    // The send-back is recorded before the try is set aside: recovery completes a set-aside cut short.
    writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { status: "sent-back", backup_ref: null, sent_back: verdict.sentBack, note: `sent back to run alone: ${detail}` }));
    await dropBackupRef(gate.repo, backupRefName(context.paths.specName, unit.key));
    crashPoint("merge.sent-back");
    const aside = await setAsideUnitWorktree(gate.repo, wt);
    crashPoint("merge.set-aside");
    writeWorktreeRecord(context, unit.key, (r) => {
      r.aside.push({ path: aside.path, branch: aside.branch });
      r.note = `sent back to run alone: ${detail}; earlier try kept at ${aside.path} (${aside.branch})`;
    });
    context.store.update((state) => void (ensurePipeline(state, unit.key).guidance = `Your earlier work on this unit did not merge onto ${gate.integrationBranch}: ${detail}. Do it again on the current code (units merged since are in it).`), { units: [unit.key] });
    appendProgressNote(context.paths.progressFile, `Unit ${unit.id} sent back to run alone (${new Date().toISOString()})`, [detail, `Earlier try kept: ${aside.path} on ${aside.branch}`]);
    context.report({ type: "unit-step", unitId: unit.id, step: "merge", ok: false, detail: `${detail}; runs again alone` });
    return { kind: "run-alone", reason, files, kept: aside };
  }
  const decision = verdict.decision === "scope_violation" ? "scope_violation" : "merge_conflict";
  const question =
    decision === "scope_violation"
      ? `unit ${unit.id} changed files outside its _writes: manifest (${files.join(", ")}); nothing merged. Its work is on ${wt.branch} in ${wt.path}: widen the manifest and retry, merge it yourself, or skip it`
      : `unit ${unit.id} did not merge onto ${gate.integrationBranch}: ${detail}. Its work is on ${wt.branch} in ${wt.path}: merge it yourself and answer fixed, retry, or skip it`;
  // Recorded before the decision: recovery records a decision a kill -9 left out (decisionOfKept).
  writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { status: "kept", backup_ref: null, sent_back: verdict.sentBack, note: `${decision}: ${question}` }));
  await dropBackupRef(gate.repo, backupRefName(context.paths.specName, unit.key));
  recordDecision(context, unit, decision, question, [wt.path]);
  return { kind: "decision", decision, files, kept: wt, question };
}

/**
 * Merge unit `unit` (its pipeline ended well in its worktree) onto the integration branch: one turn of the merge
 * queue. `signal` (default: the run's stop) ends the checks; a stop during them undoes the merge and leaves the unit
 * queued. Records every step in the unit's worktree record first. Throws Error when the unit has no open worktree
 * record, GitError on unexpected git failures (the record then stays `merging`: recovery repairs it).
 */
export async function mergeUnitWorktree(context: RunContext, unit: DispatchUnit, signal: AbortSignal = context.stopSignal): Promise<UnitMergeResult> {
  const gate = parallelGate(context);
  const record = worktreeRecordOf(context, unit.key);
  if (!record || !["open", "queued", "merging", "merged"].includes(record.status)) throw new Error(`unit ${unit.id} has no worktree waiting to merge (${record?.status ?? "none"})`);
  if (record.status === "merged") {
    await finishMergedUnit(context, unit);
    return { kind: "merged", head: (await headOf(gate.repo)) ?? "", commits: 0, changed: [], warnings: [] };
  }
  const backupRef = backupRefName(context.paths.specName, unit.key);
  // A queued unit whose folder went away (a person removed it; the branch holds its work) is checked out again.
  if (!existsSync(record.path)) await createUnitWorktree(gate.repo, recordWorktree(unit.key, record), record.base);
  writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { status: "merging", backup_ref: backupRef }));
  context.report({ type: "unit-step", unitId: unit.id, step: "merging", ok: true, detail: `onto ${gate.integrationBranch}`, title: unit.title });
  crashPoint("merge.start");
  const manifest = unitManifest(unit, context.store.get().assignments[unit.key] ?? {});
  const outcome = await mergeUnit({
    repo: gate.repo, worktree: recordWorktree(unit.key, record), integrationBranch: gate.integrationBranch, base: record.base,
    manifest, specRel: gate.specRel, lenient: gate.lenientWrites, specName: context.paths.specName,
  });
  if (outcome.kind === "scope-violation") return failTurn(context, unit, "scope-violation", outcome.outside, `files outside its _writes: manifest: ${outcome.outside.join(", ")}`);
  if (outcome.kind === "conflict") return failTurn(context, unit, "conflict", outcome.files, `its rebase onto ${gate.integrationBranch} conflicted in ${outcome.files.join(", ")}`);
  if (outcome.kind === "refused") return failTurn(context, unit, "refused", [], `the fast-forward was refused: ${outcome.reason}`);
  const checks = await verifyIntegrated(context, unit, record.sent_back + 1, signal);
  crashPoint("merge.verified");
  if (!checks.passed) {
    await resetToBackup(gate.repo, outcome.backupRef);
    if (checks.reason === null) {
      // stopped during the checks: undone; the next run merges it again
      writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { status: "queued", backup_ref: null }));
      return { kind: "stopped" };
    }
    return failTurn(context, unit, "gate-failed", outcome.changed, `after its merge ${checks.reason}; ${gate.integrationBranch} reset to where it was`);
  }
  recordMerged(context, unit);
  crashPoint("merge.recorded");
  const warnings = outcome.outside.length > 0 ? [`unit ${unit.id} changed files outside its _writes: manifest (merged under --lenient-writes): ${outcome.outside.join(", ")}`] : [];
  for (const message of warnings) context.report({ type: "warning", message });
  if (outcome.stashed.length > 0) warnings.push(`unit ${unit.id}: uncommitted files left in its worktree were stashed (git stash list): ${outcome.stashed.join(", ")}`);
  appendProgressNote(context.paths.progressFile, `Unit ${unit.id} merged onto ${gate.integrationBranch} (${new Date().toISOString()})`, [
    `${outcome.commits} commit(s), now at ${outcome.head}`,
    ...warnings,
  ]);
  await finishMergedUnit(context, unit, outcome.head);
  context.report({ type: "unit-step", unitId: unit.id, step: "merge", ok: true, detail: `merged onto ${gate.integrationBranch} at ${outcome.head.slice(0, 10)} (${outcome.commits} commit${outcome.commits === 1 ? "" : "s"})` });
  return { kind: "merged", head: outcome.head, commits: outcome.commits, changed: outcome.changed, warnings };
}

async function headOf(repo: string): Promise<string | null> {
  const head = await runGit(repo, ["rev-parse", "HEAD"]);
  return head.code === 0 ? head.stdout.trim() : null;
}
