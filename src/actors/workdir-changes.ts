// Evidence that an attempt did something: a fingerprint of the workdir's git state before and after.
import { createHash } from "node:crypto";

/** Workdirs found not to be git repositories (asked once per run, not once per unit). */
const notGit = new Set<string>();

/**
 * A fingerprint of the workdir's git state (HEAD plus `git status --porcelain`), or null when the workdir is
 * not in a git repository (or git is missing). Two equal fingerprints mean the attempt changed nothing git sees.
 */
export async function workdirFingerprint(workdir: string): Promise<string | null> {
  if (notGit.has(workdir)) return null;
  const run = async (args: string[]) => {
    const proc = Bun.spawn(["git", ...args], { cwd: workdir, stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    return code === 0 ? out : null;
  };
  try {
    const head = await run(["rev-parse", "--verify", "-q", "HEAD"]);
    const status = await run(["status", "--porcelain=v1", "--untracked-files=all"]);
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
