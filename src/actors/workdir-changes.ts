// Evidence that an attempt did something: a fingerprint of the workdir's git state before and after.
import { createHash } from "node:crypto";

/** Workdirs found not to be git repositories (asked once per run, not once per unit). */
const notGit = new Set<string>();

/**
 * A fingerprint of the workdir's git state (HEAD plus `git status --porcelain`), or null when the workdir is
 * not in a git repository (or git is missing). Two equal fingerprints mean the attempt changed nothing git sees.
 * `exclude`: absolute paths left out of the status (seqorch's own files: tasks.md, state, progress), given as
 * git pathspecs; paths outside the workdir are ignored (git would refuse a pathspec outside the repository).
 */
export async function workdirFingerprint(workdir: string, exclude: readonly string[] = []): Promise<string | null> {
  if (notGit.has(workdir)) return null;
  const run = async (args: string[]) => {
    const proc = Bun.spawn(["git", ...args], { cwd: workdir, stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    return code === 0 ? out : null;
  };
  try {
    const head = await run(["rev-parse", "--verify", "-q", "HEAD"]);
    const inside = exclude.filter((p) => p.startsWith(`${workdir}/`));
    const pathspecs = inside.length ? ["--", ":/", ...inside.map((p) => `:(exclude)${p}`)] : [];
    const status = await run(["status", "--porcelain=v1", "--untracked-files=all", ...pathspecs]);
    if (status === null) {
      notGit.add(workdir);
      return null;
    }
    return createHash("sha1").update(`${head ?? ""}\n${status}`).digest("hex");
  } catch {
    notGit.add(workdir);
    return null; // git is not installed
  }
}
