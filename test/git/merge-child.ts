// The child process of the kill -9 test (test/git/merge-kills.test.ts): one run of a parallel spec's end game.
// Recovers the worktree registry, then plays the unit agents (a unit with no commit of its own in its worktree gets
// one, made again on the new HEAD after a send-back) and the merge queue in task-ID order, until nothing is left.
// Prints one line per merge turn and `DONE`. Usage: bun test/git/merge-child.ts <repo>
import { git } from "./temp-repo.ts";
import { mergeUnitWorktree } from "../../src/actors/merge-worktree.ts";
import { openUnitWorktree } from "../../src/actors/worktree-open.ts";
import { setWorktreeStatus } from "../../src/actors/worktree-registry.ts";
import { recoverUnitWorktrees } from "../../src/actors/worktree-recover.ts";
import { compareTaskIds } from "../../src/schedule/task-order.ts";
import { agentCommits, contextFor, unitOf } from "./parallel-context.ts";

const repo = process.argv[2]!;
const { context } = await contextFor(repo, { n: 4, lenientWrites: true, verify: ["sleep 0.02"] });
const recovery = await recoverUnitWorktrees(context);
for (const note of recovery.notes) console.log(`note: ${note}`);
const byStatus = (wanted: string[]) =>
  Object.entries(context.store.get().worktrees ?? {})
    .filter(([, r]) => wanted.includes(r.status))
    .map(([key]) => key)
    .sort(compareTaskIds);
for (;;) {
  // the agents: a unit whose worktree holds no commit of its own does its work (again, after a send-back)
  for (const key of byStatus(["open", "sent-back"])) {
    const opened = await openUnitWorktree(context, { key, id: key });
    if (git(opened.path, "rev-list", "--count", `${opened.base}..HEAD`).trim() === "0") agentCommits(opened.path, key, { [`src/${key}.ts`]: `unit ${key}, alone\n` });
    setWorktreeStatus(context, key, "queued");
  }
  const next = byStatus(["queued"])[0];
  if (!next) break;
  const result = await mergeUnitWorktree(context, unitOf(context, next));
  console.log(`${next} ${result.kind}`);
}
console.log("DONE");
