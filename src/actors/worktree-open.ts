// Opening and closing a parallel unit's worktree (--parallel): made on `seqorch/<spec>/<unit>` from the integration
// HEAD under the spec's `.seqorch/worktrees/`, the `.worktreeinclude` files copied in, `--worktree-setup` run, recorded
// in the state and registered so the unit's actors run there (contextForUnit). Design: multi-agent-loop.md 3.8.
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { WorktreeSetupError } from "../errors.ts";
import { gitOk, runGit } from "../git/exec.ts";
import { parseStatus } from "../git/status.ts";
import { createUnitWorktree, removeUnitWorktree, unitWorktree, worktreesRoot, type UnitWorktree, type WorktreeOrigin } from "../git/worktree.ts";
import { worktreeIncludeFiles } from "../git/worktree-include.ts";
import { setUpWorktree } from "../git/worktree-setup.ts";
import { crashPoint } from "../fault-injection.ts";
import type { WorktreeRecord } from "../store/state.ts";
import { repoRootOf } from "./pipeline-record.ts";
import { safeName } from "./dispatcher.ts";
import type { ParallelGate, RunContext } from "./run-context.ts";
import { recordWorktree, registerUnitWorkdir, unregisterUnitWorkdir, worktreeRecordOf, writeWorktreeRecord } from "./worktree-registry.ts";

/** The statuses whose worktree counts against --parallel N (a unit in flight). */
const IN_FLIGHT: ReadonlySet<WorktreeRecord["status"]> = new Set(["open", "queued", "merging"]);

/** The run's parallel gate. Throws Error when the run has none (a wiring bug: no worktrees without --parallel). */
export function parallelGate(context: RunContext): ParallelGate {
  const gate = context.gates.parallel;
  if (!gate) throw new Error("unit worktrees need the parallel gate (--parallel N > 1)");
  return gate;
}

/** The run's main checkout: the parallel gate's, else (recovery in a run without --parallel) the workdir's repository root. */
export async function runRepo(context: RunContext): Promise<string> {
  return context.gates.parallel?.repo ?? (await repoRootOf(context));
}

/** Where the unit's worktree lives and its branch (`<spec>/.seqorch/worktrees/<unit>`, `seqorch/<spec>/<unit>`). */
export function unitWorktreeOf(context: RunContext, key: string): UnitWorktree {
  return unitWorktree(realpathSync(context.paths.specDir), context.paths.specName, key);
}

/** An opened worktree: the unit's workdir in it, its top folder, branch, base commit and how it was found. */
export interface OpenedWorktree {
  workdir: string;
  path: string;
  branch: string;
  /** The integration HEAD the branch started from (40 hex). */
  base: string;
  /** `created` (new branch), `adopted` (left by a killed run, taken as it is), `reattached` (branch kept, folder made again). */
  origin: WorktreeOrigin;
}

async function integrationHead(gate: ParallelGate): Promise<string> {
  return (await gitOk(gate.repo, ["rev-parse", "--verify", `refs/heads/${gate.integrationBranch}^{commit}`])).trim();
}

/** The `.worktreeinclude` files, listed once per run (the worktrees folder itself never copied). */
async function includeFiles(context: RunContext, gate: ParallelGate): Promise<string[]> {
  const skip = relative(gate.repo, worktreesRoot(realpathSync(context.paths.specDir)));
  return (context.memory.worktreeInclude ??= await worktreeIncludeFiles(gate.repo, [skip]));
}

/**
 * Open unit `unit.key`'s worktree and make its actors run there. A record left `open` or `queued` by a killed run
 * is adopted with its base (its work kept); otherwise the branch starts at the integration HEAD (after a send-back:
 * the new HEAD, the earlier try set aside). A new (or not yet recorded) worktree gets the `.worktreeinclude` files and
 * `--worktree-setup` (its log: `<attempts>/<unit>.worktree-setup.log`). Throws WorktreeSetupError when the set-up
 * fails (the worktree is kept, recorded `kept`: the caller blocks the unit with a `worktree_setup` decision), or with
 * `stopped` when `signal` ended it (nothing recorded: the next run adopts the worktree and sets it up again), Error
 * when N worktrees are already in flight or the unit was merged, GitError / WorktreePreflightError from git.
 */
export async function openUnitWorktree(context: RunContext, unit: { key: string; id: string }, signal: AbortSignal = context.stopSignal): Promise<OpenedWorktree> {
  const gate = parallelGate(context);
  const record = worktreeRecordOf(context, unit.key);
  if (record && (record.status === "merged" || record.status === "removed")) throw new Error(`unit ${unit.id} is already merged; its worktree is not opened again`);
  const others = Object.entries(context.store.get().worktrees ?? {}).filter(([key, r]) => key !== unit.key && IN_FLIGHT.has(r.status));
  if (others.length >= gate.n) throw new Error(`--parallel ${gate.n}: ${others.length} worktrees are in flight already (${others.map(([k]) => k).join(", ")})`);
  const wt = unitWorktreeOf(context, unit.key);
  const resumed = record !== null && (record.status === "open" || record.status === "queued");
  const base = resumed ? record.base : await integrationHead(gate);
  // The worktrees folder goes into .git/info/exclude once per run (createUnitWorktree checks it otherwise).
  const origin = await createUnitWorktree(gate.repo, wt, base, { excluded: context.memory.worktreesExcluded === true });
  context.memory.worktreesExcluded = true;
  crashPoint("worktree.created");
  // A branch found again without a record of its base started where it meets the integration branch.
  const start = resumed ? base : origin === "created" ? base : (await gitOk(gate.repo, ["merge-base", wt.branch, `refs/heads/${gate.integrationBranch}`])).trim();
  const initial = { path: wt.path, branch: wt.branch, base: start, status: "open" as const, integration: gate.integrationBranch, backup_ref: null, sent_back: 0, aside: [], note: null };
  if (!resumed) {
    mkdirSync(context.paths.attemptsDir, { recursive: true });
    const log = join(context.paths.attemptsDir, `${safeName(unit.key)}.worktree-setup.log`);
    const setup = await setUpWorktree(gate.repo, wt.path, { setupCommand: gate.worktreeSetup, log, include: await includeFiles(context, gate), signal });
    if (!setup.ok && signal.aborted) throw new WorktreeSetupError(unit.id, wt.path, setup.exitCode, setup.log, true); // not recorded: set up again next run
    if (!setup.ok) {
      const error = new WorktreeSetupError(unit.id, wt.path, setup.exitCode, setup.log);
      writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { path: wt.path, branch: wt.branch, base: start, status: "kept", note: error.message }), initial);
      throw error;
    }
    crashPoint("worktree.setup");
  }
  writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { path: wt.path, branch: wt.branch, base: start, status: record?.status === "queued" ? "queued" : "open", note: null }), initial);
  const entry = registerUnitWorkdir(context, unit.key, { repo: gate.repo, path: wt.path, branch: wt.branch, base: start, specRel: gate.specRel });
  return { workdir: entry.workdir, path: wt.path, branch: wt.branch, base: start, origin };
}

/** Paths with uncommitted changes in a worktree (untracked included). */
async function uncommitted(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  return parseStatus(await gitOk(path, ["status", "--porcelain=v1", "-z", "--untracked-files=all"])).map((e) => e.path);
}

/** What closeUnitWorktree did: `kept` (folder and branch stay) or `removed` (folder gone; `branchKept` when it has unmerged commits). */
export interface ClosedWorktree {
  path: string;
  branch: string;
  status: "kept" | "removed";
  branchKept: boolean;
}

/**
 * Close a unit's worktree that will not merge now (a failed or blocked unit, a stopped run): its actors run in the
 * main checkout again. `keep` (or uncommitted changes in it: never deleted) keeps folder and branch, recorded `kept`
 * with `note` (the summary names it); otherwise the folder is removed, and the branch too unless it holds commits
 * the integration branch lacks. Throws Error when the unit has no worktree record, GitError from git.
 */
export async function closeUnitWorktree(context: RunContext, unit: { key: string; id: string }, options: { keep: boolean; note: string }): Promise<ClosedWorktree> {
  const gate = parallelGate(context);
  const record = worktreeRecordOf(context, unit.key);
  if (!record) throw new Error(`unit ${unit.id} has no worktree to close`);
  unregisterUnitWorkdir(context, unit.key);
  const wt = recordWorktree(unit.key, record);
  const dirty = await uncommitted(wt.path);
  if (options.keep || dirty.length > 0) {
    const note = dirty.length > 0 && !options.keep ? `${options.note}; kept: uncommitted changes (${dirty.slice(0, 3).join(", ")}${dirty.length > 3 ? ", …" : ""})` : options.note;
    writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { status: "kept", note }));
    return { path: wt.path, branch: wt.branch, status: "kept", branchKept: true };
  }
  const ahead = (await runGit(gate.repo, ["rev-list", "--count", `refs/heads/${record.integration}..refs/heads/${wt.branch}`])).stdout.trim();
  const branchKept = ahead !== "" && ahead !== "0";
  await removeUnitWorktree(gate.repo, wt, !branchKept);
  writeWorktreeRecord(context, unit.key, (r) => Object.assign(r, { status: "removed", note: branchKept ? `${options.note}; branch ${wt.branch} kept with ${ahead} unmerged commit(s)` : options.note }));
  return { path: wt.path, branch: wt.branch, status: "removed", branchKept };
}
