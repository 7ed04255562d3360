// Preflight before parallel units: the main checkout must be on a branch, clean (tracked files), not mid-merge or
// mid-rebase, with enough free disk for worktrees (ralph-tui PR #335; multi-agent-loop.md 3.8).
import { existsSync, statfsSync } from "node:fs";
import { WorktreePreflightError } from "../errors.ts";
import { pathCovers } from "../schedule/manifest.ts";
import { gitOk, runGit } from "./exec.ts";
import { parseStatus } from "./status.ts";

/** Free space under which parallel runs refuse to start (500 MiB, as ralph-tui). */
export const MIN_FREE_BYTES = 500 * 1024 * 1024;

/** What the preflight read from the repository; pure input of preflightProblems. */
export interface RepoFacts {
  /** Current branch, or null for a detached HEAD. */
  branch: string | null;
  /** `git status --porcelain=v1 -z --untracked-files=no` entries as `XY path`. */
  dirty: string[];
  /** Operations in progress, by name (`merge`, `rebase`, `cherry-pick`, `revert`). */
  inProgress: string[];
  /** Paths with unmerged entries (`git ls-files -u`). */
  unmerged: string[];
  freeBytes: number;
}

const IN_PROGRESS: [string, string][] = [
  ["merge", "MERGE_HEAD"],
  ["rebase", "rebase-merge"],
  ["rebase", "rebase-apply"],
  ["cherry-pick", "CHERRY_PICK_HEAD"],
  ["revert", "REVERT_HEAD"],
];

/**
 * One line per problem, or none: a detached HEAD, a merge/rebase/cherry-pick in progress, unmerged paths, modified
 * tracked files outside `ownFolders` (seqorch's own spec folder, whose tasks.md it ticks), too little free space.
 */
export function preflightProblems(facts: RepoFacts, ownFolders: readonly string[], minFreeBytes = MIN_FREE_BYTES): string[] {
  const problems: string[] = [];
  if (facts.branch === null) problems.push("HEAD is detached: check out the branch the units should merge onto (git switch <branch>)");
  for (const op of new Set(facts.inProgress)) problems.push(`a ${op} is in progress: finish it or abort it (git ${op} --continue / --abort)`);
  if (facts.unmerged.length > 0) problems.push(`unresolved conflicts in ${facts.unmerged.slice(0, 3).join(", ")}${facts.unmerged.length > 3 ? ", …" : ""}`);
  const dirty = facts.dirty.filter((entry) => !ownFolders.some((folder) => pathCovers(folder, entry.slice(3))));
  if (dirty.length > 0) {
    const names = dirty.slice(0, 3).map((e) => e.slice(3));
    problems.push(`tracked files have uncommitted changes (${names.join(", ")}${dirty.length > 3 ? ", …" : ""}): commit or stash them first`);
  }
  if (facts.freeBytes < minFreeBytes) {
    const mib = (n: number) => `${Math.floor(n / 1024 / 1024)} MiB`;
    problems.push(`only ${mib(facts.freeBytes)} free on disk; parallel worktrees need at least ${mib(minFreeBytes)}`);
  }
  return problems;
}

/** Reads the facts preflightProblems judges, from the main checkout at `repo`. */
export async function readRepoFacts(repo: string): Promise<RepoFacts> {
  const head = await runGit(repo, ["symbolic-ref", "-q", "--short", "HEAD"]);
  const status = parseStatus(await gitOk(repo, ["status", "--porcelain=v1", "-z", "--untracked-files=no"]));
  const inProgress: string[] = [];
  for (const [name, file] of IN_PROGRESS) {
    const path = (await gitOk(repo, ["rev-parse", "--path-format=absolute", "--git-path", file])).trim();
    if (existsSync(path)) inProgress.push(name);
  }
  const unmerged = [...new Set(parseNulPaths(await gitOk(repo, ["ls-files", "-u", "-z"])))];
  const fs = statfsSync(repo);
  return {
    branch: head.code === 0 ? head.stdout.trim() : null,
    dirty: status.map((s) => `${s.xy} ${s.path}`),
    inProgress,
    unmerged,
    freeBytes: Number(fs.bavail) * Number(fs.bsize),
  };
}

/** `git ls-files -u -z` entries are `<mode> <sha> <stage>\t<path>`: the paths. */
function parseNulPaths(output: string): string[] {
  return output
    .split("\0")
    .filter((e) => e.includes("\t"))
    .map((e) => e.slice(e.indexOf("\t") + 1));
}

/**
 * Refuses to start parallel units: throws WorktreePreflightError with one line per problem found. `ownFolders`
 * are repository-relative folders seqorch itself writes (the spec folder). Returns the branch the run merges onto.
 */
export async function preflightParallel(repo: string, ownFolders: readonly string[], minFreeBytes = MIN_FREE_BYTES): Promise<string> {
  const facts = await readRepoFacts(repo);
  const problems = preflightProblems(facts, ownFolders, minFreeBytes);
  if (problems.length > 0 || facts.branch === null) throw new WorktreePreflightError(repo, problems);
  return facts.branch;
}
