// One git operation at a time on a repository's worktree registry (`.git/worktrees/`): git takes no lock there, and
// a `git worktree add` or `list` that meets another one's half-made entry fails ("failed to read .git/worktrees/…
// /commondir"). Found by scripts/bench-worktrees.ts with four concurrent unit worktrees.
import { realpathSync } from "node:fs";

/** Tail of the queue of each repository (by real path) in this process. */
const tails = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier call for the same repository has settled (in call order), so worktree add, move,
 * remove, prune and branch changes never overlap in this process. Resolves or rejects with `fn`'s result.
 */
export function withWorktreeRegistry<T>(repo: string, fn: () => Promise<T>): Promise<T> {
  let key = repo;
  try {
    key = realpathSync(repo);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
