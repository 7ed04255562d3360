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
  dependsOn: string[];
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
 * (group 1: see PLAIN_TASK in fast-parse.ts), or a line classifyBody might make more than a text line (`#`, a list
 * marker before `[`, `*`, `+`, `-` or a digit, a letter with `[` after it, or a character that is not printable
 * ASCII). Every other line is a blank or text line.
 */
const PLAN_LINES = /^ *(?:([-*+] \[[ xX~-]\] \d+(?:\.\d+)*\.? [^\s:：](?:.*\S)?)$|#|[-*+] +[[*+\-\d]|[A-Za-z][^\n]*\[|[^ -~\n])/gm;

/** The tasks of the file in order, as the plan needs them (parallel lists, one entry per task). */
interface TaskList {
  ids: string[];
  json: JsonSubtask[];
  parent: number[];
  ticked: boolean[];
  optional: boolean[];
}

/** A task line found: its ID, title, mark and checkbox star, at 1-based `line`. */
interface FoundTask {
  id: string;
  title: string;
  mark: CheckboxMark;
  optional: boolean;
  line: number;
}

/** The task line whose text is group 1 of a PLAN_LINES match: `- [m] ` is six characters, then the ID to the first space (less a final `.`), then the title. */
function plainTask(text: string, line: number): FoundTask {
  const space = text.indexOf(" ", 6);
  const idEnd = text.charCodeAt(space - 1) === 46 ? space - 1 : space;
  return { id: text.slice(6, idEnd), title: text.slice(space + 1), mark: text[3] as CheckboxMark, optional: false, line };
}

/** Reads the tasks (see planFast); null for a shape left to the full parse. */
function readTasks(source: string): TaskList | null {
  const list: TaskList = { ids: [], json: [], parent: [], ticked: [], optional: [] };
  const byId = new Map<string, number>();
  const sections = sectionTracker();
  /** The last task line (its ancestors are where a sub-task's parent usually is), or -1 after a heading. */
  let current = -1;
  let line = 1;
  let counted = 0;
  PLAN_LINES.lastIndex = 0;
  for (let m = PLAN_LINES.exec(source); m !== null; m = PLAN_LINES.exec(source)) {
    for (let nl = source.indexOf("\n", counted); nl >= 0 && nl < m.index; nl = source.indexOf("\n", nl + 1)) {
      line++;
      counted = nl + 1;
    }
    let found: FoundTask;
    if (m[1] !== undefined) found = plainTask(m[1], line);
    else {
      const end = source.indexOf("\n", m.index);
      const raw = source.slice(m.index, end < 0 ? source.length : end);
      const trimmed = raw.trimStart();
      const indent = raw.length - trimmed.length;
      if (indent > 0 && (indent >= SPACES.length || !raw.startsWith(SPACES[indent]!))) return null;
      const body = trimmed.trimEnd();
      const first = body.charCodeAt(0);
      if (body === "" || !mayBeMoreThanText(body, 0, body.length, first, indent)) continue;
      const shape = classifyBody(body, first, line, raw, indent);
      if (shape.kind === "text") continue;
      if (shape.kind === "heading") {
        if (shape.numbered || sections.at(shape) !== null) return null;
        current = -1;
        continue;
      }
      if (shape.kind !== "task") return null;
      found = shape;
    }
    const { id, title } = found;
    const dot = id.lastIndexOf(".");
    let parent = -1;
    if (dot > 0) {
      // Usually an ancestor of the task line before; IDs are unique here, so the one found is the only one.
      for (let up = current; up >= 0 && parent < 0; up = list.parent[up]!) if (list.ids[up]!.length === dot && id.startsWith(list.ids[up]!)) parent = up;
      if (parent < 0) parent = byId.get(id.slice(0, dot)) ?? -1;
      if (parent < 0) return null;
    }
    current = list.ids.length;
    byId.set(id, current);
    if (byId.size === current) return null; // a repeated ID
    list.ids.push(id);
    list.json.push({ id, key: id, title, line: found.line });
    list.parent.push(parent);
    list.ticked.push(found.mark === "x" || found.mark === "X");
    // As newTask reads it.
    list.optional.push(found.optional || (title.includes("[") && /\[optional\]/i.test(title)));
  }
  return list.ids.length > 0 ? list : null;
}

/**
 * The plan of `text` with `includeOptional` (unit granularity), or null when the text has a shape this leaves to the
 * full parse and plan: every shape parseFast leaves (see there), and any mention of a dependency. Never throws.
 */
export function planFast(text: string, includeOptional: boolean): FastPlan | null {
  if (needsFullParse(text) || DEPENDENCY_WORD.test(text)) return null;
  const tasks = readTasks(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!tasks) return null;
  const { parent, ticked, optional, json } = tasks;
  const n = json.length;
  // Done (TaskTree.isDone): ticked, or every counted sub-task done when there is one. A sub-task follows its parent.
  const done = new Array<boolean>(n);
  const counted = new Int32Array(n);
  const countedNotDone = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const isDone = ticked[i]! || (counted[i]! > 0 && countedNotDone[i] === 0);
    done[i] = isDone;
    const p = parent[i]!;
    if (p >= 0 && (includeOptional || !optional[i])) {
      counted[p]!++;
      if (!isDone) countedNotDone[p] = 1;
    }
  }
  // Skippable (TaskTree.isSkippable): optional, or below an optional task; and each task's unit.
  const skippable = new Array<boolean>(n);
  const unitOf = new Int32Array(n);
  const units: JsonUnit[] = [];
  /** Of each unit: its root task, and its sub-tasks' indexes in file order (as TaskTree.descendants lists them). */
  const roots: number[] = [];
  const below: number[][] = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    skippable[i] = optional[i]! || (p >= 0 && skippable[p]!);
    if (p >= 0) {
      const u = unitOf[p]!;
      unitOf[i] = u;
      units[u]!.subtasks.push(json[i]!);
      below[u]!.push(i);
      continue;
    }
    unitOf[i] = units.length;
    roots.push(i);
    below.push([]);
    const root = json[i]!;
    units.push({ id: root.id, key: root.key, title: root.title, kind: "standalone", line: root.line, dependsOn: [], subtasks: [] });
  }
  const unitDone: boolean[] = [];
  const unitOptional: boolean[] = [];
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    const root = roots[u]!;
    unitDone.push(done[root]!);
    unitOptional.push(optional[root]!);
    if (unit.subtasks.length === 0) continue;
    unit.kind = "parent";
    // The sub-tasks a unit not done still runs (topUnit): usually all of them, and then the list is kept.
    if (done[root]) continue;
    const keepOptional = includeOptional || optional[root]!;
    const indexes = below[u]!;
    const runs = (k: number): boolean => !done[indexes[k]!] && (keepOptional || !skippable[indexes[k]!]);
    if (!indexes.every((_, k) => runs(k))) unit.subtasks = unit.subtasks.filter((_, k) => runs(k));
  }
  const doneKeys: string[] = [];
  const optionalKeys: string[] = [];
  for (let i = 0; i < n; i++) {
    if (done[i]) doneKeys.push(json[i]!.key);
    else if (!includeOptional && skippable[i]) optionalKeys.push(json[i]!.key);
  }
  return { units, unitDone, unitOptional, done: doneKeys, optional: optionalKeys };
}
