// The fixer actor's work: one fix round. The prompt carries the must-fix findings, the failing checks, the commit
// range, a human's guidance and (escalated) the whole history; the agent runs in window fix-<unit>-<round> on the
// implementer's backend (continuing its session where the backend can), or on --escalate-backend from round 3.
import { join } from "node:path";
import type { AttemptOutcome } from "../../machines/orchestrator.ts";
import type { FixInput, FixOutput } from "../../machines/unit.ts";
import { snapshot, type GitSnapshot } from "../git/status.ts";
import { crashPoint } from "../fault-injection.ts";
import { buildFixPrompt, type RoundFindings, type VerifyResult } from "../review/prompt.ts";
import type { DispatchUnit } from "../spec/types.ts";
import { appendProgress, STATUS_WORD } from "../store/progress.ts";
import { finishLoopAgent, startLoopAgent } from "./agent-launch.ts";
import { priceUsage } from "../usage/prices.ts";
import { attemptDirOf, safeName } from "./dispatcher.ts";
import { agentChanges, ensurePipeline, repoRootOf, seqorchFiles } from "./pipeline-record.ts";
import { unitFiles } from "../git/commit.ts";
import { contextForUnit, type RunContext } from "./run-context.ts";
import { judgeAttempt } from "./session.ts";
import { verifyTail } from "./verifier.ts";
import { readTail } from "../agents/log-tail.ts";

/** The snapshot that tells whether a fix changed anything (null outside git: then every fix counts as a change). */
async function stateOf(context: RunContext): Promise<GitSnapshot | null> {
  try {
    return await snapshot(await repoRootOf(context), { contents: true });
  } catch (error) {
    context.report({ type: "warning", message: `cannot compare the workdir before and after a fix: ${error instanceof Error ? error.message : String(error)}` });
    return null;
  }
}

function specFilesOf(context: RunContext): string {
  const { paths } = context;
  return [`- Requirements: ${paths.requirementsFile ?? "(none)"}`, `- Design: ${paths.designFile ?? "(none)"}`, `- Tasks: ${paths.tasksFile}`].join("\n");
}

function fixPrompt(context: RunContext, unit: DispatchUnit, input: FixInput): string {
  const record = context.store.get().pipeline[unit.key];
  const last = record?.reviews.at(-1);
  const blocking = (last?.findings ?? []).filter((f) => f.severity === "critical" || f.severity === "major");
  const debt = (last?.findings ?? []).filter((f) => f.severity === "minor" || f.severity === "info");
  const verify: VerifyResult[] = (record?.verify ?? []).filter((v) => v.exit_code !== 0).map((v) => ({ command: v.command, exitCode: v.exit_code, timedOut: v.timed_out, tail: verifyTail(v.log) }));
  const history: RoundFindings[] = input.escalate ? (record?.reviews ?? []).map((r) => ({ round: r.round, findings: r.findings })) : [];
  const commits = record?.commits ?? [];
  const range = commits.length
    ? `${record?.start?.head?.slice(0, 10) ?? "(root)"}..${commits.at(-1)!.sha.slice(0, 10)}: ${commits.map((c) => `${c.sha.slice(0, 10)} (${c.round === 0 ? "implementation" : `fix round ${c.round}`})`).join(", ")}`
    : "(no commits: the changes are in the working tree)";
  return buildFixPrompt({
    specName: context.paths.specName,
    taskId: unit.id,
    taskTitle: unit.title,
    taskBlock: [`${unit.id}. ${unit.title}`, ...(unit.task?.details ?? []), ...unit.subtasks.map((t) => `- ${t.id} ${t.title}`)].join("\n"),
    specFiles: specFilesOf(context),
    round: input.round,
    maxRounds: context.gates.review?.maxFixRounds ?? input.round,
    blocking: blocking.map((f) => ({ ...f, line: f.line })) as never,
    debt: debt as never,
    verify,
    history,
    guidance: record?.guidance ?? null,
    commits: range,
    seqorchCommits: context.gates.commit,
  });
}

/**
 * Did fix round `round` change anything? With --commit: is there anything since the previous round's commit (HEAD
 * moved, or the unit's files changed), so a round resumed after a crash counts what the interrupted run did. Without:
 * did the agent change a file (seqorch's own writes aside); a resumed round gets the benefit of the doubt (its review
 * judges it). Outside git every fix counts as a change.
 */
async function fixChanged(context: RunContext, key: string, round: number, before: GitSnapshot | null, after: GitSnapshot | null, resumed: boolean): Promise<boolean> {
  if (!before || !after) return true;
  const root = await repoRootOf(context);
  const record = context.store.get().pipeline[key];
  const previous = record?.commits.findLast((c) => c.round < round)?.sha;
  if (context.gates.commit && previous) {
    if (after.head !== previous) return true;
    return unitFiles(after, { dirtyAtStart: record?.start?.dirty ?? [], ...seqorchFiles(context, root) }).length > 0;
  }
  return resumed || before.head !== after.head || agentChanges(context, root, before, after, false).length > 0;
}

/** Run fix round `input.round` of `unit`; returns how it ended and whether the workdir changed. */
export async function fixRound(runContext: RunContext, unit: DispatchUnit, input: FixInput, signal: AbortSignal): Promise<FixOutput> {
  const context = contextForUnit(runContext, unit.key); // the fix runs in the unit's worktree with --parallel
  const gate = context.gates.review!;
  const backend = input.escalate ? gate.escalateBackend : input.assignment.backend;
  const adapter = input.escalate ? gate.escalateAdapter : gate.fixAdapterFor(backend);
  const prompt = fixPrompt(context, unit, input);
  const records = context.store.get().attempts[unit.key] ?? [];
  const seq = records.length + 1;
  const dir = join(attemptDirOf(context, unit.key, seq));
  const previousSessionId = input.escalate ? null : (records.findLast((a) => a.backend === backend && a.agent_session_id)?.agent_session_id ?? null);
  const before = await stateOf(context);
  // A round run again after a stop or a crash may find its work already done by the interrupted run.
  const resumed = records.some((a) => a.reason?.startsWith(`fix round ${input.round}`) ?? false);
  const startedAt = new Date().toISOString();
  context.store.update((state) => {
    const p = ensurePipeline(state, unit.key);
    p.round = input.round;
    p.status = "in_progress";
    p.guidance = null;
    state.iteration += 1;
    (state.attempts[unit.key] ??= []).push({
      n: seq, iteration: state.iteration, backend, status: "running", reason: `fix round ${input.round}`, started_at: startedAt, ended_at: null, duration_ms: null, exit_code: null,
      counted: false, log: join(dir, "out.log"), runner: context.runner.kind, window_id: null, session_id: null, pid: null, channel: null, detached: false, attempt_id: "", agent_session_id: null, agent_usage: null,
    });
  }, { units: [unit.key] });
  crashPoint("fix.start");
  const agent = await startLoopAgent(context, {
    adapter, unitKey: unit.key, dir, prompt, windowName: `fix-${safeName(unit.key)}-${input.round}`, attempt: input.round,
    env: { SEQORCH_ROLE: "fix", SEQORCH_FIX_ROUND: String(input.round) }, previousSessionId,
  });
  context.report({ type: "unit-started", unitId: unit.id, attempt: input.round, maxAttempts: gate.maxFixRounds, backend: `${backend} (fix round ${input.round})`, where: agent.handle.windowId ? `tmux window ${agent.handle.windowId}` : `pid ${agent.handle.pid}`, log: agent.outLog, windowId: agent.handle.windowId });
  context.store.update((state) => {
    const r = state.attempts[unit.key]?.find((a) => a.n === seq);
    if (r) Object.assign(r, { window_id: agent.handle.windowId, session_id: agent.handle.sessionId, pid: agent.handle.pid, channel: agent.handle.channel ?? null });
  }, { units: [unit.key] });
  crashPoint("fix.running");
  const { exit, reply } = await finishLoopAgent(context, adapter, agent, signal);
  const outcome: AttemptOutcome = exit.reason === "aborted" ? { kind: "interrupted", reason: "stopped" } : judgeAttempt(exit, reply, () => readTail(agent.errLog, 16 * 1024), context.rateLimitPatterns, Date.now());
  const after = await stateOf(context);
  const changed = await fixChanged(context, unit.key, input.round, before, after, resumed);
  const ended = new Date();
  const reason = `fix round ${input.round}${"reason" in outcome ? `: ${outcome.reason}` : ""}${outcome.kind === "done" && !changed ? ": changed nothing" : ""}`;
  context.store.update((state) => {
    const r = state.attempts[unit.key]?.find((a) => a.n === seq);
    if (r) Object.assign(r, { status: outcome.kind, reason, ended_at: ended.toISOString(), duration_ms: ended.getTime() - Date.parse(startedAt), exit_code: exit.exitCode, agent_session_id: reply.sessionId ?? null, agent_usage: reply.usage ? priceUsage(reply.usage, context.prices) : null });
  }, { units: [unit.key] });
  appendProgress(context.paths.progressFile, {
    iteration: context.store.get().iteration, unitId: unit.id, title: unit.title, status: `${STATUS_WORD[outcome.kind]} (${reason})`, attempt: input.round, maxAttempts: gate.maxFixRounds,
    backend, time: ended.toISOString(), durationMs: ended.getTime() - Date.parse(startedAt), log: agent.outLog, message: outcome.kind === "interrupted" ? "" : outcome.message,
  });
  return { outcome, changed, outLog: agent.outLog };
}
