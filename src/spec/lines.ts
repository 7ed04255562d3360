// Line classification for tasks.md: code fences, HTML comments, headings, task lines and checkbox items.
// Lexical only (one pass, no look-back beyond fence and comment state). Rules: shared/reference/kiro-tasks-format.md, Part 2.
import type { CheckboxMark } from "./types.ts";

/**
 * A task ID as written: `0`, `3`, `2.1`, `5.2.1`, `38a`, `14a.1`, `2.1b`: dot-separated numbers, each of which
 * may carry one lower-case letter. An ID ending in a letter followed by white space (`2.1b Title`) is only a
 * candidate (see `CheckboxShape.candidate`): `2.5x faster` reads the same way and is prose.
 */
const ID = String.raw`\d+[a-z]?(?:\.\d+[a-z]?)*`;
/** What may end an ID: `.`/`:`/`：` (not followed by a digit), `**`, white space, or the end of the line. */
const ID_END = String.raw`(\*\*[.:：]?|[.:：](?!\d)(?:\*\*)?|(?=[ \t])|$)`;
/** One or more list markers (`- `, `* `, `+ `; `- - [x]` happens), then the checkbox. */
const CHECKBOX = String.raw`(?:[-*+][ \t]+)+\[([ xX~-])\](\\?\*)?[ \t]*`;

/** A colon after a space ends an ID too (French typography: `6 : Titre`); it is not part of the title. */
const SPACED_COLON = String.raw`(?:[ \t]+[:：](?=[ \t]|$))?`;

const TASK_RE = new RegExp(String.raw`^${CHECKBOX}(\*\*)?(${ID})${ID_END}${SPACED_COLON}[ \t]*(.*)$`);
const CHECKBOX_RE = new RegExp(String.raw`^${CHECKBOX}(.*)$`);
const LETTERED_RE = /^[a-zA-Z][.)][ \t]+\[([ xX~-])\](\\?\*)?[ \t]*(.*)$/;
/** A list item that reads like a task but has no real checkbox: `- 26. …`, `- [⏭️] 6. …`, `- 1.2 …`. */
const TASKLIKE_RE = new RegExp(
  String.raw`^[-*+][ \t]+(?:\[[^\]]*\][ \t]*)?(?:\*\*)?(?:${ID}(?:\*\*)?[.:：](?!\d)|\d+[a-z]?(?:\.\d+[a-z]?)+[ \t])[ \t]*[\p{L}\p{N}*_\x60\[]`,
  "u",
);
const HEADING_RE = /^(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
/**
 * The word for "task" before a heading's number, in the languages specs are written in: `Task 2: Title`,
 * `任务 1：X`, `タスク 1:`, `작업 3.`, `Tarea 4:`, `Aufgabe 5:`, `Tâche 6 :`, `Задача 7.`.
 */
const TASK_WORD = String.raw`tasks?|任务|任務|タスク|작업|태스크|tareas?|aufgabe|tâche|tache|tarefa|задача|zadanie|taak|görev|tapşırıq`;
/**
 * `1. Title`, `1.1 Title`, `Task 2: Title`, `Tâche 6 : Titre`, `**3.** Title` (the text of a
 * heading). Letter-final IDs need `.`/`:`/`**`.
 */
const NUMBERED_HEADING_RE = new RegExp(String.raw`^(?:(?:${TASK_WORD})[ \t]*)?(\*\*)?(${ID})${ID_END}${SPACED_COLON}[ \t]*(.*)$`, "iu");
const FENCE_RE = /^(`{3,}|~{3,})/;

interface Base {
  /** 1-based line number. */
  line: number;
  /** The line as written, without its terminator (and without the BOM on line 1). */
  raw: string;
  /** Width of the leading white space, tabs counted to the next multiple of 4. */
  indent: number;
}

/** A numbered heading: `### 1. Title`, `#### 1.1 Title`, `## Task 2: Title`. */
export interface NumberedHeading {
  id: string;
  title: string;
}

/**
 * An unnumbered checkbox item. `candidate`: the item starts like a task whose ID ends in a letter followed by
 * white space (`- [ ] 2.1b Title`); the parser makes it that task when the file has another ID of its family
 * (`2.1`, `2.1a`), else it stays a checkbox item (`- [ ] 2.5x faster`).
 */
export interface CheckboxShape {
  kind: "checkbox";
  mark: CheckboxMark;
  optional: boolean;
  text: string;
  lettered: boolean;
  candidate?: NumberedHeading;
}

/** What a line looks like, without its position. */
type LineShape =
  | { kind: "blank" | "code" | "comment" }
  | { kind: "text"; text: string }
  | { kind: "heading"; level: number; text: string; numbered: NumberedHeading | null }
  | { kind: "task"; mark: CheckboxMark; optional: boolean; id: string; title: string }
  | CheckboxShape
  | { kind: "tasklike"; text: string };

/** One line of tasks.md and what it looks like. `code` lines are inside (or delimit) a fenced block. */
export type ClassifiedLine = Base & LineShape;

/** The content of one fenced code block, for the waves JSON. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

/** The whole file, line by line. */
export interface ClassifiedText {
  lines: ClassifiedLine[];
  codeBlocks: CodeBlock[];
  eol: "\n" | "\r\n";
}

/** Length of the leading run of spaces and tabs of `s`. */
function leadLength(s: string): number {
  let i = 0;
  for (let c = s.charCodeAt(0); c === 32 || c === 9; c = s.charCodeAt(++i));
  return i;
}

/** Runs of spaces by length (0–64): a line led by one of them has its indent without a loop over its characters. */
const SPACES = Array.from({ length: 65 }, (_, n) => " ".repeat(n));

/** Width of the first `length` characters of `s` (spaces and tabs), tabs counted to the next multiple of 4. */
function indentWidth(s: string, length: number): number {
  let width = 0;
  for (let i = 0; i < length; i++) width = s.charCodeAt(i) === 9 ? width + 4 - (width % 4) : width + 1;
  return width;
}

/** Removes HTML comment spans from `line`; `<!--` inside an inline code span does not open one. */
function stripComments(line: string, state: { inComment: boolean }): string {
  if (!state.inComment && !line.includes("<!--")) return line;
  let out = "";
  let i = 0;
  while (i < line.length) {
    if (state.inComment) {
      const end = line.indexOf("-->", i);
      if (end < 0) return out;
      state.inComment = false;
      i = end + 3;
      continue;
    }
    let start = line.indexOf("<!--", i);
    while (start >= 0 && (line.slice(0, start).split("`").length - 1) % 2 === 1) start = line.indexOf("<!--", start + 4);
    if (start < 0) return out + line.slice(i);
    out += line.slice(i, start);
    state.inComment = true;
    i = start + 4;
  }
  return out;
}

function isMark(ch: string | undefined): ch is CheckboxMark {
  return ch === " " || ch === "x" || ch === "X" || ch === "-" || ch === "~";
}

/** True when an ID ends in a digit (so white space after it ends it for certain). */
function endsInDigit(id: string): boolean {
  const code = id.charCodeAt(id.length - 1);
  return code >= 48 && code <= 57;
}

/** True when `code` is `-`, `*` or `+` (a list marker). */
function isListMarker(code: number): boolean {
  return code === 45 || code === 42 || code === 43;
}

/** True for an ASCII letter (a lettered item `a. [x]` starts with one). */
function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** The first character after a list item's marker and its white space (`body` starts with a marker), or NaN when no white space follows the marker. */
function afterMarker(body: string): number {
  let i = 1;
  for (let c = body.charCodeAt(i); c === 32 || c === 9; c = body.charCodeAt(++i));
  return i === 1 ? Number.NaN : body.charCodeAt(i);
}

/**
 * Classifies one visible (comment-free) line with its leading white space removed (and its trailing white space:
 * `body`; `raw` is the line as written). The first character decides
 * which patterns can match (headings start with `#`, checkboxes and task-like items with a list marker or a
 * letter, and every checkbox holds `[`), so plain text and detail lines cost one or two character tests.
 * `first` is the code of body's first character (the caller has it already).
 */
export function classifyBody(body: string, first: number, line: number, raw: string, indent: number): ClassifiedLine {
  if (body === "") return { kind: "blank", line, raw, indent };
  if (first === 35 /* # */ && indent < 4) {
    const heading = HEADING_RE.exec(body);
    if (heading) return classifyHeading(heading, line, raw, indent);
  }
  if (isListMarker(first)) {
    // A checkbox needs `[` (or another marker: `- - [x]`) after the marker's white space; a task-like item
    // `[`, `*` or a digit (what TASKLIKE_RE needs there). Detail lines (`- Detail`) fail both at one character.
    const next = afterMarker(body);
    if (next === 91 || isListMarker(next)) {
      const shape = classifyBox(body, line, raw, indent);
      if (shape) return shape;
    }
    if ((next === 91 || next === 42 || (next >= 48 && next <= 57)) && TASKLIKE_RE.test(body)) return { kind: "tasklike", text: body.trim(), line, raw, indent };
    return { kind: "text", text: body, line, raw, indent };
  }
  if (isAsciiLetter(first) && body.includes("[")) {
    const box = LETTERED_RE.exec(body);
    if (box && isMark(box[1])) return { kind: "checkbox", mark: box[1], optional: box[2] !== undefined, text: (box[3] ?? "").trim(), lettered: true, line, raw, indent };
  }
  return { kind: "text", text: body, line, raw, indent };
}

/** A heading line (HEADING_RE matched), numbered when its text reads like `1. Title` or `Task 2: Title`. */
function classifyHeading(heading: RegExpExecArray, line: number, raw: string, indent: number): ClassifiedLine {
  const text = (heading[2] ?? "").replace(/[ \t]+#+$/, "");
  const n = NUMBERED_HEADING_RE.exec(text);
  const id = n?.[2] ?? "";
  const strict = n !== null && (n[3] !== "" || endsInDigit(id));
  // `## タスク 3:` has no title after the ID: the heading's own text names the group.
  const numbered = n && strict ? { id, title: restoreBold(n[1], n[3] ?? "", n[4] ?? "") || text } : null;
  return { kind: "heading", level: heading[1]?.length ?? 1, text, numbered, line, raw, indent };
}

/** A list item with a checkbox: a task line, a candidate (see CheckboxShape) or a plain checkbox item; else null. */
function classifyBox(body: string, line: number, raw: string, indent: number): ClassifiedLine | null {
  const task = TASK_RE.exec(body);
  if (task && isMark(task[1])) {
    const id = task[4] ?? "";
    const title = restoreBold(task[3], task[5] ?? "", (task[6] ?? "").trim());
    if (task[5] !== "" || endsInDigit(id)) return { kind: "task", mark: task[1], optional: task[2] !== undefined, id, title, line, raw, indent };
    const box = CHECKBOX_RE.exec(body);
    if (box) return { kind: "checkbox", mark: task[1], optional: task[2] !== undefined, text: (box[3] ?? "").trim(), lettered: false, candidate: { id, title }, line, raw, indent };
  }
  const box = CHECKBOX_RE.exec(body);
  if (box && isMark(box[1])) return { kind: "checkbox", mark: box[1], optional: box[2] !== undefined, text: (box[3] ?? "").trim(), lettered: false, line, raw, indent };
  return null;
}

/** `**1. Title**`: the `**` opened before the ID is closed at the end of the title, so put it back. */
function restoreBold(openBold: string | undefined, idEnd: string, title: string): string {
  const trimmed = title.trim();
  return openBold && !idEnd.includes("**") && trimmed !== "" ? `**${trimmed}` : trimmed;
}

/** What a pass over the lines leaves besides the lines: the fenced blocks and the line terminator. */
export type LinePass = Omit<ClassifiedText, "lines"> & {
  /** False when `visit` stopped the pass before the last line. */
  complete: boolean;
};

/**
 * Splits tasks.md into classified lines (LF or CRLF, BOM dropped) and hands each to `visit` in file order; a
 * `visit` that returns false stops the pass. Lines inside fenced code blocks (``` and ~~~) are `code`, lines
 * wholly inside HTML comments are `comment`: neither is ever a task or heading.
 */
export function forEachLine(text: string, visit: (line: ClassifiedLine) => boolean | void): LinePass {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const firstNewline = source.indexOf("\n");
  const eol = firstNewline > 0 && source[firstNewline - 1] === "\r" ? "\r\n" : "\n";
  const codeBlocks: CodeBlock[] = [];
  const comment = { inComment: false };
  let fence: { char: string; code: number; size: number; line: number; body: string[] } | null = null;

  // Looked for once in the whole text: most files have neither, and then no line is searched for them.
  const hasCr = source.includes("\r");
  const hasComments = source.includes("<!--");
  // The lines of split("\n") less an empty last one, cut one at a time (a line not kept dies young).
  let next = 0;
  for (let index = 0; next >= 0; index++) {
    const start = next;
    const end = source.indexOf("\n", start);
    next = end < 0 ? -1 : end + 1;
    if (end < 0 && start === source.length && index > 0) break;
    const withCr = source.slice(start, end < 0 ? source.length : end);
    const raw = hasCr && withCr.charCodeAt(withCr.length - 1) === 13 ? withCr.slice(0, -1) : withCr;
    const line = index + 1;
    // trimStart drops every kind of white space; the indent counts spaces and tabs only (loops when not all spaces).
    const trimmed = raw.trimStart();
    const lead = raw.length - trimmed.length;
    const spaces = lead === 0 || (lead < SPACES.length && raw.startsWith(SPACES[lead]!));
    const leadLen = spaces ? lead : leadLength(raw);
    const indent = spaces ? lead : indentWidth(raw, leadLen);
    if (fence) {
      const close = raw.charCodeAt(leadLen) === fence.code ? FENCE_RE.exec(raw.slice(leadLen)) : null;
      if (close?.[1]?.[0] === fence.char && close[1].length >= fence.size && raw.slice(leadLen + close[1].length).trim() === "") {
        codeBlocks.push({ line: fence.line, text: fence.body.join("\n") });
        fence = null;
      } else {
        fence.body.push(raw);
      }
      if (visit({ kind: "code", line, raw, indent }) === false) return { codeBlocks, eol, complete: false };
      continue;
    }
    const wasInComment = comment.inComment;
    const visible = wasInComment || (hasComments && raw.includes("<!--")) ? stripComments(raw, comment) : raw;
    if ((wasInComment || visible !== raw) && visible.trim() === "") {
      if (visit({ kind: raw.trim() === "" ? "blank" : "comment", line, raw, indent }) === false) return { codeBlocks, eol, complete: false };
      continue;
    }
    const body = visible === raw ? trimmed : visible.trimStart();
    const first = body.charCodeAt(0);
    const open = first === 96 || first === 126 ? FENCE_RE.exec(body) : null;
    if (open?.[1] && !(open[1][0] === "`" && body.slice(open[1].length).includes("`"))) {
      fence = { char: open[1][0] ?? "`", code: open[1].charCodeAt(0), size: open[1].length, line, body: [] };
      if (visit({ kind: "code", line, raw, indent }) === false) return { codeBlocks, eol, complete: false };
      continue;
    }
    const visibleIndent = visible === raw ? indent : indentWidth(visible, leadLength(visible));
    // Every line's object is made whole in one literal (one allocation, no properties added later).
    if (visit(classifyBody(body.trimEnd(), first, line, raw, visibleIndent)) === false) return { codeBlocks, eol, complete: false };
  }
  if (fence) codeBlocks.push({ line: fence.line, text: fence.body.join("\n") });
  return { codeBlocks, eol, complete: true };
}

/** Every line of tasks.md, classified (see forEachLine), with the fenced blocks and the line terminator. */
export function classifyLines(text: string): ClassifiedText {
  const lines: ClassifiedLine[] = [];
  const { codeBlocks, eol } = forEachLine(text, (line) => {
    lines.push(line);
  });
  return { lines, codeBlocks, eol };
}
