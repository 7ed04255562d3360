// Evidence that an attempt did something: the workdir's git state (HEAD and changes) before and after it,
// from one `git status --porcelain=v2 --branch` per unit.
import { basename, dirname, isAbsolute, relative } from "node:path";

/**
 * How long a fingerprint taken when an attempt ended stands for the state before the next attempt, ms. Between
 * the two only seqorch runs (recording, planning), and it writes only files the fingerprint leaves out; a longer
 * gap (a --delay, a rate-limit wait) may hold a person's commit, so the next attempt looks again.
 */
export const CARRY_MS = 2_000;

/** One run's view of its workdir's git state. */
export interface WorkdirGit {
  /** The fingerprint before an attempt: the one the previous attempt ended with, when recent, else a fresh one. */
  before(): Promise<string | null>;
  /**
   * A fresh fingerprint after an attempt; it also stands for the state before the next attempt (within
   * CARRY_MS). An attempt that ends without one leaves nothing to carry: the next `before` looks afresh.
   */
  after(): Promise<string | null>;
}

/** `text` with git's wildmatch specials (`*`, `?`, `[`, `\\`) escaped, for a `glob` pathspec. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\\]/g, (c) => `\\${c}`);
}

/**
 * Pathspecs that leave seqorch's own files out of the fingerprint: `files` inside `workdir` (relative to it,
 * as git resolves them from its cwd), and the temporary files an atomic write of each makes beside it
 * (`.<name>.<pid>.<n>.tmp`, src/store/atomic-write.ts: the fingerprint after an attempt may be taken while the
 * attempt is recorded); files outside it are not named (git rejects a path outside the repository).
 */
export function excludeSpecs(workdir: string, files: readonly (string | null)[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    if (file === null) continue;
    const rel = relative(workdir, file);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) continue;
    out.push(`:(exclude,literal)${rel}`);
    const dir = dirname(rel);
    out.push(`:(exclude,glob)${dir === "." ? "" : `${globLiteral(dir)}/`}.${globLiteral(basename(rel))}.*.tmp`);
  }
  return out;
}

/**
 * The `git` arguments: porcelain v2 status with `--branch` (its `# branch.oid` line is HEAD), every untracked
 * file, no ahead/behind count (a walk of history this check does not need), the whole repository minus
 * `excludes`; `--no-optional-locks` so that it never takes index.lock from a person's or an agent's git command.
 */
export function statusArgs(excludes: readonly string[]): string[] {
  return ["--no-optional-locks", "status", "--porcelain=v2", "--branch", "--no-ahead-behind", "--untracked-files=all", "--", ":(top)", ...excludes];
}

/**
 * A fingerprint of the workdir's git state (HEAD, index and changes as `git status` lists them), or null when
 * the workdir is not in a git repository or git is missing. Equal fingerprints: the attempt changed nothing git
 * sees (an edit to a file that was already modified before the attempt is not seen: status lists it the same).
 */
export async function workdirFingerprint(workdir: string, excludes: readonly string[] = [], git = "git"): Promise<string | null> {
  let proc;
  try {
    proc = Bun.spawn([git, ...statusArgs(excludes)], { cwd: workdir, stdin: "ignore", stdout: "pipe", stderr: "ignore" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null; // git is not installed
    throw error;
  }
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  // Bun's own hasher: node:crypto would cost every command about 1 ms and 1 MB at start-up.
  return code === 0 ? new Bun.CryptoHasher("sha1").update(out).digest("hex") : null;
}

/**
 * The workdir view of one run. `ownFiles`: what seqorch itself writes during the run (tasks.md, the state
 * file, the progress log), left out so that its own writes between two attempts never count as the agent's.
 * A workdir found not to be a git repository is not asked again.
 */
export function createWorkdirGit(workdir: string, ownFiles: readonly (string | null)[], now: () => number = Date.now): WorkdirGit {
  const excludes = excludeSpecs(workdir, ownFiles);
  // Looked up on PATH once per run, not at each spawn.
  const git = Bun.which("git");
  let notGit = git === null;
  let carried: { fingerprint: string | null; at: number } | null = null;
  /** The status an `after` runs now: a `before` waits for it rather than start a second git beside it. */
  let inflight: Promise<unknown> | null = null;
  const fresh = async () => {
    if (notGit) return null;
    const fingerprint = await workdirFingerprint(workdir, excludes, git ?? "git");
    if (fingerprint === null) notGit = true;
    return fingerprint;
  };
  return {
    async before() {
      if (inflight !== null) await inflight.catch(() => {});
      const last = carried;
      carried = null;
      if (last !== null && now() - last.at <= CARRY_MS) return last.fingerprint;
      return fresh();
    },
    async after() {
      const running = fresh();
      inflight = running;
      try {
        const fingerprint = await running;
        carried = { fingerprint, at: now() };
        return fingerprint;
      } finally {
        if (inflight === running) inflight = null;
      }
    },
  };
}
