// The parse of a tasks.md written in the shapes most files keep to, in one tight pass over its lines: numbered task
// lines each under its parent, detail lines, closed key lines (`_Requirements: 1.1_`), blank lines and headings that
// are neither numbered nor open a non-task section. Null for a file with anything else, which the full parse
// (parse.ts) then reads: where this one answers, both give the same TasksFile (test/spec/fast-parse.test.ts).
// Rules: shared/reference/kiro-tasks-format.md, Part 2; each line is classified by lines.ts's classifyBody unless it
// can only be a detail line.
import { classifyBody, type ClassifiedLine } from "./lines.ts";
import { matchMetaLine, splitRequirements } from "./metadata.ts";
import { sectionTracker } from "./sections.ts";
import { append, liftMetaFields, newTask, NO_ITEMS, ownerFor, type Placed } from "./task-fields.ts";
import type { CheckboxMark, Task, TasksFile } from "./types.ts";

/** Runs of spaces by length: a line's indentation is all spaces when the line starts with the run of its length. */
export const SPACES = Array.from({ length: 65 }, (_, n) => " ".repeat(n));

/** The run of spaces a line starts with (sticky: its end is the line's indentation; test cuts no string). */
const LEADING_SPACES = / */y;

/**
 * A task line in its plainest form (read from its first character on: sticky; `$` is the line's end): one list
 * marker and one space, a checkbox, an ID of numbers, a `.` or not, one space, and a title that starts with
 * neither white space nor a colon and does not end in white space. classifyBody makes such a line a task with this
 * mark, ID and title, not optional by its checkbox (TASK_RE reads it the same way); any other task line is
 * classifyBody's. See plainTask for where its parts are.
 */
const PLAIN_TASK = /[-*+] \[[ xX~-]\] \d+(?:\.\d+)*\.? [^\s:：](?:.*\S)?$/my;

/**
 * A requirements line in its plainest form (sticky, as PLAIN_TASK), `- _Requirements: 1.1, 2.3_`: a value without
 * `_` or `*`, white space at neither end, closed by the line's last character, `_`. matchMetaLine makes it
 * {requirements, value, closed, no trailing text}; any other key line is matchMetaLine's.
 */
const PLAIN_REQUIREMENTS = /(?:[-*+] )?_Requirements: [^\s_*](?:[^_*\n]*[^\s_*])?_$/my;
/** Length of `_Requirements: `, before the value. */
const REQUIREMENTS_KEY = 15;

/**
 * True when the text holds something only the full parse reads: CR line ends, tabs (indent widths), HTML comments,
 * fences (code lines, waves), full-width colons (key lines), U+2028/U+2029 (line ends to `$`), or no task line.
 */
export function needsFullParse(text: string): boolean {
  return (
    text.includes("\r") || text.includes("\t") || text.includes("<!--") || text.includes("```") || text.includes("~~~") || text.includes("：") ||
    text.includes("\u2028") || text.includes("\u2029") || !text.includes("[")
  );
}

/**
 * True when classifyBody may make the line whose trimmed text is `src` from `at` to `stop` (first character code
 * `first`, indentation `indent`) anything but a `text` line: a heading, a list item whose first character after
 * the marker is `[`, `*`, `+`, `-` or a digit (a checkbox, a task, a task-like item), or a lettered item with `[`
 * in it. The checks classifyBody makes first, in the same order; every other line is a text line.
 */
export function mayBeMoreThanText(src: string, at: number, stop: number, first: number, indent: number): boolean {
  if (first === 35) return indent < 4;
  if (first === 45 || first === 42 || first === 43) {
    let i = at + 1;
    while (src.charCodeAt(i) === 32) i++;
    if (i === at + 1) return false;
    const next = src.charCodeAt(i);
    return next === 91 || next === 42 || next === 43 || next === 45 || (next >= 48 && next <= 57);
  }
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return false;
  const bracket = src.indexOf("[", at);
  return bracket >= 0 && bracket < stop;
}

/**
 * The task line PLAIN_TASK matched in `src` from `at` to `stop`: `- [m] ` is six characters, the ID runs to the
 * first space (less a final `.`), the title from there to the end.
 */
function plainTask(src: string, at: number, stop: number, line: number, raw: string, indent: number): ClassifiedLine {
  const space = src.indexOf(" ", at + 6);
  const idEnd = src.charCodeAt(space - 1) === 46 ? space - 1 : space;
  return { kind: "task", mark: src[at + 3] as CheckboxMark, optional: false, id: src.slice(at + 6, idEnd), title: src.slice(space + 1, stop), line, raw, indent };
}

/** What the pass has read so far (one per parse). */
interface Pass {
  file: string;
  /** The file's text (without a BOM). */
  source: string;
  tasks: Task[];
  warnings: string[];
  /** Each ID's task line (IDs are unique here). */
  latest: Map<string, Placed>;
  sections: ReturnType<typeof sectionTracker>;
  current: Placed | null;
  /** Owner of the previous line when it was a detail line: a paragraph continuation stays with it. */
  lastOwner: Task | null;
  /** Blank lines since the current task's last detail line (they go between it and the next). */
  blanks: string[];
}

/**
 * The line being read (one object per parse, filled for each line): its 1-based number, where it is in the source,
 * the line as written when it was cut (`raw`, null until a detail or another shape needs it), its indentation, and
 * its text: `src` from `at` to `stop` (the source itself when the line starts and ends in a printable ASCII
 * character, else the line trimmed as forEachLine trims it), whose first character code is `first`.
 */
interface Cursor {
  line: number;
  start: number;
  end: number;
  raw: string | null;
  indent: number;
  src: string;
  at: number;
  stop: number;
  first: number;
}

/** `cursor`'s line as written, cut from the source at the first need. */
function rawOf(pass: Pass, cursor: Cursor): string {
  cursor.raw ??= pass.source.slice(cursor.start, cursor.end);
  return cursor.raw;
}

/** Adds a detail line to `owner`, after the blank lines seen since its previous one (none before its first). */
function addDetail(pass: Pass, owner: Task, raw: string): void {
  if (owner.details === NO_ITEMS) owner.details = [raw];
  else {
    if (pass.blanks.length > 0) owner.details.push(...pass.blanks);
    owner.details.push(raw);
  }
  if (pass.blanks.length > 0) pass.blanks = [];
}

/** Fills `cursor` for the line from `start` to `end`: "blank", "text" (read), or "odd" (white space other than spaces before it). */
function readLine(pass: Pass, cursor: Cursor, start: number, end: number): "blank" | "text" | "odd" {
  const { source } = pass;
  LEADING_SPACES.lastIndex = start;
  LEADING_SPACES.test(source);
  const indent = LEADING_SPACES.lastIndex - start;
  cursor.start = start;
  cursor.end = end;
  cursor.raw = null;
  if (start + indent === end) return "blank";
  cursor.indent = indent;
  cursor.src = source;
  cursor.at = start + indent;
  cursor.stop = end;
  cursor.first = source.charCodeAt(cursor.at);
  const last = source.charCodeAt(end - 1);
  if (cursor.first > 32 && cursor.first < 128 && last > 32 && last < 128) return "text";
  const raw = rawOf(pass, cursor);
  const trimmed = raw.trimStart();
  cursor.indent = raw.length - trimmed.length;
  if (cursor.indent > 0 && (cursor.indent >= SPACES.length || !raw.startsWith(SPACES[cursor.indent]!))) return "odd";
  cursor.src = trimmed.trimEnd();
  cursor.at = 0;
  cursor.stop = cursor.src.length;
  cursor.first = cursor.src.charCodeAt(0);
  return cursor.src === "" ? "blank" : "text";
}

/** Takes a task line; false when the full parse must read the file (a parent elsewhere than before it, a repeated ID). */
function takeTask(pass: Pass, line: ClassifiedLine & { kind: "task" }): boolean {
  const { id } = line;
  const dot = id.lastIndexOf(".");
  let parent: Placed | null = null;
  if (dot > 0) {
    // Usually an ancestor of the line before; IDs are unique here, so the one found is latest's.
    for (let up = pass.current; up !== null && parent === null; up = up.up) if (up.task.id.length === dot && id.startsWith(up.task.id)) parent = up;
    parent ??= pass.latest.get(id.slice(0, dot)) ?? null;
    if (parent === null) return false;
  }
  const task = newTask(id, id, line.title, line.mark, line.optional, line.line, parent ? parent.task.key : null);
  const placed: Placed = { task, indent: line.indent, up: parent };
  pass.latest.set(id, placed);
  if (pass.latest.size === pass.tasks.length) return false; // a repeated ID
  if (parent) {
    if (parent.task.childKeys === NO_ITEMS) parent.task.childKeys = [id];
    else parent.task.childKeys.push(id);
  }
  pass.tasks.push(task);
  pass.current = placed;
  pass.lastOwner = null;
  if (pass.blanks.length > 0) pass.blanks = [];
  return true;
}

/** Takes a line classifyBody may make more than a text line; "text" when it is one after all, false to leave the file. */
function takeShape(pass: Pass, cursor: Cursor): boolean | "text" {
  const { src, at, stop } = cursor;
  PLAIN_TASK.lastIndex = at;
  const raw = rawOf(pass, cursor);
  const line = PLAIN_TASK.test(src) ? plainTask(src, at, stop, cursor.line, raw, cursor.indent) : classifyBody(src.slice(at, stop), cursor.first, cursor.line, raw, cursor.indent);
  if (line.kind === "text") return "text";
  if (line.kind === "task") return takeTask(pass, line);
  if (line.kind !== "heading" || line.numbered || pass.sections.at(line) !== null) return false;
  pass.current = null;
  pass.lastOwner = null;
  if (pass.blanks.length > 0) pass.blanks = [];
  return true;
}

/** Takes a text line: a detail of the current task, or of the ancestor it is indented under; false for an open key line. */
function takeText(pass: Pass, cursor: Cursor): boolean {
  const current = pass.current;
  if (!current) return true;
  const { src, at, stop, first } = cursor;
  const listItem = (first === 45 || first === 42 || first === 43) && src.charCodeAt(at + 1) === 32;
  const owner: Task = pass.lastOwner !== null && !listItem ? pass.lastOwner : ownerFor(current, cursor.indent);
  pass.lastOwner = owner;
  const colon = src.indexOf(":", at);
  if (colon < 0 || colon >= stop) {
    addDetail(pass, owner, rawOf(pass, cursor));
    return true;
  }
  PLAIN_REQUIREMENTS.lastIndex = at;
  if (PLAIN_REQUIREMENTS.test(src)) {
    append(owner, "requirements", splitRequirements(src.slice(at + (first === 95 ? 0 : 2) + REQUIREMENTS_KEY, stop - 1)));
    return true;
  }
  const meta = matchMetaLine(src.slice(at, stop));
  if (meta === null) addDetail(pass, owner, rawOf(pass, cursor));
  else if (!meta.closed) return false;
  else if (liftMetaFields(owner, meta, cursor.line, pass.file, pass.warnings)) addDetail(pass, owner, rawOf(pass, cursor));
  return true;
}

/**
 * The TasksFile parseTasks makes of `text` (`file` names it in messages), or null when the text has a shape this
 * pass leaves to the full parse: a checkbox item, a task-like line, a repeated ID, a sub-task whose parent ID has
 * no task line before it, a numbered heading, a non-task section, a key line continued on the next line, white
 * space other than spaces before a line, or no task line. Never throws.
 */
export function parseFast(text: string, file: string): TasksFile | null {
  if (needsFullParse(text)) return null;
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const pass: Pass = { file, source, tasks: [], warnings: [], latest: new Map(), sections: sectionTracker(), current: null, lastOwner: null, blanks: [] };
  const cursor: Cursor = { line: 0, start: 0, end: 0, raw: null, indent: 0, src: source, at: 0, stop: 0, first: 0 };
  // The lines of split("\n") less an empty last one (as forEachLine reads them), one at a time: a line is cut from
  // the text only when it is kept or its shape needs it.
  let next = 0;
  for (let i = 0; next >= 0; i++) {
    const start = next;
    const end = source.indexOf("\n", start);
    next = end < 0 ? -1 : end + 1;
    if (end < 0 && start === source.length && i > 0) break;
    cursor.line = i + 1;
    const read = readLine(pass, cursor, start, end < 0 ? source.length : end);
    if (read === "odd") return null;
    if (read === "blank") {
      if (pass.current) pass.blanks.push(rawOf(pass, cursor));
      pass.lastOwner = null;
      continue;
    }
    const shape = mayBeMoreThanText(cursor.src, cursor.at, cursor.stop, cursor.first, cursor.indent) ? takeShape(pass, cursor) : "text";
    if (shape === false || (shape === "text" && !takeText(pass, cursor))) return null;
  }
  if (pass.tasks.length === 0) return null;
  return { file, tasks: pass.tasks, groups: [], ignored: [], warnings: pass.warnings, waves: [], eol: "\n" };
}
