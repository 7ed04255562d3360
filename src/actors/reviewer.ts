// The reviewer actor's work: one review round of a unit. seqorch writes the diff file, runs each reviewer in its
// own window (one after another, so an edit is pinned on the reviewer that made it), checks HEAD and the status
// before and after each, stashes a reviewer's edits, re-asks once for a missing or invalid <review> block, and keeps
// every review's JSON, prompt, diff and log under <spec>/.seqorch/reviews/<unit>/<round>/.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ReviewInput } from "../../machines/unit.ts";
import { writeUnitDiff } from "../git/diff.ts";
import { gitOk } from "../git/exec.ts";
import { stashReviewerEdits } from "../git/stash.ts";
import { snapshot } from "../git/status.ts";
import { crashPoint } from "../fault-injection.ts";
import type { ReviewerResult } from "../review/consolidate.ts";
import { buildReaskPrompt, buildReviewerPrompt, type VerifyResult } from "../review/prompt.ts";
import { parseReview } from "../review/schema.ts";
import { criticalityOf } from "../spec/metadata.ts";
import type { DispatchUnit } from "../spec/types.ts";
import { appendProgressNote } from "../store/progress.ts";
import { finishLoopAgent, startLoopAgent } from "./agent-launch.ts";
import { priceUsage } from "../usage/prices.ts";
import { safeName } from "./dispatcher.ts";
import { agentChanges, ensurePipeline, repoRootOf, seqorchFiles } from "./pipeline-record.ts";
import { contextForUnit, type Criticality, type ReviewGate, type RunContext } from "./run-context.ts";
import { verifyTail } from "./verifier.ts";

/** git's empty tree: the diff base of a unit that started in a repository without commits. */
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** A unit's criticality: `_criticality:` in tasks.md, else the cached assignment's, else standard. */
export function unitCriticality(context: RunContext, unit: DispatchUnit): Criticality {
  const lines = [...(unit.task?.details ?? []), ...unit.subtasks.flatMap((t) => t.details)];
  const assigned = context.store.get().assignments[unit.key]?.criticality;
  return criticalityOf(lines) ?? (assigned === "complex" || assigned === "security-sensitive" ? assigned : "standard");
}

/** The folder of one review round: `<spec>/.seqorch/reviews/<unit>/<round>/`. */
export const reviewDirOf = (context: RunContext, key: string, round: number): string => join(dirname(context.paths.attemptsDir), "reviews", safeName(key), String(round));

/** The task's text for a reviewer: its title, detail lines and sub-tasks, as tasks.md has them. */
function taskBlockOf(unit: DispatchUnit): string {
  const own = unit.task ? [`${unit.id}. ${unit.title}`, ...unit.task.details] : [`Task group ${unit.id}: ${unit.title}`];
  return [...own, ...unit.subtasks.flatMap((t) => [`- ${t.id} ${t.title}`, ...t.details.map((d) => `  ${d}`)])].join("\n");
}

const verifyOf = (context: RunContext, key: string): VerifyResult[] =>
  (context.store.get().pipeline[key]?.verify ?? []).map((v) => ({ command: v.command, exitCode: v.exit_code, timedOut: v.timed_out, tail: v.exit_code === 0 ? "" : verifyTail(v.log) }));

/** Run one reviewer (and its one re-ask); the result says approve/findings, or why the review failed. */
async function runReviewer(context: RunContext, gate: ReviewGate, unit: DispatchUnit, round: number, n: number, prompt: string, diffFile: string, earlierIds: string[], signal: AbortSignal): Promise<ReviewerResult & { logs: string[] }> {
  const dir = reviewDirOf(context, unit.key, round);
  const env = { SEQORCH_ROLE: "review", SEQORCH_FIX_ROUND: String(round), SEQORCH_REVIEWER: String(n), SEQORCH_DIFF_FILE: diffFile };
  const logs: string[] = [];
  let text = prompt;
  for (const ask of [1, 2]) {
    const launch = { adapter: gate.adapter, unitKey: unit.key, dir: join(dir, ask === 1 ? `reviewer-${n}` : `reviewer-${n}-reask`), prompt: text, windowName: `review-${unit.key}-${n}`, attempt: round + 1, env };
    const agent = await startLoopAgent(context, launch);
    context.report({ type: "unit-step", unitId: unit.id, step: "review", ok: true, detail: `reviewer ${n}${ask === 2 ? " (re-asked)" : ""} started; log ${agent.outLog}` });
    logs.push(agent.outLog);
    const { exit, reply } = await finishLoopAgent(context, gate.adapter, agent, signal);
    if (reply.usage) {
      const usage = priceUsage(reply.usage, context.prices);
      context.store.update((state) => void (ensurePipeline(state, unit.key).review_usage ??= []).push({ round, reviewer: n, at: new Date().toISOString(), usage }), { units: [unit.key], durable: false });
    }
    if (exit.reason === "aborted") return { reviewer: n, ok: false, kind: "failed", reason: "stopped", logs };
    const parsed = parseReview(reply.finalMessage, earlierIds);
    if (parsed.ok) return { reviewer: n, ok: true, review: parsed.review, logs };
    if (ask === 2) return { reviewer: n, ok: false, kind: "invalid", reason: `${parsed.reason} (also after one re-ask)`, logs };
    text = buildReaskPrompt(parsed.reason, earlierIds, prompt);
  }
  throw new Error("unreachable");
}

/**
 * Review `input.round` of `unit` with the reviewers its criticality asks for. Returns one result per reviewer.
 * Throws GitError when the diff cannot be written.
 */
export async function reviewRound(runContext: RunContext, unit: DispatchUnit, input: ReviewInput, signal: AbortSignal): Promise<ReviewerResult[]> {
  const context = contextForUnit(runContext, unit.key); // reviewers read the unit's worktree with --parallel
  const gate = context.gates.review!;
  const root = await repoRootOf(context);
  const dir = reviewDirOf(context, unit.key, input.round);
  mkdirSync(dir, { recursive: true });
  const record = context.store.get().pipeline[unit.key];
  const scope = { dirtyAtStart: record?.start?.dirty ?? [], ...seqorchFiles(context, root) };
  const diffFile = join(dir, "diff.patch");
  await writeUnitDiff(root, record?.start?.head ?? EMPTY_TREE, context.gates.commit, scope, diffFile);
  let fixDiffFile: string | null = null;
  const previousCommit = record?.commits.findLast((c) => c.round < input.round)?.sha;
  if (input.round > 0 && context.gates.commit && previousCommit) {
    fixDiffFile = join(dir, "fix.patch");
    writeFileSync(fixDiffFile, await gitOk(root, ["diff", "--no-color", "--no-ext-diff", previousCommit, "HEAD"]));
  }
  const previous = record?.reviews.findLast((r) => r.round < input.round)?.findings ?? [];
  const criticality = unitCriticality(context, unit);
  const count = Math.max(1, gate.reviewers[criticality]);
  // Not fsynced: lost, the unit is simply reviewed again.
  context.store.update((state) => void (ensurePipeline(state, unit.key).status = "under_review"), { units: [unit.key], durable: false });
  crashPoint("review.start");
  const results: ReviewerResult[] = [];
  for (let n = 1; n <= count; n++) {
    const prompt = buildReviewerPrompt({
      specName: context.paths.specName,
      taskId: unit.id,
      taskTitle: unit.title,
      taskBlock: taskBlockOf(unit),
      requirementIds: [...new Set([...(unit.task?.requirements ?? []), ...unit.subtasks.flatMap((t) => t.requirements)])],
      requirementsFile: context.paths.requirementsFile,
      designFile: context.paths.designFile,
      diffFile,
      committed: context.gates.commit,
      verify: verifyOf(context, unit.key),
      reviewer: n,
      reviewers: count,
      round: input.round,
      securityFocus: criticality === "security-sensitive" && n === 2,
      previous,
      fixDiffFile,
      humanFix: record?.human_fix ? { note: record.guidance } : null,
    });
    const before = await snapshot(root, { contents: true });
    let result = await runReviewer(context, gate, unit, input.round, n, prompt, diffFile, previous.map((f) => f.id), signal);
    const after = await snapshot(root, { contents: true });
    const edited = new Set(agentChanges(context, root, before, after, true));
    if (before.head !== after.head || edited.size > 0) {
      const name = `${unit.key}-${input.round}-${n}`;
      const kept = await stashReviewerEdits(root, before, name, `seqorch reviewer edits: unit ${unit.id}, round ${input.round}, reviewer ${n}`, (p) => edited.has(p) || before.head !== after.head);
      const where = [kept.stash ? `stash ${kept.stash.slice(0, 10)}` : null, kept.ref].filter(Boolean).join(" and ");
      const reason = `the reviewer changed ${kept.paths.join(", ") || "HEAD"}; kept in ${where || "nothing"} (never deleted), review failed`;
      result = { reviewer: n, ok: false, kind: "edited", reason, logs: result.logs };
      appendProgressNote(context.paths.progressFile, `Reviewer ${n} of unit ${unit.id} edited files (${new Date().toISOString()})`, [reason]);
      context.report({ type: "unit-step", unitId: unit.id, step: "review", ok: false, detail: `reviewer ${n}: ${reason}` });
    }
    writeFileSync(join(dir, `${n}.json`), `${JSON.stringify(result, null, 2)}\n`);
    const { logs: _logs, ...plain } = result;
    results.push(plain as ReviewerResult);
    if (signal.aborted) break;
  }
  crashPoint("review.done");
  return results;
}
