// Getting a new unit worktree ready: the `.worktreeinclude` files copied in, then `--worktree-setup CMD` run there.
// A failed set-up blocks that unit alone (ralphctl's setupScript).
import { closeSync, openSync } from "node:fs";
import { copyIntoWorktree, worktreeIncludeFiles } from "./worktree-include.ts";

/** How the set-up of one worktree went. */
export type SetupResult = { ok: true; copied: string[] } | { ok: false; copied: string[]; exitCode: number; log: string };

/**
 * Copies the `.worktreeinclude` files of `repo` into `worktree` (`include` when the caller listed them once for the
 * run with worktreeIncludeFiles; else listed now, skipping `skip`, repository-relative folders), then
 * runs `setupCommand` (the user's `--worktree-setup`, a shell command line from a flag, never from tasks.md) with
 * `sh -c` in the worktree, its output appended to `log`. `signal` ends it. Throws GitError when listing fails.
 */
export async function setUpWorktree(
  repo: string,
  worktree: string,
  options: { setupCommand?: string | null; log: string; skip?: readonly string[]; include?: readonly string[]; signal?: AbortSignal },
): Promise<SetupResult> {
  const copied = [...(options.include ?? (await worktreeIncludeFiles(repo, options.skip ?? [])))];
  copyIntoWorktree(repo, worktree, copied);
  if (!options.setupCommand) return { ok: true, copied };
  const fd = openSync(options.log, "a");
  try {
    const proc = Bun.spawn(["sh", "-c", options.setupCommand], {
      cwd: worktree,
      stdin: "ignore",
      stdout: fd,
      stderr: fd,
      signal: options.signal,
      env: { ...process.env, SEQORCH_WORKTREE: worktree },
    });
    const exitCode = await proc.exited;
    return exitCode === 0 ? { ok: true, copied } : { ok: false, copied, exitCode, log: options.log };
  } finally {
    closeSync(fd);
  }
}
