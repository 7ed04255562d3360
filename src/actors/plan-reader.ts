// Reads tasks.md afresh and answers what the planner and recorder ask: what is next, what is left.
import { readFileSync, statSync } from "node:fs";
import { SpecNotFoundError, SpecParseError } from "../errors.ts";
import { parseTasks } from "../spec/parse.ts";
import { nextRunnable, planOfTree, planOptions, replanMarks, unitsByKey } from "../spec/plan.ts";
import { decodeTasks, requireTasks } from "../spec/read.ts";
import { isTask, TaskTree } from "../spec/task-tree.ts";
import type { DispatchUnit, Plan, PlanOptions, Task } from "../spec/types.ts";
import type { MarkChange } from "../spec/writeback.ts";

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

/**
 * The last text read (or written by seqorch) with its stamp, its parse and the tree over it (which owns
 * `parsed.tasks`: seqorch's own checkbox writes swap tasks in it), and what is made from them when first asked
 * for: the plan, its counted units and units by key, the keys of ticked tasks.
 */
interface CachedRead {
  stamp: FileStamp | null;
  text: string;
  tree: TaskTree;
  plan: Plan | null;
  /** Of `plan`: the units that count for "N of M", and every unit by key. */
  counted: DispatchUnit[] | null;
  byKey: Map<string, DispatchUnit> | null;
  /** Handed out as it is: replaced, never changed, when a tick changes it. */
  ticked: ReadonlySet<string> | null;
  generation: number;
}

/** A task's parents in `tree` (tasks or heading groups), nearest first. */
function ancestorsIn(tree: TaskTree, key: string): Ancestor[] {
  const out: Ancestor[] = [];
  const start = tree.node(key);
  for (let up = start ? tree.parentOf(start) : undefined; up && out.length < 16; up = tree.parentOf(up)) {
    out.push({ key: up.key, id: up.id, title: up.title, task: isTask(up) ? up : null });
  }
  return out;
}

/** The parents of `key` in `tree` that ticking it completes, nearest first (see PlanReader.parentsToTick). */
function parentsToTickIn(tree: TaskTree, options: PlanOptions, key: string): Task[] {
  const out: Task[] = [];
  for (const ancestor of ancestorsIn(tree, key)) {
    if (!ancestor.task || ancestor.task.ticked) break;
    const counted = ancestor.task.childKeys.map((k) => tree.node(k)).filter((t): t is Task => t !== undefined && isTask(t) && (!t.optional || Boolean(options.includeOptional)));
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
  /** Keys of the tasks ticked in tasks.md now (for noticing boxes an agent unticked). Not to be changed. */
  ticked(): ReadonlySet<string>;
  /** A task's parents (tasks or heading groups), nearest first, from the current parse of tasks.md. */
  ancestorsOf(key: string): Ancestor[];
  /**
   * Parent tasks of `key` that are now complete (every counted child ticked) but not ticked themselves, nearest
   * first: in leaf granularity, ticking the last sub-task of a task ticks the task too, as Kiro does.
   */
  parentsToTick(key: string): Task[];
  /**
   * Tell the reader that seqorch itself applied `changes` (writeMarks' applied ones), turning tasks.md from
   * `before` into `after` (the file now having `stamp`). When `before` is the text last read and each change
   * names the task it was located on, the parse and plan are updated in place of parsing and planning the whole
   * file again (only marks changed, so the structure is the same); otherwise the next read parses `after`.
   * Any other edit is found by the next read.
   */
  noteMarksWritten(before: string, after: string, changes: readonly MarkChange[], stamp: FileStamp): void;
}

/** A reader of `tasksFile` planned with `options`, with a cache of its own. */
export function createPlanReader(tasksFile: string, options: PlanOptions): PlanReader {
  const opts = planOptions(options);
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
    cache = { stamp, text, tree: new TaskTree(parsed, opts.includeOptional), plan: null, counted: null, byKey: null, ticked: null, generation: ++generations };
    return cache;
  };

  const planNow = (): CachedRead & { plan: Plan; counted: DispatchUnit[] } => {
    const current = parsedNow();
    current.plan ??= planOfTree(current.tree, opts);
    current.counted ??= current.plan.units.filter((u) => !u.optional || opts.includeOptional);
    return current as CachedRead & { plan: Plan; counted: DispatchUnit[] };
  };

  return {
    read(completed) {
      const current = planNow();
      const { plan, counted } = current;
      const done = new Set(completed);
      const pending = counted.filter((u) => !u.done && !done.has(u.key));
      const next = pending.length > 0 ? nextRunnable(plan, done, (current.byKey ??= unitsByKey(plan))) : null;
      return { plan, pending, counted, next, generation: current.generation };
    },
    countPending(completed) {
      const done = new Set(completed);
      let pending = 0;
      for (const u of planNow().counted) if (!u.done && !done.has(u.key)) pending++;
      return pending;
    },
    ticked() {
      const current = parsedNow();
      return (current.ticked ??= new Set(current.tree.parsed.tasks.filter((t) => t.ticked).map((t) => t.key)));
    },
    ancestorsOf: (key) => ancestorsIn(parsedNow().tree, key),
    parentsToTick: (key) => parentsToTickIn(parsedNow().tree, options, key),
    noteMarksWritten(before, after, changes, stamp) {
      if (!cache || cache.text !== before || before === after) return;
      const { tree } = cache;
      // Each change must name, in this parse, the task writeMarks located (by key with the same title): else
      // the keys came from another reading of the file, and only a parse of `after` knows what changed.
      const located = changes.every((c) => {
        const task = tree.node(c.key);
        return task !== undefined && isTask(task) && task.id === c.id && task.title === c.title;
      });
      if (!located) {
        cache.stamp = null;
        return;
      }
      const changed: string[] = [];
      let tickedChanged = false;
      for (const change of changes) {
        const task = tree.node(change.key) as Task;
        if (task.mark === change.to) continue;
        const ticked = change.to === "x" || change.to === "X";
        tickedChanged ||= ticked !== task.ticked;
        tree.replaceTask({ ...task, mark: change.to, ticked });
        changed.push(change.key);
      }
      cache.stamp = stamp;
      cache.text = after;
      if (changed.length === 0) return;
      if (cache.plan) {
        const plan = replanMarks(cache.plan, tree, changed);
        const { byKey } = cache;
        if (byKey) plan.units.forEach((u, i) => u !== cache!.plan!.units[i] && byKey.set(u.key, u));
        cache.plan = plan;
        cache.counted = plan.units.filter((u) => !u.optional || opts.includeOptional);
      }
      if (tickedChanged) cache.ticked = null;
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
