// Checkbox marks written into a tasks.md whose bytes the plan reader holds: one byte per change at an offset it
// knows, with no read of the whole file, once the file is shown to be the version it holds.
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { WriteError } from "../errors.ts";
import type { Task } from "../spec/types.ts";
import { byteLineStarts, checkboxOffset, type MarkChange, type MarkResult } from "../spec/writeback.ts";

/** Identity of a file version: when these are unchanged, the file was (almost surely: see lineOnDisk) not written since. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export const sameStamp = (a: FileStamp | null, b: FileStamp) => a !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** A version of tasks.md as a reader holds it: its stamp (null: unknown), its bytes, and its line starts once made. */
export interface HeldFile {
  stamp: FileStamp | null;
  bytes: Buffer;
  lineStarts: Uint32Array | null;
}

/**
 * Write `changes` (`tasks[i]`: the held reading's task for `changes[i]`, with its line and mark) into
 * `tasksFile` in place, when the file's stamp is `held.stamp` and each task's line (its first 256 bytes) is on
 * disk as held, with its checkbox where the reading has it; `held` gets the new bytes and stamp. Returns what
 * writeMarks would (applied in file order, skipped by `onlyIf`) and the changes written, or null, writing
 * nothing, when the file must be read first (gone, unreadable, another version). Not fsynced. Throws WriteError
 * when a write fails (bytes written before it stay written, in the file and in `held`).
 */
export function writeMarksInPlace(tasksFile: string, held: HeldFile, changes: readonly MarkChange[], tasks: readonly Task[]): { result: MarkResult; changes: MarkChange[] } | null {
  let fd: number;
  try {
    fd = openSync(tasksFile, "r+");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    return null; // gone or not writable: writeMarks says so with its own error
  }
  try {
    if (!sameStamp(held.stamp, statOf(fd))) return null;
    const starts = (held.lineStarts ??= byteLineStarts(held.bytes));
    const result: MarkResult = { applied: [], missing: [], skipped: [] };
    const edits: { at: number; change: MarkChange }[] = [];
    for (const [i, change] of changes.entries()) {
      const task = tasks[i]!;
      const at = checkboxOffset(held.bytes, starts, task.line);
      if (at === null || held.bytes[at] !== task.mark.charCodeAt(0) || !lineOnDisk(fd, held.bytes, starts, task.line)) return null;
      if (change.onlyIf && !change.onlyIf.includes(task.mark)) result.skipped.push(change.key);
      else edits.push({ at, change });
    }
    // In file order, as writeMarks reports them.
    edits.sort((a, b) => a.at - b.at);
    try {
      for (const { at, change } of edits) {
        held.bytes[at] = change.to.charCodeAt(0);
        writeSync(fd, held.bytes, at, 1, at);
        result.applied.push(change.key);
      }
      held.stamp = statOf(fd);
    } catch (error) {
      throw new WriteError(tasksFile, (error as NodeJS.ErrnoException).code ?? String(error));
    }
    return { result, changes: edits.map((e) => e.change) };
  } finally {
    closeSync(fd);
  }
}

/**
 * True when the file behind `fd` holds on 1-based `line` (its first 256 bytes) what `bytes` hold there: file
 * times are as coarse as the kernel's tick, so a same-size edit within one tick leaves the stamp as it was.
 */
function lineOnDisk(fd: number, bytes: Buffer, starts: Uint32Array, line: number): boolean {
  const start = starts[line - 1]!;
  const length = Math.min(starts[line] ?? bytes.length, start + 256) - start;
  const onDisk = Buffer.allocUnsafe(length);
  return readSync(fd, onDisk, 0, length, start) === length && onDisk.equals(bytes.subarray(start, start + length));
}

const statOf = (fd: number): FileStamp => {
  const { ino, size, mtimeMs } = fstatSync(fd);
  return { ino, size, mtimeMs };
};
