// The committer actor's work (--commit): one commit per unit round holding only the unit's files, found again by
// its trailer after a crash so a round is never committed twice.
import type { CommitInput, CommitOutput } from "../../machines/orchestrator.ts";
import { ADD_ARGV, AMEND_ARGV, commitMessage, commitUnitFiles, findRoundCommit, roundMark, unitFiles } from "../git/commit.ts";
import { gitOk } from "../git/exec.ts";
import { snapshot } from "../git/status.ts";
import { crashPoint } from "../fault-injection.ts";
import { ensurePipeline, repoRootOf, seqorchFiles } from "./pipeline-record.ts";
import { contextForUnit, type RunContext } from "./run-context.ts";
import { restoreSpecFolder } from "../git/spec-restore.ts";

/**
 * Commit the unit's changes for `input.round`. A commit of this round already in the history (a run killed after
 * committing) is taken as it is, and amended with any further change when it is HEAD. Returns the commit, or a null
 * sha when there was nothing to commit. Throws GitError when git refuses (a failing hook, no identity).
 */
export async function commitRound(runContext: RunContext, input: CommitInput): Promise<CommitOutput> {
  const context = contextForUnit(runContext, input.unit.key); // commits on the unit's branch with --parallel
  const root = await repoRootOf(context);
  // No unit branch changes the spec folder: an agent's edits there are stashed (never deleted) before committing.
  if (context.worktree) await restoreSpecFolder(root, context.worktree.specRel, input.unit.key);
  const record = context.store.get().pipeline[input.unit.key];
  const scope = { dirtyAtStart: record?.start?.dirty ?? [], ...seqorchFiles(context, root) };
  const mark = roundMark(context.paths.specName, input.unit.key, input.round);
  const message = commitMessage(context.paths.specName, input.unit.id, input.unit.title, input.unit.key, input.round);
  // Only a run that died around this unit (an interrupted attempt) can have left this round's commit behind.
  const mayExist = (context.store.get().attempts[input.unit.key] ?? []).some((a) => a.status === "interrupted");
  const earlier = mayExist ? await findRoundCommit(root, mark) : null;
  let sha: string | null = null;
  let files: string[] = [];
  if (earlier) {
    const head = (await snapshot(root)).head;
    files = unitFiles(await snapshot(root), scope);
    if (files.length && head === earlier) {
      const list = `${files.join("\0")}\0`;
      await gitOk(root, ADD_ARGV, undefined, list);
      await gitOk(root, AMEND_ARGV, undefined, list);
    }
    sha = (await gitOk(root, ["rev-parse", head === earlier ? "HEAD" : earlier])).trim();
    files = (await gitOk(root, ["diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", sha])).split("\0").filter(Boolean);
  } else {
    const made = await commitUnitFiles(root, scope, message);
    crashPoint("commit.made");
    if (made) ({ sha, files } = made);
  }
  if (sha) {
    const at = new Date().toISOString();
    const commit = { sha, round: input.round, files, at };
    context.store.update((state) => {
      const p = ensurePipeline(state, input.unit.key);
      p.commits = [...p.commits.filter((c) => c.round !== input.round), commit];
    }, { units: [input.unit.key], durable: false }); // lost, the commit is found again by its trailer
  }
  context.report({ type: "unit-step", unitId: input.unit.id, step: "commit", ok: true, detail: sha ? `committed ${sha.slice(0, 10)} (${files.length} file${files.length === 1 ? "" : "s"})` : "nothing to commit" });
  return { sha, files: files.length };
}
