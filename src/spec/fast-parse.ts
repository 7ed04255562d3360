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

/**
 * The TasksFile parseTasks makes of `text` (`file` names it in messages), or null when the text has a shape this
 * pass leaves to the full parse: a checkbox item, a task-like line, a repeated ID, a sub-task whose parent ID has
 * no task line before it, a numbered heading, a non-task section, a key line continued on the next line, white
 * space other than spaces before a line, or no task line. Never throws.
 */
export function parseFast(text: string, file: string): TasksFile | null {
  if (needsFullParse(text)) return null;
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const tasks: Task[] = [];
  const warnings: string[] = [];
  const latest = new Map<string, Placed>();
  const sections = sectionTracker();
  let current: Placed | null = null;
  /** Owner of the previous line when it was a detail line: a paragraph continuation stays with it. */
  let lastOwner: Task | null = null;
  /** Blank lines since the current task's last detail line (they go between it and the next). */
  let blanks: string[] = [];

  const addDetail = (owner: Task, raw: string): void => {
    if (owner.details === NO_ITEMS) owner.details = [raw];
    else {
      if (blanks.length > 0) owner.details.push(...blanks);
      owner.details.push(raw);
    }
    if (blanks.length > 0) blanks = [];
  };

  // The lines of split("\n") less an empty last one (as forEachLine reads them), cut one at a time: a line that
  // is not kept dies young (the whole split would hold every line at once).
  let next = 0;
  for (let i = 0; next >= 0; i++) {
    const start = next;
    const end = source.indexOf("\n", start);
    next = end < 0 ? -1 : end + 1;
    if (end < 0 && start === source.length && i > 0) break;
    const lineEnd = end < 0 ? source.length : end;
    LEADING_SPACES.lastIndex = start;
    LEADING_SPACES.test(source);
    let indent = LEADING_SPACES.lastIndex - start;
    if (start + indent === lineEnd) {
      if (current) blanks.push(source.slice(start, lineEnd));
      lastOwner = null;
      continue;
    }
    // The line's text is `src` from `at` to `stop`: read in place in the file's text when the line starts and ends
    // in a printable ASCII character (its line is cut only when kept), else the line trimmed as forEachLine does.
    let raw: string | null = null;
    let src = source;
    let at = start + indent;
    let stop = lineEnd;
    let first = source.charCodeAt(at);
    const last = source.charCodeAt(lineEnd - 1);
    if (first <= 32 || first >= 128 || last <= 32 || last >= 128) {
      raw = source.slice(start, lineEnd);
      const trimmed = raw.trimStart();
      indent = raw.length - trimmed.length;
      if (indent > 0 && (indent >= SPACES.length || !raw.startsWith(SPACES[indent]!))) return null;
      src = trimmed.trimEnd();
      at = 0;
      stop = src.length;
      if (src === "") {
        if (current) blanks.push(raw);
        lastOwner = null;
        continue;
      }
      first = src.charCodeAt(0);
    }
    if (mayBeMoreThanText(src, at, stop, first, indent)) {
      PLAIN_TASK.lastIndex = at;
      raw ??= source.slice(start, lineEnd);
      const line = PLAIN_TASK.test(src) ? plainTask(src, at, stop, i + 1, raw, indent) : classifyBody(src.slice(at, stop), first, i + 1, raw, indent);
      if (line.kind === "heading") {
        if (line.numbered || sections.at(line) !== null) return null;
        current = null;
        lastOwner = null;
        if (blanks.length > 0) blanks = [];
        continue;
      }
      if (line.kind === "task") {
        const { id } = line;
        const dot = id.lastIndexOf(".");
        let parent: Placed | null = null;
        if (dot > 0) {
          // Usually an ancestor of the line before; IDs are unique here, so the one found is latest's.
          for (let up = current; up !== null && parent === null; up = up.up) if (up.task.id.length === dot && id.startsWith(up.task.id)) parent = up;
          parent ??= latest.get(id.slice(0, dot)) ?? null;
          if (parent === null) return null;
        }
        const task = newTask(id, id, line.title, line.mark, line.optional, i + 1, parent ? parent.task.key : null);
        const placed: Placed = { task, indent, up: parent };
        latest.set(id, placed);
        if (latest.size === tasks.length) return null; // a repeated ID
        if (parent) {
          if (parent.task.childKeys === NO_ITEMS) parent.task.childKeys = [id];
          else parent.task.childKeys.push(id);
        }
        tasks.push(task);
        current = placed;
        lastOwner = null;
        if (blanks.length > 0) blanks = [];
        continue;
      }
      if (line.kind !== "text") return null;
    }
    // A text line: a detail of the current task, or of the ancestor it is indented under.
    if (!current) continue;
    const listItem = (first === 45 || first === 42 || first === 43) && src.charCodeAt(at + 1) === 32;
    const owner: Task = lastOwner !== null && !listItem ? lastOwner : ownerFor(current, indent);
    lastOwner = owner;
    const colon = src.indexOf(":", at);
    if (colon < 0 || colon >= stop) {
      addDetail(owner, raw ?? source.slice(start, lineEnd));
      continue;
    }
    PLAIN_REQUIREMENTS.lastIndex = at;
    if (PLAIN_REQUIREMENTS.test(src)) {
      append(owner, "requirements", splitRequirements(src.slice(at + (first === 95 ? 0 : 2) + REQUIREMENTS_KEY, stop - 1)));
      continue;
    }
    raw ??= source.slice(start, lineEnd);
    const meta = matchMetaLine(src.slice(at, stop));
    if (meta === null) addDetail(owner, raw);
    else if (!meta.closed) return null;
    else if (liftMetaFields(owner, meta, i + 1, file, warnings)) addDetail(owner, raw);
  }
  if (tasks.length === 0) return null;
  return { file, tasks, groups: [], ignored: [], warnings, waves: [], eol: "\n" };
}
