// The dispatch plan of a tasks.md in the shapes most files keep to, made straight from the text for `seqorch plan`:
// only the lines that can be anything but a detail line are looked at (one regular expression finds them), and the
// units come out as the JSON objects `plan --json` prints. Null for a file with anything else, which parseTasks and
// planUnits then read: where this answers, the units, their done and optional flags and the done and optional
// lists are theirs (test/spec/fast-plan.test.ts). Rules: shared/reference/kiro-tasks-format.md, Part 2.
import { mayBeMoreThanText, needsFullParse, SPACES } from "./fast-parse.ts";
import { classifyBody } from "./lines.ts";
import { sectionTracker } from "./sections.ts";
import type { CheckboxMark } from "./types.ts";

/** A sub-task as `plan --json` prints it (these fields, in this order). */
export interface JsonSubtask {
  id: string;
  key: string;
  title: string;
  line: number;
}

/** A unit as `plan --json` prints it (these fields, in this order; the README's plan section names them). */
export interface JsonUnit {
  id: string;
  key: string;
  title: string;
  kind: "parent" | "standalone";
  line: number;
  dependsOn: readonly string[];
  subtasks: JsonSubtask[];
}

/** What planUnits would make of the file, as far as `plan` shows it. */
export interface FastPlan {
  /** Every unit, file order. */
  units: JsonUnit[];
  /** Of each unit (same index): done, and optional (see DispatchUnit). */
  unitDone: boolean[];
  unitOptional: boolean[];
  /** Keys of the tasks done, and of the optional ones that will be skipped (Plan.done, Plan.optional). */
  done: string[];
  optional: string[];
}

/**
 * Every key line that names dependencies has one of these words (KEY_RE's keys, matched without case): a file without
 * any has no dependency, and none of its detail or key lines changes the plan.
 */
const DEPENDENCY_WORD = /depend|依赖|依存/i;

/**
 * The lines the plan looks at, from their first character (after the spaces): a task line in its plainest form
 * (PLAIN_TASK in fast-parse.ts), or a line classifyBody might make more than a text line (`#`, a list marker before
 * `[`, `*`, `+`, `-` or a digit, a letter with `[` after it, or a character that is not printable ASCII). Every
 * other line is a blank or text line. Used with test (no match array is made): a plain task line's match is the
 * only one that ends at the end of its line, at least 9 characters after its start, with `[` 2 characters in.
 */
const PLAN_LINES = /^ *(?:[-*+] \[[ xX~-]\] \d+(?:\.\d+)*\.? [^\s:：](?:.*\S)?$|#|[-*+] +[[*+\-\d]|[A-Za-z][^\n]*\[|[^ -~\n])/gm;

/** The run of spaces a line starts with (sticky: its end is where the line's text starts; test cuts no string). */
const LEADING_SPACES = / */y;

/** Every unit's dependsOn: a file with no dependency line has none (shared; never written). */
const NO_DEPENDENCIES: string[] = Object.freeze([]) as unknown as string[];

/** The tasks of the file in order, as the plan needs them (parallel lists, one entry per task). */
interface TaskList {
  json: JsonSubtask[];
  /** Index of the parent task, or -1. */
  parent: number[];
  /** TICKED and OPTIONAL. */
  flags: number[];
}
const TICKED = 1;
const OPTIONAL = 2;

/** True when task ID `id` comes after `before` (longer, or as long and after it as text): any strict order will do. */
function after(id: string, before: string): boolean {
  return id.length > before.length || (id.length === before.length && id > before);
}

/**
 * Reads the tasks (see planFast); null for a shape left to the full parse, or when a sub-task's parent is not among
 * the ancestors of the task line before it (the parent's ID elsewhere), or a task's ID does not come after the one
 * of the task before it with the same parent (see `after`): then no ID is used twice, and a parent is the one task
 * with its ID, the one the full parse links (as in most files: each sub-task under its parent, in order).
 */
function readTasks(source: string): TaskList | null {
  const { json, parent, flags }: TaskList = { json: [], parent: [], flags: [] };
  const sections = sectionTracker();
  /** The last task line (its ancestors are the tasks a sub-task may be under), and the last top-level one. */
  let current = -1;
  let top = -1;
  let line = 1;
  let counted = 0;
  PLAN_LINES.lastIndex = 0;
  while (PLAN_LINES.test(source)) {
    const matchEnd = PLAN_LINES.lastIndex;
    // The match is within one line: the line break before its end is the one before the line.
    for (let nl = source.indexOf("\n", counted); nl >= 0 && nl < matchEnd; nl = source.indexOf("\n", nl + 1)) {
      line++;
      counted = nl + 1;
    }
    LEADING_SPACES.lastIndex = counted;
    LEADING_SPACES.test(source);
    const at = LEADING_SPACES.lastIndex;
    const next = source.indexOf("\n", matchEnd);
    const lineEnd = next < 0 ? source.length : next;
    let id: string;
    let title: string;
    let mark: CheckboxMark;
    let optional = false;
    const first = source.charCodeAt(at);
    if (matchEnd === lineEnd && lineEnd - at >= 9 && (first === 45 || first === 42 || first === 43) && source.charCodeAt(at + 2) === 91) {
      // A plain task line: `- [m] ` is six characters, then the ID to the first space (less a final `.`), then the title.
      const space = source.indexOf(" ", at + 6);
      id = source.slice(at + 6, source.charCodeAt(space - 1) === 46 ? space - 1 : space);
      title = source.slice(space + 1, lineEnd);
      mark = source[at + 3] as CheckboxMark;
    } else {
      const raw = source.slice(counted, lineEnd);
      const trimmed = raw.trimStart();
      const indent = raw.length - trimmed.length;
      if (indent > 0 && (indent >= SPACES.length || !raw.startsWith(SPACES[indent]!))) return null;
      const body = trimmed.trimEnd();
      const bodyFirst = body.charCodeAt(0);
      if (body === "" || !mayBeMoreThanText(body, 0, body.length, bodyFirst, indent)) continue;
      const shape = classifyBody(body, bodyFirst, line, raw, indent);
      if (shape.kind === "text") continue;
      if (shape.kind === "heading") {
        if (shape.numbered || sections.at(shape) !== null) return null;
        continue;
      }
      if (shape.kind !== "task") return null;
      ({ id, title, mark, optional } = shape);
    }
    const dot = id.lastIndexOf(".");
    let up = -1;
    /** The task before this one with the same parent (the parent's child on the way up from the last line). */
    let previous = top;
    if (dot > 0) {
      previous = -1;
      for (let at = current; at >= 0; previous = at, at = parent[at]!) {
        const ancestor = json[at]!.id;
        if (ancestor.length === dot && id.startsWith(ancestor)) {
          up = at;
          break;
        }
      }
      if (up < 0) return null;
    }
    if (previous >= 0 && !after(id, json[previous]!.id)) return null;
    current = json.length;
    if (up < 0) top = current;
    json.push({ id, key: id, title, line });
    parent.push(up);
    // Optional as newTask reads it.
    const isOptional = optional || (title.includes("[") && /\[optional\]/i.test(title));
    flags.push((mark === "x" || mark === "X" ? TICKED : 0) | (isOptional ? OPTIONAL : 0));
  }
  return json.length > 0 ? { json, parent, flags } : null;
}

/**
 * The plan of `text` with `includeOptional` (unit granularity), or null when the text has a shape this leaves to the
 * full parse and plan: every shape parseFast leaves (see there), and any mention of a dependency. Never throws.
 */
export function planFast(text: string, includeOptional: boolean): FastPlan | null {
  if (needsFullParse(text) || DEPENDENCY_WORD.test(text)) return null;
  const tasks = readTasks(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!tasks) return null;
  const { parent, flags, json } = tasks;
  const n = json.length;
  // Done (TaskTree.isDone): ticked, or every counted sub-task done when there is one. A sub-task follows its parent.
  const done = new Uint8Array(n);
  const counted = new Int32Array(n);
  const countedNotDone = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const isDone = (flags[i]! & TICKED) !== 0 || (counted[i]! > 0 && countedNotDone[i] === 0);
    done[i] = isDone ? 1 : 0;
    const p = parent[i]!;
    if (p >= 0 && (includeOptional || (flags[i]! & OPTIONAL) === 0)) {
      counted[p]!++;
      if (!isDone) countedNotDone[p] = 1;
    }
  }
  // Skippable (TaskTree.isSkippable): optional, or below an optional task; and each task's unit.
  const skippable = new Uint8Array(n);
  /** Sub-task `i` runs in the unit of `root` when that unit is not done: not done, and counted or optional ones kept. */
  const runs = (i: number, root: number): boolean => done[i] === 0 && (includeOptional || (flags[root]! & OPTIONAL) !== 0 || skippable[i] === 0);
  const unitOf = new Int32Array(n);
  const units: JsonUnit[] = [];
  /** Of each unit: its root task, and whether one of its sub-tasks would not run if the unit were not done. */
  const roots: number[] = [];
  const someStay = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    skippable[i] = (flags[i]! & OPTIONAL) !== 0 || (p >= 0 && skippable[p] === 1) ? 1 : 0;
    if (p >= 0) {
      const u = unitOf[p]!;
      unitOf[i] = u;
      units[u]!.subtasks.push(json[i]!);
      if (!runs(i, roots[u]!)) someStay[u] = 1;
      continue;
    }
    unitOf[i] = units.length;
    roots.push(i);
    const root = json[i]!;
    units.push({ id: root.id, key: root.key, title: root.title, kind: "standalone", line: root.line, dependsOn: NO_DEPENDENCIES, subtasks: [] });
  }
  const unitDone: boolean[] = [];
  const unitOptional: boolean[] = [];
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    const root = roots[u]!;
    unitDone.push(done[root] === 1);
    unitOptional.push((flags[root]! & OPTIONAL) !== 0);
    if (unit.subtasks.length > 0) unit.kind = "parent";
  }
  // The sub-tasks a unit not done still runs (topUnit): usually all of them, and then its list is kept as it is.
  for (let u = 0; u < units.length; u++) if (someStay[u] === 1 && done[roots[u]!] === 0) units[u]!.subtasks = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p < 0) continue;
    const u = unitOf[i]!;
    if (someStay[u] === 1 && done[roots[u]!] === 0 && runs(i, roots[u]!)) units[u]!.subtasks.push(json[i]!);
  }
  const doneKeys: string[] = [];
  const optionalKeys: string[] = [];
  for (let i = 0; i < n; i++) {
    if (done[i] === 1) doneKeys.push(json[i]!.key);
    else if (!includeOptional && skippable[i] === 1) optionalKeys.push(json[i]!.key);
  }
  return { units, unitDone, unitOptional, done: doneKeys, optional: optionalKeys };
}
