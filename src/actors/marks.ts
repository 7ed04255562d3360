// The checkbox marks a unit gets in tasks.md (`[-]` while it runs, `[x]` when done, back when it fails), and the
// one writer of them, which keeps the plan reader's cache in step. (Its own module: the dispatcher, the recorder,
// the concluder and recovery all write marks, and none of them imports another for it.)
import { crashPoint } from "../fault-injection.ts";
import type { DispatchUnit } from "../spec/types.ts";
import { writeMarks, type MarkChange } from "../spec/writeback.ts";
import type { RunContext } from "./run-context.ts";

/** The `[-]` marks for a unit that starts: its own line, or for a heading group its pending sub-tasks. */
export function startMarks(unit: DispatchUnit): MarkChange[] {
  const tasks = unit.task ? [unit.task] : unit.subtasks;
  return tasks.map((t) => ({ key: t.key, id: t.id, title: t.title, line: t.line, to: "-", onlyIf: [" ", "~", "-"] }));
}

/** Checkbox changes after an attempt: `[x]` for the unit and its sub-tasks when done, else `[-]` back to `[ ]`. */
export function endMarks(unit: DispatchUnit, done: boolean): MarkChange[] {
  const tasks = [...(unit.task ? [unit.task] : []), ...(done ? unit.subtasks : unit.task ? [] : unit.subtasks)];
  return tasks.map((t) =>
    done
      ? { key: t.key, id: t.id, title: t.title, line: t.line, to: "x", onlyIf: [" ", "-", "~"] }
      : { key: t.key, id: t.id, title: t.title, line: t.line, to: t.mark === "-" ? " " : t.mark, onlyIf: ["-"] },
  );
}

/**
 * Write checkbox changes to tasks.md and tell the plan reader, so the next read needs no full parse: in place
 * through the reader when the file is the version it last saw, else re-read and written by writeMarks. Not fsynced:
 * the state file is the record; tasks.md is re-ticked from it. A failed write is a warning, not a failed unit.
 */
export async function writeUnitMarks(context: RunContext, changes: MarkChange[]): Promise<void> {
  try {
    // Usually tasks.md is as the plan reader last saw it: the marks go in place, the reading is updated.
    if (context.planReader.writeKnownMarks(changes)) {
      crashPoint("marks.written");
      return;
    }
    const result = await writeMarks(context.paths.tasksFile, changes, { durable: false });
    crashPoint("marks.written");
    const applied = new Set(result.applied);
    context.planReader.noteMarksWritten(result.before, result.after, changes.filter((c) => applied.has(c.key)), result.stamp);
  } catch (error) {
    context.report({ type: "warning", message: `could not update ${context.paths.tasksFile}: ${error instanceof Error ? error.message : String(error)}` });
  }
}
