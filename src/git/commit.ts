// Selective commit of one unit's work: only the paths the unit changed, never seqorch's own files or a path
// that was already modified or untracked when the unit started; a trailer names the unit and round.
import { relative, sep } from "node:path";
import { gitOk, runGit } from "./exec.ts";
import { headCommit } from "./git-dir.ts";
import { parseStatus, STATUS_ARGV, type GitSnapshot } from "./status.ts";

/** The trailer that marks seqorch's commit of one round of one unit (found again after a crash). */
export const ROUND_TRAILER = "Seqorch-Round";

/** What to leave out of a unit's commit. Paths relative to the repository root. */
export interface CommitScope {
  /** Paths modified or untracked when the unit started (the user's, or another unit's): never committed. */
  dirtyAtStart: readonly string[];
  /** seqorch's files (tasks.md, the state, the progress log, PULSE): never committed. */
  excluded: readonly string[];
  /** Folders whose content is never committed (`.seqorch/`), each ending in `/`. */
  excludedDirs: readonly string[];
}

/** A path as the repository sees it (relative to `root`, `/`-separated); null outside the repository. */
export function repoPath(root: string, path: string): string | null {
  const rel = relative(root, path);
  if (rel === "" || rel.startsWith("..")) return null;
  return rel.split(sep).join("/");
}

/** The paths of `now` that belong in the unit's commit, sorted (pure). */
export function unitFiles(now: GitSnapshot, scope: CommitScope): string[] {
  const skip = new Set([...scope.dirtyAtStart, ...scope.excluded]);
  const files = new Set<string>();
  for (const entry of now.entries) {
    for (const path of entry.from ? [entry.path, entry.from] : [entry.path]) {
      if (skip.has(path) || scope.excludedDirs.some((dir) => path.startsWith(dir))) continue;
      files.add(path);
    }
  }
  return [...files].sort();
}

/** The commit message: `<spec>: <unit id> <title>`, `(fix round N)` after a fix, and the round trailer. */
export function commitMessage(spec: string, unitId: string, title: string, unitKey: string, round: number): string {
  const subject = `${spec}: ${unitId} ${title.replace(/\s+/g, " ").trim()}${round > 0 ? ` (fix round ${round})` : ""}`;
  return `${subject}\n\n${ROUND_TRAILER}: ${roundMark(spec, unitKey, round)}\n`;
}

/** The trailer value of one round: `<spec>/<unit key>/<round>`. */
export const roundMark = (spec: string, unitKey: string, round: number): string => `${spec}/${unitKey}/${round}`;

/** argv that stages `files` (additions, changes and deletions) read NUL-separated from stdin, as literal paths. */
export const ADD_ARGV = ["--literal-pathspecs", "add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul"] as const;

/** argv that commits only the paths read from stdin (whatever else is staged stays staged), with `message`. */
export function commitArgv(message: string): string[] {
  return ["--literal-pathspecs", "commit", "-q", "--no-edit", "-m", message, "--pathspec-from-file=-", "--pathspec-file-nul"];
}

/** argv that folds the paths read from stdin into HEAD, keeping its message (a round resumed after a crash). */
export const AMEND_ARGV = ["--literal-pathspecs", "commit", "-q", "--amend", "--no-edit", "--pathspec-from-file=-", "--pathspec-file-nul"] as const;

/** argv printing the last `n` commits' full messages, NUL-separated, from `from` (default HEAD). */
export const logMessagesArgv = (n: number): string[] => ["log", `-${n}`, "--format=%H%x00%B%x00"];

/** Parse `logMessagesArgv` output into commits (id and message), newest first. */
export function parseLogMessages(output: string): { sha: string; message: string }[] {
  const parts = output.split("\0");
  const commits: { sha: string; message: string }[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const sha = parts[i]!.trim();
    if (sha) commits.push({ sha, message: parts[i + 1]! });
  }
  return commits;
}

/** The commit of a round already made (a run killed after committing), among HEAD's last few commits, or null. */
export async function findRoundCommit(root: string, mark: string, depth = 20): Promise<string | null> {
  const log = await runGit(root, logMessagesArgv(depth));
  if (log.code !== 0) return null; // no commits yet
  const line = `${ROUND_TRAILER}: ${mark}`;
  return parseLogMessages(log.stdout).find((c) => c.message.split("\n").some((l) => l.trim() === line))?.sha ?? null;
}

/** A commit made for a unit: its id and the paths it holds. */
export interface UnitCommit {
  sha: string;
  files: string[];
}

/**
 * Commit the unit's changed files in the repository at `root`, with `message`. Returns null when the unit changed
 * nothing committable. Throws GitError when staging or committing fails (a hook that refuses, no identity).
 */
export async function commitUnitFiles(root: string, scope: CommitScope, message: string): Promise<UnitCommit | null> {
  // Only the status is needed here (HEAD is read once the commit is made).
  const files = unitFiles({ head: null, entries: parseStatus(await gitOk(root, STATUS_ARGV)) }, scope);
  if (files.length === 0) return null;
  const list = `${files.join("\0")}\0`;
  await gitOk(root, ADD_ARGV, undefined, list);
  await gitOk(root, commitArgv(message), undefined, list);
  return { sha: await headCommit(root), files };
}
