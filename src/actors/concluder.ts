// The concluder actor's work: what the unit machine's end means for the run. Approved: the unit is done, its
// boxes ticked. Blocked: a decision is recorded and its boxes go back. Either way PULSE is written again.
import type { ConcludeInput, RecordOutput } from "../../machines/orchestrator.ts";
import type { CheckboxMark, DispatchUnit } from "../spec/types.ts";
import { appendProgressNote } from "../store/progress.ts";
import { recordDecision } from "./decisions.ts";
import { recordBudgetDecision } from "./budget.ts";
import { ensurePipeline } from "./pipeline-record.ts";
import { refreshPulse } from "./pulse-writer.ts";
import { endMarks, writeUnitMarks } from "./marks.ts";
import { reviewDirOf } from "./reviewer.ts";
import { unitWorkdir, type RunContext } from "./run-context.ts";

/** Record the end of `unit`'s review loop; returns the pending count and whether a decision was recorded. */
export async function concludeUnit(context: RunContext, unit: DispatchUnit, input: ConcludeInput): Promise<RecordOutput> {
  const { output } = input;
  let decision = false;
  // A unit in its own worktree (--parallel) completes, and is ticked, when it merges (src/actors/merge-worktree.ts).
  const merging = unitWorkdir(context, unit.key).worktree !== null;
  if (output.kind === "completed") {
    context.store.update((state) => {
      // A person's fix reviewed: its note (given to the reviewer) is used up too.
      const record = ensurePipeline(state, unit.key);
      Object.assign(record, { status: "completed", human_fix: false, guidance: record.human_fix ? null : record.guidance });
      const worktree = state.worktrees?.[unit.key];
      if (merging && worktree) worktree.status = "queued";
      const keys = new Set(state.completed);
      if (!merging) for (const key of [unit.key, ...unit.subtasks.map((t) => t.key)]) if (!keys.has(key)) state.completed.push(key);
    }, { units: [unit.key] });
    if (context.writeback && !merging) {
      await writeUnitMarks(context, endMarks(unit, true));
      if (unit.task && context.planOptions.granularity === "leaf") {
        const parents = context.planReader.parentsToTick(unit.task.key);
        if (parents.length) await writeUnitMarks(context, parents.map((t) => ({ key: t.key, id: t.id, title: t.title, line: t.line, to: "x" as const, onlyIf: [" ", "-", "~"] as CheckboxMark[] })));
      }
    }
    const commit = context.store.get().pipeline[unit.key]?.commits.at(-1);
    appendProgressNote(context.paths.progressFile, `Unit ${unit.id} completed (${new Date().toISOString()})`, [
      `Approved after ${output.round} fix round${output.round === 1 ? "" : "s"}`,
      ...(commit ? [`Last commit: ${commit.sha}`] : []),
    ]);
    context.report({ type: "unit-step", unitId: unit.id, step: "review", ok: true, detail: `approved after ${output.round} fix round${output.round === 1 ? "" : "s"}; done` });
  } else if (output.kind === "blocked") {
    context.store.update((state) => {
      const record = ensurePipeline(state, unit.key);
      if (record.human_fix) Object.assign(record, { human_fix: false, guidance: null });
    }, { units: [unit.key] });
    const dir = reviewDirOf(context, unit.key, output.round);
    if (output.block === "budget") recordBudgetDecision(context, unit, output.reason, [dir], output.resumeAt);
    else recordDecision(context, unit, output.block, output.reason, [dir]);
    decision = true;
    if (context.writeback) await writeUnitMarks(context, endMarks(unit, false));
  }
  refreshPulse(context);
  const view = context.planReader.read(context.store.get().completed);
  return { pending: view.pending.length, now: Date.now(), decision };
}
