// Getting a new unit worktree ready: the `.worktreeinclude` files copied in, then `--worktree-setup CMD` run there.
// A failed set-up blocks that unit alone (ralphctl's setupScript).
import { closeSync, openSync } from "node:fs";
import { endAttemptTree } from "../runner/process-tree.ts";
import { copyIntoWorktree, worktreeIncludeFiles } from "./worktree-include.ts";

/** How the set-up of one worktree went. */
export type SetupResult = { ok: true; copied: string[] } | { ok: false; copied: string[]; exitCode: number; log: string };

/**
 * Copies the `.worktreeinclude` files of `repo` into `worktree` (`include` when the caller listed them once for the
 * run with worktreeIncludeFiles; else listed now, skipping `skip`, repository-relative folders), then
 * runs `setupCommand` (the user's `--worktree-setup`, a shell command line from a flag, never from tasks.md) with
 * `/bin/sh -c` in the worktree in its own process group, its output appended to `log`; `signal` ends its whole tree
 * (the group and every process carrying its SEQORCH_ATTEMPT_ID; a killed set-up reports 128 + signal, and resolves only once every process of its tree is gone). Throws GitError when listing fails.
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
  const attemptId = `worktree-setup-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  let proc;
  try {
    proc = Bun.spawn(["/bin/sh", "-c", options.setupCommand], {
      cwd: worktree,
      stdio: ["ignore", fd, fd],
      detached: true,
      env: { ...process.env, SEQORCH_WORKTREE: worktree, SEQORCH_ATTEMPT_ID: attemptId },
    });
  } finally {
    closeSync(fd);
  }
  const pid = proc.pid;
  // its group, and anything carrying its attempt id (a child that left the group). The shell may exit on the
  // SIGTERM before its background children have acted on theirs: the result waits for the whole ending.
  let ending: Promise<unknown> | null = null;
  const onAbort = () => void (ending ??= endAttemptTree({ pgid: pid, rootPid: pid, attemptId }, { graceMs: 2_000 }));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  try {
    const code = await proc.exited;
    if (ending) await ending;
    const exitCode = proc.signalCode ? 128 + (typeof proc.signalCode === "number" ? proc.signalCode : 9) : code;
    return exitCode === 0 ? { ok: true, copied } : { ok: false, copied, exitCode, log: options.log };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
