// The workdir's git state as data: HEAD, the branch, `git status --porcelain` entries, and a merge or rebase in progress.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gitOk, runGit } from "./exec.ts";

/** One `git status --porcelain=v1 -z` entry: the two status letters (`XY`, `??` untracked) and the path. */
export interface StatusEntry {
  xy: string;
  path: string;
  /** The old path of a rename or copy. */
  from?: string;
}

/** HEAD (null before the first commit) and every changed or untracked path, at one moment. */
export interface GitSnapshot {
  head: string | null;
  entries: StatusEntry[];
  /** With `snapshot(…, { contents: true })`: each listed path's blob id (`deleted` when absent), stored in the object database, to see and undo edits of an already-dirty file. */
  contents?: Record<string, string>;
}

/** argv of the status listing seqorch parses: NUL-separated, every untracked file (not just folders). */
export const STATUS_ARGV = ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"] as const;

/** Parse `git status --porcelain=v1 -z` output into entries (format: git-status(1), "Porcelain Format Version 1"). */
export function parseStatus(output: string): StatusEntry[] {
  const parts = output.split("\0");
  const entries: StatusEntry[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.length < 4) continue;
    const xy = part.slice(0, 2);
    const entry: StatusEntry = { xy, path: part.slice(3) };
    // A rename or copy is followed by its old path as the next field.
    if (xy[0] === "R" || xy[0] === "C") entry.from = parts[++i];
    entries.push(entry);
  }
  return entries;
}

/** The paths of a snapshot (with the old path of a rename), as a set. */
export function pathsOf(snapshot: GitSnapshot): Set<string> {
  return new Set(snapshot.entries.flatMap((e) => (e.from ? [e.path, e.from] : [e.path])));
}

/** The same state: same HEAD, the same status lines, and (when taken) the same contents. */
export function sameSnapshot(a: GitSnapshot, b: GitSnapshot): boolean {
  return a.head === b.head && changedPaths(a, b).length === 0;
}

/** argv that stores each path read from stdin as a blob and prints its id, one per line (so a later edit can be undone). */
export const HASH_ARGV = ["hash-object", "-w", "--no-filters", "--stdin-paths"] as const;

/**
 * argv of one status that also carries HEAD: porcelain v2 with the `# branch.oid` header (no ahead/behind count,
 * which can be slow), the same files as STATUS_ARGV.
 */
export const SNAPSHOT_ARGV = ["status", "--porcelain=v2", "--branch", "--no-ahead-behind", "-z", "--untracked-files=all", "--no-renames"] as const;

/**
 * Parse `git status --porcelain=v2 --branch -z` (git-status(1), "Porcelain Format Version 2") into HEAD (null for
 * `(initial)`, before the first commit) and entries shaped as parseStatus's: v2's `.` (unchanged) is v1's space,
 * `?` lines are `??`, a rename or copy (`2` lines, only without --no-renames) carries its old path. In git's order
 * (v2 lists unmerged paths after the others; every user of a snapshot's entries sorts or compares them as a set).
 */
export function parseStatusV2(output: string): { head: string | null; entries: StatusEntry[] } {
  const parts = output.split("\0");
  const entries: StatusEntry[] = [];
  let head: string | null = null;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.startsWith("# branch.oid ")) {
      const oid = part.slice("# branch.oid ".length);
      head = oid === "(initial)" ? null : oid;
      continue;
    }
    const kind = part[0];
    if (kind === "?") entries.push({ xy: "??", path: part.slice(2) });
    else if (kind === "1" || kind === "2" || kind === "u") {
      // fields before the path: 1 → 8, 2 → 9 (with the score), u → 10
      const fields = kind === "1" ? 8 : kind === "2" ? 9 : 10;
      let at = 0;
      for (let f = 0; f < fields && at >= 0; f++) {
        const space = part.indexOf(" ", at);
        at = space < 0 ? -1 : space + 1;
      }
      if (at < 0) continue;
      const entry: StatusEntry = { xy: part.slice(2, 4).replaceAll(".", " "), path: part.slice(at) };
      if (kind === "2") entry.from = parts[++i];
      entries.push(entry);
    }
  }
  return { head, entries };
}

/**
 * Take a snapshot of `workdir` (a repository root when `contents` is asked for: status paths are root-relative):
 * one git process (SNAPSHOT_ARGV), two more with `contents` when files are listed. Throws GitError when it is not in
 * a git repository.
 */
export async function snapshot(workdir: string, options: { contents?: boolean } = {}): Promise<GitSnapshot> {
  const result: GitSnapshot = parseStatusV2(await gitOk(workdir, SNAPSHOT_ARGV));
  if (options.contents) {
    const present = result.entries.map((e) => e.path).filter((p) => existsSync(join(workdir, p)));
    const ids = present.length ? (await gitOk(workdir, HASH_ARGV, undefined, `${present.join("\n")}\n`)).trim().split("\n") : [];
    result.contents = Object.fromEntries(result.entries.map((e) => [e.path, "deleted"]));
    present.forEach((p, i) => (result.contents![p] = ids[i] ?? "?"));
  }
  return result;
}

/**
 * The paths whose state differs between two snapshots taken with `contents`: new, gone, or with other content or
 * status letters. Empty (and equal HEADs) means nothing changed in between.
 */
export function changedPaths(before: GitSnapshot, after: GitSnapshot): string[] {
  const key = (s: GitSnapshot, path: string) => `${s.entries.find((e) => e.path === path)?.xy ?? ""} ${s.contents?.[path] ?? ""}`;
  const all = new Set([...pathsOf(before), ...pathsOf(after)]);
  return [...all].filter((p) => !pathsOf(before).has(p) || !pathsOf(after).has(p) || key(before, p) !== key(after, p)).sort();
}

/** What stops seqorch from committing in a repository: not one, a detached HEAD, or an operation in progress. */
export type RepoProblem = "not-a-repository" | "detached-head" | "merge" | "rebase" | "cherry-pick" | "revert";

/** The files whose presence in the git folder means an operation is in progress (as git's own prompt script checks). */
const IN_PROGRESS: [Exclude<RepoProblem, "not-a-repository" | "detached-head">, string][] = [
  ["merge", "MERGE_HEAD"],
  ["rebase", "rebase-merge"],
  ["rebase", "rebase-apply"],
  ["cherry-pick", "CHERRY_PICK_HEAD"],
  ["revert", "REVERT_HEAD"],
];

/** Why `workdir` cannot take seqorch's commits, or null when it can (on a branch, nothing in progress). */
export async function repoProblem(workdir: string): Promise<RepoProblem | null> {
  const gitDir = await runGit(workdir, ["rev-parse", "--absolute-git-dir"]);
  if (gitDir.code !== 0) return "not-a-repository";
  const branch = await runGit(workdir, ["symbolic-ref", "-q", "HEAD"]);
  if (branch.code !== 0) return "detached-head";
  const dir = gitDir.stdout.trim();
  for (const [problem, file] of IN_PROGRESS) if (existsSync(join(dir, file))) return problem;
  return null;
}
