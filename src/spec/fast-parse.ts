// The parse of a tasks.md written in the shapes most files keep to, in one tight pass over its lines: numbered task
// lines each under its parent, detail lines, closed key lines (`_Requirements: 1.1_`), blank lines and headings that
// are neither numbered nor open a non-task section. Null for a file with anything else, which the full parse
// (parse.ts) then reads: where this one answers, both give the same TasksFile (test/spec/fast-parse.test.ts).
// Rules: shared/reference/kiro-tasks-format.md, Part 2; each line is classified by lines.ts's classifyBody unless it
// can only be a detail line.
import { classifyBody } from "./lines.ts";
import { matchMetaLine } from "./metadata.ts";
import { sectionTracker } from "./sections.ts";
import { liftMetaFields, newTask, NO_ITEMS, ownerFor, startsListItem, type Placed } from "./task-fields.ts";
import type { Task, TasksFile } from "./types.ts";

/** Runs of spaces by length: a line's indentation is all spaces when the line starts with the run of its length. */
const SPACES = Array.from({ length: 65 }, (_, n) => " ".repeat(n));

/**
 * True when the text holds something only the full parse reads: CR line ends, tabs (indent widths), HTML comments,
 * fences (code lines, waves), full-width colons (key lines), or no task line at all.
 */
function needsFullParse(text: string): boolean {
  return text.includes("\r") || text.includes("\t") || text.includes("<!--") || text.includes("```") || text.includes("~~~") || text.includes("：") || !text.includes("[");
}

/**
 * True when classifyBody may make the line (`body`, trimmed, first character code `first`, at `indent`) anything
 * but a `text` line: a heading, a list item whose first character after the marker is `[`, `*`, `+`, `-` or a
 * digit (a checkbox, a task, a task-like item), or a lettered item with `[` in it. The checks classifyBody makes
 * first, in the same order; every other line is a text line whose text is `body`.
 */
function mayBeMoreThanText(body: string, first: number, indent: number): boolean {
  if (first === 35) return indent < 4;
  if (first === 45 || first === 42 || first === 43) {
    let i = 1;
    while (body.charCodeAt(i) === 32) i++;
    if (i === 1) return false;
    const next = body.charCodeAt(i);
    return next === 91 || next === 42 || next === 43 || next === 45 || (next >= 48 && next <= 57);
  }
  return ((first >= 65 && first <= 90) || (first >= 97 && first <= 122)) && body.includes("[");
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
    const raw = source.slice(start, end < 0 ? source.length : end);
    const trimmed = raw.trimStart();
    if (trimmed === "") {
      if (current) blanks.push(raw);
      lastOwner = null;
      continue;
    }
    const indent = raw.length - trimmed.length;
    if (indent > 0 && (indent >= SPACES.length || !raw.startsWith(SPACES[indent]!))) return null;
    const last = trimmed.charCodeAt(trimmed.length - 1);
    const body = last <= 32 || last >= 128 ? trimmed.trimEnd() : trimmed;
    const first = body.charCodeAt(0);
    if (mayBeMoreThanText(body, first, indent)) {
      const line = classifyBody(body, first, i + 1, raw, indent);
      if (line.kind === "heading") {
        if (line.numbered || sections.at(line) !== null) return null;
        current = null;
        lastOwner = null;
        if (blanks.length > 0) blanks = [];
        continue;
      }
      if (line.kind === "task") {
        const { id } = line;
        if (latest.has(id)) return null;
        const dot = id.lastIndexOf(".");
        const parent = dot > 0 ? latest.get(id.slice(0, dot)) : undefined;
        if (dot > 0 && parent === undefined) return null;
        const task = newTask(id, id, line.title, line.mark, line.optional, i + 1, parent ? parent.task.key : null);
        if (parent) {
          if (parent.task.childKeys === NO_ITEMS) parent.task.childKeys = [id];
          else parent.task.childKeys.push(id);
        }
        const placed: Placed = { task, indent, up: parent ?? null };
        latest.set(id, placed);
        tasks.push(task);
        current = placed;
        lastOwner = null;
        if (blanks.length > 0) blanks = [];
        continue;
      }
      if (line.kind !== "text") return null;
    }
    // A text line (its text is `body`): a detail of the current task, or of the ancestor it is indented under.
    if (!current) continue;
    const owner: Task = lastOwner !== null && !startsListItem(body) ? lastOwner : ownerFor(current, indent);
    lastOwner = owner;
    const meta = body.includes(":") ? matchMetaLine(body) : null;
    if (meta === null) addDetail(owner, raw);
    else if (!meta.closed) return null;
    else if (liftMetaFields(owner, meta, i + 1, file, warnings)) addDetail(owner, raw);
  }
  if (tasks.length === 0) return null;
  return { file, tasks, groups: [], ignored: [], warnings, waves: [], eol: "\n" };
}
