// Reads tasks.md afresh and answers what the planner and recorder ask: what is next, what is left.
import { readFileSync, statSync } from "node:fs";
import { SpecNotFoundError, SpecParseError } from "../errors.ts";
import { parseTasks } from "../spec/parse.ts";
import { nextRunnable, planUnits } from "../spec/plan.ts";
import { decodeTasks, requireTasks } from "../spec/read.ts";
import type { CheckboxMark, DispatchUnit, Plan, PlanOptions, Task, TasksFile } from "../spec/types.ts";

/** A fresh plan plus what the run's recorded completions make of it. */
export interface PlanView {
  plan: Plan;
  /** Units to run (not done in tasks.md, not recorded done, not skipped as optional), file order. */
  pending: DispatchUnit[];
  /** Units that count for "N of M" (optional ones only when included). */
  counted: DispatchUnit[];
  /** The first pending unit whose dependencies are done, or null. */
  next: DispatchUnit | null;
  /**
   * Which reading of tasks.md this is: a new number when the file was read from disk (someone else wrote it, or
   * it was read for the first time); the same after seqorch's own checkbox writes, which change only marks.
   */
  generation: number;
}

/** Identity of a file version: when these are unchanged, the file was not written since. */
interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

const sameStamp = (a: FileStamp | null, b: FileStamp) => a !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** The last text read (or written by seqorch) with its stamp and parse; `plan` is made when first asked for. */
interface CachedRead {
  stamp: FileStamp | null;
  text: string;
  parsed: TasksFile;
  /** null after seqorch's own tick, which changes only marks. */
  plan: Plan | null;
  generation: number;
}

/** A task's parents in `parsed` (tasks or heading groups), nearest first. */
function ancestorsIn(parsed: TasksFile, key: string): Ancestor[] {
  const tasks = new Map(parsed.tasks.map((t) => [t.key, t]));
  const groups = new Map(parsed.groups.map((g) => [g.key, g]));
  const out: Ancestor[] = [];
  let parent = tasks.get(key)?.parentKey ?? null;
  while (parent !== null && out.length < 16) {
    const task = tasks.get(parent);
    const group = groups.get(parent);
    if (task) out.push({ key: task.key, id: task.id, title: task.title, task });
    else if (group) out.push({ key: group.key, id: group.id, title: group.title, task: null });
    else break;
    parent = task?.parentKey ?? group?.parentKey ?? null;
  }
  return out;
}

/** The parents of `key` in `parsed` that ticking it completes, nearest first (see PlanReader.parentsToTick). */
function parentsToTickIn(parsed: TasksFile, options: PlanOptions, key: string): Task[] {
  const tasks = new Map(parsed.tasks.map((t) => [t.key, t]));
  const out: Task[] = [];
  for (const ancestor of ancestorsIn(parsed, key)) {
    if (!ancestor.task || ancestor.task.ticked) break;
    const counted = ancestor.task.childKeys.map((k) => tasks.get(k)).filter((t): t is Task => t !== undefined && (!t.optional || Boolean(options.includeOptional)));
    const justTicked = new Set([key, ...out.map((t) => t.key)]);
    if (counted.length === 0 || !counted.every((t) => t.ticked || justTicked.has(t.key))) break;
    out.push(ancestor.task);
  }
  return out;
}

/** A parent of a task: a task, or a heading group (`task` null). */
export interface Ancestor {
  key: string;
  id: string;
  title: string;
  task: Task | null;
}

/**
 * One run's reader of its tasks.md (one per run, in its RunContext, never module state): it reads the file
 * afresh on each question, parsing it again only when its stamp or text changed since the last read.
 */
export interface PlanReader {
  /**
   * Read and plan tasks.md. `completed` is the state file's list of keys recorded done. Throws SpecNotFoundError
   * when the file is gone, SpecParseError when it no longer parses (not UTF-8, no task in it), EmptySpecError
   * when it is empty.
   */
  read(completed: readonly string[]): PlanView;
  /** How many units are pending, as `read` counts them (without looking for the next runnable one). */
  countPending(completed: readonly string[]): number;
  /** Keys of the tasks ticked in tasks.md now (for noticing boxes an agent unticked). */
  ticked(): Set<string>;
  /** A task's parents (tasks or heading groups), nearest first, from the current parse of tasks.md. */
  ancestorsOf(key: string): Ancestor[];
  /**
   * Parent tasks of `key` that are now complete (every counted child ticked) but not ticked themselves, nearest
   * first: in leaf granularity, ticking the last sub-task of a task ticks the task too, as Kiro does.
   */
  parentsToTick(key: string): Task[];
  /**
   * Tell the reader that seqorch itself changed checkboxes from `before` to `after` (the file now having
   * `stamp`). When `before` is the text last read, the cached parse is updated instead of parsing the whole file
   * again (only marks changed, so the structure is the same). Any other edit is found by the next read.
   */
  noteMarksWritten(before: string, after: string, marks: ReadonlyMap<string, CheckboxMark>, stamp: FileStamp): void;
}

/** A reader of `tasksFile` planned with `options`, with a cache of its own. */
export function createPlanReader(tasksFile: string, options: PlanOptions): PlanReader {
  let cache: CachedRead | null = null;
  let generations = 0;

  /** The text of tasks.md: from the cache when the file's stamp is the one last seen, else read. */
  const readTasks = (): { text: string; stamp: FileStamp } => {
    try {
      const { ino, size, mtimeMs } = statSync(tasksFile);
      const stamp = { ino, size, mtimeMs };
      if (cache && sameStamp(cache.stamp, stamp)) return { text: cache.text, stamp };
      return { text: decodeTasks(readFileSync(tasksFile), tasksFile), stamp };
    } catch (error) {
      if (error instanceof SpecParseError) throw error;
      throw new SpecNotFoundError(tasksFile, (error as NodeJS.ErrnoException).code === "ENOENT" ? "tasks.md not found" : String(error));
    }
  };

  /** The parse of tasks.md as it is now (cached while the file is unchanged). */
  const parsedNow = (): CachedRead => {
    const { text, stamp } = readTasks();
    if (cache && cache.text === text) {
      cache.stamp = stamp;
      return cache;
    }
    const parsed = parseTasks(text, tasksFile);
    requireTasks(parsed, text);
    cache = { stamp, text, parsed, plan: null, generation: ++generations };
    return cache;
  };

  const planNow = (): { current: CachedRead; plan: Plan } => {
    const current = parsedNow();
    return { current, plan: (current.plan ??= planUnits(current.parsed, options)) };
  };

  return {
    read(completed) {
      const { current, plan } = planNow();
      const done = new Set(completed);
      const counted = plan.units.filter((u) => !u.optional || options.includeOptional);
      const pending = counted.filter((u) => !u.done && !done.has(u.key));
      return { plan, pending, counted, next: pending.length > 0 ? nextRunnable(plan, done) : null, generation: current.generation };
    },
    countPending(completed) {
      const { plan } = planNow();
      const done = new Set(completed);
      let pending = 0;
      for (const u of plan.units) if ((!u.optional || options.includeOptional) && !u.done && !done.has(u.key)) pending++;
      return pending;
    },
    ticked: () => new Set(parsedNow().parsed.tasks.filter((t) => t.ticked).map((t) => t.key)),
    ancestorsOf: (key) => ancestorsIn(parsedNow().parsed, key),
    parentsToTick: (key) => parentsToTickIn(parsedNow().parsed, options, key),
    noteMarksWritten(before, after, marks, stamp) {
      if (!cache || cache.text !== before || before === after) return;
      const tasks = cache.parsed.tasks.map((t) => {
        const mark = marks.get(t.key);
        return mark === undefined ? t : { ...t, mark, ticked: mark === "x" || mark === "X" };
      });
      cache = { ...cache, stamp, text: after, parsed: { ...cache.parsed, tasks }, plan: null };
    },
  };
}

/**
 * Read and plan `tasksFile` once, for a command that reads it once (plan, status, decisions). Throws as
 * {@link PlanReader.read} does.
 */
export function readPlan(tasksFile: string, options: PlanOptions, completed: readonly string[]): PlanView {
  return createPlanReader(tasksFile, options).read(completed);
}
