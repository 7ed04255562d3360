// A parallel unit's git worktree: its path and branch, `git worktree add/remove/list` as argv builders plus parsers,
// and the exclude line that keeps worktrees out of the main checkout's `git status`. Design: multi-agent-loop.md 3.8.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { GitError, WorktreePreflightError } from "../errors.ts";
import { crashPoint } from "../fault-injection.ts";
import { withWorktreeRegistry } from "./registry-lock.ts";
import { gitOk, runGit } from "./exec.ts";
import { worktreeGitDir } from "./git-dir.ts";

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  /** Absolute path. */
  path: string;
  /** Commit checked out (40 hex), or "" for a bare entry. */
  head: string;
  /** Branch name without `refs/heads/`, or null when detached. */
  branch: string | null;
  /** True when git reports the folder missing (`prunable`). */
  prunable: boolean;
  locked: boolean;
}

/** Where a unit's worktree lives and on which branch. */
export interface UnitWorktree {
  unit: string;
  /** Absolute path: `<spec>/.seqorch/worktrees/<unit>`. */
  path: string;
  /** `seqorch/<spec>/<unit>`. */
  branch: string;
}

/** A ref-name component git accepts (git check-ref-format): unsafe characters become `-`. */
export function refComponent(text: string): string {
  const safe = text
    .replace(/[\s~^:?*[\\\x00-\x1f\x7f]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/@\{/g, "-")
    .replace(/^[.-]+|[./]+$/g, "")
    .replace(/\.lock$/i, "-lock")
    .replace(/\//g, "-");
  return safe === "" ? "unit" : safe;
}

/** The folder holding a spec's worktrees: `<spec>/.seqorch/worktrees`. */
export function worktreesRoot(specDir: string): string {
  return join(specDir, ".seqorch", "worktrees");
}

/** Path and branch of a unit's worktree (`seqorch/<spec>/<unit>`, each part made ref-safe). */
export function unitWorktree(specDir: string, specName: string, unitKey: string): UnitWorktree {
  const part = refComponent(unitKey);
  return { unit: unitKey, path: join(worktreesRoot(specDir), part), branch: `seqorch/${refComponent(specName)}/${part}` };
}

/**
 * `git worktree add --no-checkout -b <branch> <path> <base>`: a new branch at `base` registered at `path`; the files
 * are checked out afterwards (CHECKOUT_ARGS), outside the registry lock, so worktrees of a batch fill in parallel.
 */
export function worktreeAddArgs(path: string, branch: string, base: string): string[] {
  return ["worktree", "add", "--quiet", "--no-checkout", "-b", branch, path, base];
}

/** `git worktree add --no-checkout <path> <branch>`: an existing branch (left by an earlier run) registered again. */
export function worktreeReattachArgs(path: string, branch: string): string[] {
  return ["worktree", "add", "--quiet", "--no-checkout", path, branch];
}

/** `git reset --hard --quiet`, run in a new worktree: fills its index and files from its branch. */
export const CHECKOUT_ARGS: readonly string[] = ["reset", "--hard", "--quiet"];

/** Name of the file, in the worktree's own git folder, that says its files were checked out (so adoption knows). */
const READY_MARK = "seqorch-checked-out";

/** `git worktree remove --force <path>`: `--force` because ignored files (`.env`, node_modules) are expected there. */
export function worktreeRemoveArgs(path: string): string[] {
  return ["worktree", "remove", "--force", path];
}

export const WORKTREE_LIST_ARGS: readonly string[] = ["worktree", "list", "--porcelain", "-z"];

/**
 * Parses `git worktree list --porcelain -z`: records separated by an empty field, each field `key value`
 * (`worktree /p`, `HEAD <sha>`, `branch refs/heads/x`, `detached`, `locked [reason]`, `prunable [reason]`).
 */
export function parseWorktreeList(output: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | null = null;
  for (const field of output.split("\0")) {
    if (field === "") {
      if (current) entries.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space < 0 ? field : field.slice(0, space);
    const value = space < 0 ? "" : field.slice(space + 1);
    if (key === "worktree") current = { path: value, head: "", branch: null, prunable: false, locked: false };
    else if (!current) continue;
    else if (key === "HEAD") current.head = value;
    else if (key === "branch") current.branch = value.replace(/^refs\/heads\//, "");
    else if (key === "prunable") current.prunable = true;
    else if (key === "locked") current.locked = true;
  }
  if (current) entries.push(current);
  return entries;
}

/** The repository's top folder (of the main checkout, even when `cwd` is inside a linked worktree). */
export async function mainCheckout(cwd: string): Promise<string> {
  const common = (await gitOk(cwd, ["rev-parse", "--path-format=absolute", "--git-common-dir"])).trim();
  return dirname(common);
}

/** Every worktree git knows of in the repository at `repo` (run inside withWorktreeRegistry by the callers here). */
export async function listWorktrees(repo: string): Promise<WorktreeEntry[]> {
  return parseWorktreeList(await gitOk(repo, WORKTREE_LIST_ARGS));
}

/**
 * Adds `/<folder relative to the repository>/` to `.git/info/exclude` once, so the main checkout never shows
 * the worktrees as untracked files. Returns the pattern. Throws WorktreePreflightError when `folder` is outside the
 * repository.
 */
export async function excludeFromGit(repo: string, folder: string): Promise<string> {
  const rel = relative(repo, resolve(folder)).split("\\").join("/");
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw new WorktreePreflightError(repo, [`${folder} is outside this repository: unit worktrees live under the spec folder, which must be inside it`]);
  }
  const pattern = `/${rel}/`;
  const file = (await gitOk(repo, ["rev-parse", "--path-format=absolute", "--git-path", "info/exclude"])).trim();
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (!text.split(/\r?\n/).includes(pattern)) {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${text === "" || text.endsWith("\n") ? "" : "\n"}# seqorch: unit worktrees\n${pattern}\n`);
  }
  return pattern;
}

/** True when the branch exists (`refs/heads/<branch>`). */
export async function branchExists(repo: string, branch: string): Promise<boolean> {
  return (await runGit(repo, ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`])).code === 0;
}

/** How createUnitWorktree found things: a new branch, an existing worktree adopted, or an old branch checked out again. */
export type WorktreeOrigin = "created" | "adopted" | "reattached";

/** What createUnitWorktree may skip: `excluded` when the worktrees folder is known to be in `.git/info/exclude` already (once per run). */
export interface CreateOptions {
  excluded?: boolean;
}

/**
 * Makes (or adopts, after a kill -9) the unit's worktree: an existing worktree of the unit's branch at its path is
 * adopted as it is; a branch without a worktree is checked out again (its commits kept); otherwise a new branch
 * starts at `base` (the integration HEAD). A worktree left mid-rebase by a killed merge is put back on its branch
 * first. The worktrees folder is excluded from git first (unless `options.excluded`). Throws GitError, or
 * WorktreePreflightError when the folder is a worktree on another branch.
 * Git processes when nothing is left over: `worktree add` and `reset --hard` (the checkout) only.
 */
export async function createUnitWorktree(repo: string, wt: UnitWorktree, base: string, options: CreateOptions = {}): Promise<WorktreeOrigin> {
  const origin = await withWorktreeRegistry(repo, () => createLocked(repo, wt, base, options));
  const mark = join(await worktreeGitDir(wt.path), READY_MARK);
  if (origin === "created" || !existsSync(mark)) {
    // new, or killed between registering and checking out: nothing of the unit's is in the folder yet
    await gitOk(wt.path, CHECKOUT_ARGS);
    writeFileSync(mark, `${new Date().toISOString()}\n`);
  }
  return origin;
}

async function createLocked(repo: string, wt: UnitWorktree, base: string, options: CreateOptions): Promise<WorktreeOrigin> {
  if (!options.excluded) await excludeFromGit(repo, dirname(wt.path));
  mkdirSync(dirname(wt.path), { recursive: true });
  // Nothing at the path (the usual case): no worktree to adopt, so a new branch is tried first. It fails when the
  // branch exists or git still registers a folder that is gone; the full look below sorts that out.
  if (!existsSync(wt.path) && (await runGit(repo, worktreeAddArgs(wt.path, wt.branch, base))).code === 0) return "created";
  const known = (await listWorktrees(repo)).find((e) => resolve(e.path) === resolve(wt.path));
  if (known && !known.prunable && existsSync(wt.path)) {
    await abortInterruptedRebase(wt.path); // a merge killed mid-rebase left it detached
    const head = await runGit(wt.path, ["symbolic-ref", "-q", "--short", "HEAD"]);
    if (head.code === 0 && head.stdout.trim() === wt.branch) return "adopted";
    const on = head.code === 0 ? `branch ${head.stdout.trim()}` : "a detached HEAD";
    throw new WorktreePreflightError(repo, [`${wt.path} is a worktree on ${on}, not ${wt.branch}: check out ${wt.branch} there or remove it`]);
  }
  if (known) await gitOk(repo, ["worktree", "prune"]);
  if (await branchExists(repo, wt.branch)) {
    await gitOk(repo, worktreeReattachArgs(wt.path, wt.branch));
    return "reattached";
  }
  await gitOk(repo, worktreeAddArgs(wt.path, wt.branch, base));
  return "created";
}

/**
 * Removes the unit's worktree folder and its git entry (`worktree prune` only when the folder was already gone);
 * with `deleteBranch`, also the branch (only once merged: `-d`). Throws GitError.
 */
export function removeUnitWorktree(repo: string, wt: UnitWorktree, deleteBranch: boolean): Promise<void> {
  return withWorktreeRegistry(repo, async () => {
    if (existsSync(wt.path)) await gitOk(repo, worktreeRemoveArgs(wt.path));
    else await gitOk(repo, ["worktree", "prune"]);
    if (deleteBranch && (await branchExists(repo, wt.branch))) await gitOk(repo, ["branch", "-d", wt.branch]);
  });
}

/**
 * `git update-ref --stdin` lines deleting the merged unit's branch, only if it still points at `tip` (the commit the
 * integration branch was fast-forwarded to, so nothing of it is lost), and each ref of `alsoDelete` (git-update-ref(1)).
 */
export function deleteMergedRefsInput(branch: string, tip: string, alsoDelete: readonly string[]): string {
  return [`delete refs/heads/${branch} ${tip}`, ...alsoDelete.map((ref) => `delete ${ref}`)].map((line) => `${line}\n`).join("");
}

/**
 * Removes a unit's worktree once it is merged at `tip`: the folder, then its branch and `alsoDelete` (the backup
 * ref) in one atomic ref transaction, two git processes in all. When the branch is no longer at `tip` (moved by
 * hand) nothing is deleted by the transaction and it falls back to removeUnitWorktree's `branch -d` (which refuses an
 * unmerged branch) and deletes `alsoDelete` one by one. Throws GitError.
 */
export function removeMergedWorktree(repo: string, wt: UnitWorktree, tip: string, alsoDelete: readonly string[]): Promise<void> {
  return withWorktreeRegistry(repo, async () => {
    if (existsSync(wt.path)) await gitOk(repo, worktreeRemoveArgs(wt.path));
    else await gitOk(repo, ["worktree", "prune"]);
    if ((await runGit(repo, ["update-ref", "--stdin"], undefined, deleteMergedRefsInput(wt.branch, tip, alsoDelete))).code === 0) return;
    for (const ref of alsoDelete) await gitOk(repo, ["update-ref", "-d", ref]);
    if (await branchExists(repo, wt.branch)) await gitOk(repo, ["branch", "-d", wt.branch]);
  });
}

/** True when a rebase stopped (or was killed) in this worktree: `rebase-merge/` or `rebase-apply/` in its own git dir (per worktree). */
export async function rebaseInProgress(worktree: string): Promise<boolean> {
  const dir = await worktreeGitDir(worktree);
  return ["rebase-merge", "rebase-apply"].some((name) => existsSync(join(dir, name)));
}

/**
 * A merge killed mid-rebase (kill -9) leaves the worktree on a detached, half-rebased HEAD: `git rebase --abort`
 * puts the unit branch back where it was, so the next merge turn starts over. Returns true when one was aborted.
 */
export async function abortInterruptedRebase(worktree: string): Promise<boolean> {
  if (!(await rebaseInProgress(worktree))) return false;
  const aborted = await runGit(worktree, ["rebase", "--abort"]);
  if (aborted.code === 0) return true;
  // Killed in the middle of a step (its git got SIGPIPE when seqorch died): files half-written, so --abort refuses
  // ("untracked working tree files would be overwritten"). Nothing of the unit's is lost by forcing the worktree back:
  // its commits are on its branch (a rebase moves the branch only when it ends) and the worktree was clean when the
  // merge began (leftovers stashed first).
  const branch = await rebaseHeadName(worktree);
  if (!branch) throw new GitError("rebase --abort", aborted.stderr.trim().split("\n")[0] ?? `exit ${aborted.code}`);
  await gitOk(worktree, ["rebase", "--quit"]);
  await gitOk(worktree, ["checkout", "--force", "--quiet", branch]);
  return true;
}

/** The branch a stopped rebase was rebasing (`rebase-merge/head-name` or `rebase-apply/head-name`), or null. */
async function rebaseHeadName(worktree: string): Promise<string | null> {
  const dir = await worktreeGitDir(worktree);
  for (const name of ["rebase-merge/head-name", "rebase-apply/head-name"]) {
    const path = join(dir, name);
    if (existsSync(path)) {
      const ref = readFileSync(path, "utf8").trim();
      if (ref.startsWith("refs/heads/")) return ref.slice("refs/heads/".length);
    }
  }
  return null;
}

/**
 * Sets a conflicted unit's worktree and branch aside for the human (`<branch>-kept-<n>` at `<path>-kept-<n>`,
 * the first n free), so the unit can run again on a new branch from the new integration HEAD. Returns the new place.
 */
export function setAsideUnitWorktree(repo: string, wt: UnitWorktree): Promise<UnitWorktree> {
  return withWorktreeRegistry(repo, async () => {
    let n = 1;
    while ((await branchExists(repo, `${wt.branch}-kept-${n}`)) || existsSync(`${wt.path}-kept-${n}`)) n++;
    const aside: UnitWorktree = { unit: wt.unit, path: `${wt.path}-kept-${n}`, branch: `${wt.branch}-kept-${n}` };
    await gitOk(repo, ["branch", "-m", wt.branch, aside.branch]);
    crashPoint("worktree.renamed");
    if (existsSync(wt.path)) await gitOk(repo, ["worktree", "move", wt.path, aside.path]);
    return aside;
  });
}
