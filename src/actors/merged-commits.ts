// After a unit's branch was rebased onto the integration branch and fast-forwarded (--parallel), its commits have
// new SHAs: the state's record of them (pipeline.<unit>.commits, read by PULSE's completions and semantic anchors
// and by `status`) is brought to the SHAs that are really on the branch.
import { gitOk } from "../git/exec.ts";
import { parallelGate } from "./worktree-open.ts";
import type { RunContext } from "./run-context.ts";

/**
 * Rewrite the recorded SHAs of `key`'s last `count` commits to the last `count` commits before and at `head`
 * (the rebase kept their order). Nothing happens when the counts differ (a record older than its commits).
 * Throws GitError when git cannot list them.
 */
export async function renameMergedCommits(context: RunContext, key: string, head: string, count: number): Promise<void> {
  const recorded = context.store.get().pipeline[key]?.commits ?? [];
  if (count <= 0 || recorded.length < count) return;
  const shas = (await gitOk(parallelGate(context).repo, ["rev-list", "--reverse", `--max-count=${count}`, head])).trim().split("\n");
  if (shas.length !== count) return;
  context.store.update((state) => {
    const commits = state.pipeline[key]?.commits ?? [];
    const first = commits.length - count;
    shas.forEach((sha, i) => void (commits[first + i]!.sha = sha));
  }, { units: [key] });
}
