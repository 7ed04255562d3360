// Writes checkbox states back into tasks.md, changing only the checkbox character of the targeted task lines.
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Writing back", "Duplicates").
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { SpecNotFoundError, WriteError } from "../errors.ts";
import { parseTasks } from "./parse.ts";
import type { CheckboxMark, Task } from "./types.ts";

/** One checkbox to set: the task (by key, else by ID and title), the new mark, and the marks it may replace. */
export interface MarkChange {
  /** Task key in the plan the change was made from (`13.4#2` for a repeated ID). */
  key: string;
  id: string;
  /** Title as parsed; when the key now names a task with another title (the user inserted tasks), id+title decide. */
  title: string;
  to: CheckboxMark;
  /** Apply only when the current mark is one of these (for example `[" ", "~"]` so a `[x]` is never undone). */
  onlyIf?: CheckboxMark[];
  /** 1-based line where the task was when the change was made; when that line still holds it, no re-parse is needed. */
  line?: number;
}

/** What happened to each change, by key: applied, task not found, or skipped because of `onlyIf`. */
export interface MarkResult {
  applied: string[];
  missing: string[];
  skipped: string[];
}

/** Task line up to the checkbox character (a BOM as UTF-16 or as latin1-decoded bytes may precede line 1). */
const CHECKBOX_AT = /(?:\uFEFF|\u00EF\u00BB\u00BF)?[ \t]*(?:[-*+][ \t]+)+\[([ xX~-])\]/y;

interface Edit {
  change: MarkChange;
  /** 1-based line of the task. */
  line: number;
}

/** The task a change targets in a fresh parse: by key when the title still matches, else by id+title, else by a unique title. */
function locate(tasks: Task[], byKey: Map<string, Task>, change: MarkChange): Task | undefined {
  const keyed = byKey.get(change.key);
  if (keyed && keyed.title === change.title) return keyed;
  const sameId = tasks.find((t) => t.id === change.id && t.title === change.title);
  if (sameId) return sameId;
  const sameTitle = tasks.filter((t) => t.title === change.title);
  return sameTitle.length === 1 ? sameTitle[0] : undefined;
}

/** Start offsets of every line of `text` (index 0 is line 1). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** The mark on `line` when that line is still the task line of `change` (same ID right after the box, same title). */
function markAtRecordedLine(text: string, starts: number[], change: MarkChange): CheckboxMark | null {
  if (!change.line) return null;
  const start = starts[change.line - 1];
  if (start === undefined) return null;
  CHECKBOX_AT.lastIndex = start;
  const match = CHECKBOX_AT.exec(text);
  if (!match) return null;
  const end = starts[change.line] ?? text.length;
  const rest = text.slice(start + match[0].length, end);
  const id = change.id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (!new RegExp(`^\\\\?\\*?[ \\t]*(?:\\*\\*)?${id}(?:[.:：\\s]|\\*\\*)`).test(rest) || !rest.includes(change.title)) return null;
  return match[1] as CheckboxMark;
}

function planEdits(text: string, file: string, changes: MarkChange[]): { edits: Edit[]; result: MarkResult } {
  const edits: Edit[] = [];
  const result: MarkResult = { applied: [], missing: [], skipped: [] };
  // Fast path: every change's task is still on its recorded line (the usual case during a run).
  const starts = lineStarts(text);
  const marks = changes.map((c) => markAtRecordedLine(text, starts, c));
  if (marks.every((m) => m !== null)) {
    changes.forEach((change, i) => {
      if (change.onlyIf && !change.onlyIf.includes(marks[i]!)) result.skipped.push(change.key);
      else edits.push({ change, line: change.line! });
    });
    return { edits, result };
  }
  const { tasks } = parseTasks(text, file);
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  for (const change of changes) {
    const task = locate(tasks, byKey, change);
    if (!task) result.missing.push(change.key);
    else if (change.onlyIf && !change.onlyIf.includes(task.mark)) result.skipped.push(change.key);
    else edits.push({ change, line: task.line });
  }
  return { edits, result };
}

/**
 * Sets the checkbox character on the edited lines of `text`; every other character stays as it was. Works on a
 * JS string or on bytes decoded as latin1 (one char per byte), since lines end at "\n" and the checkbox is ASCII.
 */
function setMarks(text: string, edits: Edit[], result: MarkResult, offsets: number[] = []): string {
  const sorted = [...edits].sort((a, b) => a.line - b.line);
  const parts: string[] = [];
  let copied = 0;
  let lineNo = 1;
  let lineStart = 0;
  for (const edit of sorted) {
    while (lineNo < edit.line && lineStart >= 0) {
      const nl = text.indexOf("\n", lineStart);
      lineStart = nl < 0 ? -1 : nl + 1;
      lineNo++;
    }
    CHECKBOX_AT.lastIndex = lineStart;
    const match = lineStart >= 0 ? CHECKBOX_AT.exec(text) : null;
    if (!match) {
      result.missing.push(edit.change.key);
      continue;
    }
    const at = lineStart + match[0].length - 2;
    if (at >= copied) {
      parts.push(text.slice(copied, at), edit.change.to);
      copied = at + 1;
      offsets.push(at);
    }
    result.applied.push(edit.change.key);
  }
  parts.push(text.slice(copied));
  return parts.join("");
}

/**
 * Applies `changes` to the text of a tasks.md (pure). Each change locates its task in a fresh parse of `text`
 * (by key; by id+title when the title under that key differs) and changes only the checkbox character, so CRLF,
 * tabs, a BOM and trailing spaces stay byte for byte. Keys come back in `applied`, `missing` or `skipped` (onlyIf).
 */
export function applyMarks(text: string, file: string, changes: MarkChange[]): { text: string } & MarkResult {
  const { edits, result } = planEdits(text, file, changes);
  return { text: setMarks(text, edits, result), ...result };
}

/** What writeMarks did, plus the file's bytes before and after (equal when nothing changed). */
export interface WriteMarksResult extends MarkResult {
  before: Uint8Array;
  after: Uint8Array;
  /** The file's inode, size and mtime after the write (to know later whether anyone wrote it since). */
  stamp: { ino: number; size: number; mtimeMs: number };
}

/**
 * Re-reads tasks.md at `path` right before writing (the user may have edited it), applies `changes` as applyMarks
 * does, and writes only the changed checkbox bytes, in place. Bytes outside the
 * checkbox characters are untouched, even invalid UTF-8. `durable: false` skips the fsync (the state file, not
 * tasks.md, is the record a resumed run trusts). Throws SpecNotFoundError when the file is gone and WriteError
 * when it cannot be replaced (the old file is then intact).
 */
export async function writeMarks(path: string, changes: MarkChange[], options: { durable?: boolean } = {}): Promise<WriteMarksResult> {
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new SpecNotFoundError(path, "tasks.md not found");
    throw new WriteError(path, code ?? (error as Error).message);
  }
  try {
    const bytes = readFileSync(fd);
    const text = new TextDecoder().decode(bytes);
    const { edits, result } = planEdits(text, path, changes);
    const stampOf = () => {
      const { ino, size, mtimeMs } = fstatSync(fd);
      return { ino, size, mtimeMs };
    };
    if (edits.length === 0) return { ...result, before: bytes, after: bytes, stamp: stampOf() };
    const before = bytes.toString("latin1");
    const offsets: number[] = [];
    const after = setMarks(before, edits, result, offsets);
    if (after === before) return { ...result, before: bytes, after: bytes, stamp: stampOf() };
    // Each change is one ASCII byte at a known offset: write those bytes in place (a one-byte write cannot tear,
    // and the file keeps its inode, mode and links), instead of rewriting the whole file.
    const afterBytes = Buffer.from(after, "latin1");
    for (const at of offsets) writeSync(fd, afterBytes, at, 1, at);
    if (options.durable !== false) fsyncSync(fd);
    return { ...result, before: bytes, after: afterBytes, stamp: stampOf() };
  } catch (error) {
    if (error instanceof SpecNotFoundError) throw error;
    throw new WriteError(path, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  } finally {
    closeSync(fd);
  }
}

/** Byte offset of each line's start in `bytes` (index 0 is line 1). */
export function byteLineStarts(bytes: Uint8Array): Uint32Array {
  let lines = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) lines++;
  const starts = new Uint32Array(lines);
  let n = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) starts[n++] = i + 1;
  return starts;
}

/**
 * Byte offset of the checkbox character on 1-based `line` of `bytes` (line starts from byteLineStarts), or null
 * when that line is not a task line with a checkbox. Only the line's first bytes are looked at.
 */
export function checkboxOffset(bytes: Buffer, starts: Uint32Array, line: number): number | null {
  const start = starts[line - 1];
  if (start === undefined) return null;
  const end = Math.min(starts[line] ?? bytes.length, start + 256);
  CHECKBOX_AT.lastIndex = 0;
  const match = CHECKBOX_AT.exec(bytes.toString("latin1", start, end));
  return match ? start + match[0].length - 2 : null;
}
