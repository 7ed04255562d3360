// The recorder actor's work: write an attempt's result to the state file, tasks.md and the progress log.
import type { RecordInput, RecordOutput } from "../../machines/orchestrator.ts";
import { crashPoint } from "../fault-injection.ts";
import type { CheckboxMark, DispatchUnit } from "../spec/types.ts";
import { appendProgress, STATUS_WORD } from "../store/progress.ts";
import { endMarks, writeUnitMarks } from "./marks.ts";
import { unitWorkdir, type RunContext } from "./run-context.ts";
import { countedAttempts } from "../store/state.ts";
import { recordDecision } from "./decisions.ts";
import { ensurePipeline } from "./pipeline-record.ts";
import { refreshPulse } from "./pulse-writer.ts";
import { formatTotal, sumUsage, totalTokens, type Usage } from "../usage/record.ts";
import { runUsage, unitUsage } from "../usage/totals.ts";
import { hasLimits } from "../usage/budget.ts";
import { recordBudgetDecision } from "./budget.ts";
import { lateWarnings } from "./runaway.ts";
import { deferProgress, lateProgressWritten } from "./late-progress.ts";

/**
 * With --review, an agent's HALT, a unit out of attempts and an over-budget attempt become decisions; returns
 * whether the run may go on past the unit (false for the budget one: the run halts, reason budget).
 */
function decideAfter(context: RunContext, unit: DispatchUnit, outcome: RecordInput["outcome"], reason: string | null, log: string): boolean {
  const status = outcome.kind;
  if (outcome.kind === "over-budget") {
    recordBudgetDecision(context, unit, outcome.reached, [log]);
    return false;
  }
  if (status === "halt") {
    recordDecision(context, unit, "halt", `the agent asked for a human on unit ${unit.id} (see its log)`, [log]);
    return true;
  }
  if ((status === "failed" || status === "timeout") && countedAttempts(context.store.get(), unit.key) >= context.maxAttempts) {
    recordDecision(context, unit, "attempts_exhausted", `unit ${unit.id} used up its ${context.maxAttempts} attempts; last: ${reason ?? status}`, [log]);
    return true;
  }
  return false;
}

/** Progress lines for the checks and the commit of an attempt (the loop's gates). */
function gateDetails(context: RunContext, key: string, done: boolean): string[] {
  const pipeline = context.store.get().pipeline[key];
  if (!pipeline) return [];
  const checks = context.gates.verify.length ? pipeline.verify.map((v) => `Verify: \`${v.command}\` ${v.exit_code === 0 ? "passed" : v.exit_code === null ? "did not finish" : `exit ${v.exit_code}`} (${(v.duration_ms / 1000).toFixed(2)} s, log ${v.log})`) : [];
  const commit = done && context.gates.commit ? pipeline.commits.findLast((c) => c.round === pipeline.round) : undefined;
  return [...checks, ...(done && context.gates.commit ? [commit ? `Commit: ${commit.sha} (${commit.files.length} files)` : "Commit: none (nothing to commit)"] : [])];
}

/**
 * With limits set, say once per run (on its first such attempt) that an attempt without reported usage counts
 * for no limit, and that one of unknown cost counts for no cost limit, and how to fix each.
 */
function warnIfUncounted(context: RunContext, unit: DispatchUnit, backend: string, usage: Usage | null): void {
  const { limits } = context;
  if (!hasLimits(limits)) return;
  const ofThisRun = Object.values(context.store.get().attempts).flatMap((records) => records.filter((a) => Date.parse(a.started_at) >= context.startedAtMs && a.status !== "running"));
  if (!usage) {
    if (ofThisRun.filter((a) => a.agent_usage === null).length !== 1) return;
    const how = backend === "command" ? 'print <usage>{"input_tokens":…,"output_tokens":…,"cost_usd":…}</usage> from the agent command' : "its CLI reports none";
    context.report({ type: "warning", message: `unit ${unit.id}: ${backend} reported no usage, so the budget does not count this attempt (${how})` });
    return;
  }
  if ((limits.maxCost === null && limits.maxUnitCost === null) || usage.cost_usd !== null || totalTokens(usage) === 0) return;
  if (runUsage(context.store.get(), context.startedAtMs).unpriced !== 1) return;
  context.report({
    type: "warning",
    message: `unit ${unit.id}: cost unknown (model ${usage.model ?? "not reported"} has no price): --max-cost and --max-unit-cost do not count it; add it to "prices" in .kiro/seqorch.json`,
  });
}

/**
 * Record how an attempt ended: the state file first (the record a resumed run trusts), then the checkboxes,
 * then the progress log. Returns how many units are still pending. Throws WriteError when the state or
 * progress file cannot be written.
 */
export async function recordAttempt(context: RunContext, unit: DispatchUnit, input: RecordInput): Promise<RecordOutput> {
  // An attempt that could not start because seqorch's own files cannot be written ends the run (exit 73), uncounted.
  const unwritable = context.memory.unwritable?.get(unit.key);
  if (unwritable !== undefined) {
    context.memory.unwritable!.delete(unit.key);
    throw unwritable;
  }
  const { outcome } = input;
  const status = outcome.kind;
  const reviewing = context.gates.review !== null;
  // A unit in its own worktree (--parallel) completes, and is ticked, when it merges (src/actors/merge-worktree.ts).
  const merging = unitWorkdir(context, unit.key).worktree !== null;
  const endedAt = new Date();
  let durationMs = 0;
  let log = "";
  const reason = "reason" in outcome ? outcome.reason : null;
  context.store.update((state) => {
    const record = state.attempts[unit.key]?.findLast((a) => a.status === "running");
    if (record) {
      durationMs = Math.max(0, endedAt.getTime() - Date.parse(record.started_at));
      log = record.log;
      record.status = status;
      record.reason = reason;
      record.ended_at = endedAt.toISOString();
      record.duration_ms = durationMs;
      record.exit_code = "exitCode" in outcome ? outcome.exitCode : null;
      // A rate-limited attempt is not the agent's failure: it does not count towards --max-attempts; nor does one
      // the user stopped (Ctrl-C, SIGTERM, SIGHUP). A timed-out one still counts (one a killed run left: recover-run.ts).
      if (status === "rate-limited" || (status === "interrupted" && context.stopSignal.aborted)) record.counted = false;
    }
    state.current = null;
    const pipeline = state.pipeline[unit.key];
    // With --review a TASK_DONE that passed its checks waits for the review loop; the unit is done when approved.
    if (status === "done" && reviewing) ensurePipeline(state, unit.key).status = "pending_review";
    else if (pipeline && status === "done") pipeline.status = "completed";
    if (status === "done" && !reviewing && merging) {
      const record = state.worktrees?.[unit.key];
      if (record) record.status = "queued";
    }
    if (status === "done" && !reviewing && !merging) {
      // A look for the unit's few keys, not a set of every completed one at each unit (allocation).
      for (const key of [unit.key, ...unit.subtasks.map((t) => t.key)]) if (!state.completed.includes(key)) state.completed.push(key);
    }
    if (status === "halt" && !reviewing) {
      state.halted = true;
      state.halted_task = unit.key;
      state.halted_reason = "agent-halt";
      state.halted_at = endedAt.toISOString();
    }
  }, { units: [unit.key] });
  crashPoint("record.state");
  if (context.writeback && !((reviewing || merging) && status === "done")) {
    await writeUnitMarks(context, endMarks(unit, status === "done"));
    if (status === "done" && unit.task && context.planOptions.granularity === "leaf") {
      const parents = context.planReader.parentsToTick(unit.task.key);
      if (parents.length) await writeUnitMarks(context, parents.map((t) => ({ key: t.key, id: t.id, title: t.title, line: t.line, to: "x" as const, onlyIf: [" ", "-", "~"] as CheckboxMark[] })));
    }
  }
  crashPoint("record.marks");
  const message = outcome.kind === "interrupted" ? "" : outcome.message;
  const usage = context.store.get().attempts[unit.key]?.at(-1)?.agent_usage ?? null;
  const entry = {
    iteration: context.store.get().attempts[unit.key]?.at(-1)?.iteration ?? input.iteration,
    unitId: unit.id,
    title: unit.title,
    status: reason ? `${STATUS_WORD[status]} (${reason.split("\n")[0]})` : STATUS_WORD[status],
    attempt: input.attempt,
    maxAttempts: context.maxAttempts,
    backend: input.assignment.backend,
    time: endedAt.toISOString(),
    durationMs,
    log,
    message,
    details: gateDetails(context, unit.key, status === "done"),
    usage: usage ? formatTotal(sumUsage([usage])) : undefined,
  };
  const writeEntry = (warnings: string[] | undefined) => {
    appendProgress(context.paths.progressFile, { ...entry, warnings });
    for (const warning of warnings ?? []) context.report({ type: "warning", message: `unit ${unit.id}: ${warning}` });
    crashPoint("record.progress");
  };
  if (outcome.kind === "done" && context.memory.lateDoubts.has(unit.key)) {
    // Its runaway check still runs (runaway.ts doubtLate): the entry, with the check's warnings, once it ends.
    deferProgress(context, async () => writeEntry([...(outcome.warnings ?? []), ...(await lateWarnings(context, unit.key))]));
  } else {
    await lateProgressWritten(context);
    writeEntry(outcome.kind === "done" ? [...(outcome.warnings ?? [])] : undefined);
  }
  const state = context.store.get();
  warnIfUncounted(context, unit, input.assignment.backend, usage);
  context.report({
    type: "attempt-finished",
    unitId: unit.id,
    attempt: input.attempt,
    status,
    durationMs,
    reason: reason ?? "",
    log,
    tokens: usage ? totalTokens(usage) : null,
    usage,
    unitUsage: unitUsage(state, unit.key),
    runUsage: runUsage(state, context.startedAtMs),
  });
  const decision = reviewing ? decideAfter(context, unit, outcome, reason, log) : false;
  refreshPulse(context);
  return { pending: context.planReader.countPending(context.store.get().completed), now: Date.now(), decision };
}
