// Reads tasks.md afresh and answers what the planner and recorder ask: what is next, what is left.
import { readFileSync, statSync } from "node:fs";
import { SpecNotFoundError } from "../errors.ts";
import { parseTasks } from "../spec/parse.ts";
import { nextRunnable, planOfTree, planOptions, replanMarks, unitsByKey } from "../spec/plan.ts";
import { decodeTasks, requireTasks } from "../spec/read.ts";
import { isTask, TaskTree } from "../spec/task-tree.ts";
import type { DispatchUnit, Plan, PlanOptions, Task } from "../spec/types.ts";
import type { MarkChange, MarkResult } from "../spec/writeback.ts";
import { sameStamp, writeMarksInPlace, type FileStamp, type HeldFile } from "./marks-in-place.ts";

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

/**
 * The last version of tasks.md read (or written by seqorch) with its stamp, its parse and the tree over it (which owns
 * `parsed.tasks`: seqorch's own checkbox writes swap tasks in it), and what is made from them when first asked
 * for: the plan, its counted units and units by key, the keys of ticked tasks.
 */
interface CachedRead extends HeldFile {
  stamp: FileStamp | null;
  /** The file's bytes as read, with seqorch's own checkbox writes applied. */
  bytes: Buffer;
  /** Byte offset of each line's start in `bytes`, made at the first in-place write (marks keep them). */
  lineStarts: Uint32Array | null;
  tree: TaskTree;
  plan: Plan | null;
  /** Of `plan`: the units that count for "N of M", and every unit by key. */
  counted: DispatchUnit[] | null;
  byKey: Map<string, DispatchUnit> | null;
  /** Each unit's index in `plan.units`, by key (marks never move a unit): made at the first checkbox write. */
  positions: Map<string, number> | null;
  /** Kept in step with seqorch's own ticks (noteMarks); its readers (runaway.ts) read or copy it at once. */
  ticked: Set<string> | null;
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
 * One run's reader of its tasks.md (one per run, in its RunContext, never module state): it looks at the file
 * afresh on each question, reading it again only when its stamp changed and parsing it again only when its
 * bytes did; seqorch's own checkbox writes go through it and update its parse and plan instead.
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
  noteMarksWritten(before: Uint8Array, after: Uint8Array, changes: readonly MarkChange[], stamp: FileStamp): void;
  /**
   * Write `changes` into tasks.md in place, without reading the file, when its stamp says it is still the version
   * this reader last read or wrote and each change names a task of that reading (same key, ID and title) whose
   * line holds its checkbox: one byte per change, and the reading is updated as noteMarksWritten does. Returns
   * what writeMarks would (applied, missing, skipped), or null when the file must be read first (then writeMarks
   * and noteMarksWritten do it). Not fsynced. Throws WriteError when the file cannot be written (the reading is
   * then dropped: the next read parses the file).
   */
  writeKnownMarks(changes: readonly MarkChange[]): MarkResult | null;
}

/** A reader of `tasksFile` planned with `options`, with a cache of its own. */
export function createPlanReader(tasksFile: string, options: PlanOptions): PlanReader {
  const opts = planOptions(options);
  let cache: CachedRead | null = null;
  let generations = 0;

  /** The bytes of tasks.md, or null when the file's stamp is the one last seen (the cache holds them). */
  const readTasks = (): { bytes: Buffer | null; stamp: FileStamp } => {
    try {
      const { ino, size, mtimeMs } = statSync(tasksFile);
      const stamp = { ino, size, mtimeMs };
      return { bytes: cache && sameStamp(cache.stamp, stamp) ? null : readFileSync(tasksFile), stamp };
    } catch (error) {
      throw new SpecNotFoundError(tasksFile, (error as NodeJS.ErrnoException).code === "ENOENT" ? "tasks.md not found" : String(error));
    }
  };

  /** The parse of tasks.md as it is now (cached while the file is unchanged). */
  const parsedNow = (): CachedRead => {
    const { bytes, stamp } = readTasks();
    if (cache && (bytes === null || cache.bytes.equals(bytes))) {
      cache.stamp = stamp;
      return cache;
    }
    const text = decodeTasks(bytes!, tasksFile);
    const parsed = parseTasks(text, tasksFile);
    requireTasks(parsed, text);
    cache = { stamp, bytes: bytes!, lineStarts: null, tree: new TaskTree(parsed, opts.includeOptional), plan: null, counted: null, byKey: null, positions: null, ticked: null, generation: ++generations };
    return cache;
  };

  /** The last `completed` list seen, a copy of its entries then, and their set (see doneSet). */
  let done: { list: readonly string[]; copy: string[]; set: Set<string> } | null = null;
  /**
   * The keys of `completed` as a set, kept between calls: a run's list (the state's) only grows, so when it is
   * the list of the last call with the same first entries, only its new entries are added (no set of every
   * completed unit at each unit); any other list gets a set of its own.
   */
  const doneSet = (completed: readonly string[]): ReadonlySet<string> => {
    const last = done;
    if (last !== null && last.list === completed && completed.length >= last.copy.length) {
      let same = true;
      for (let i = 0; same && i < last.copy.length; i++) same = last.copy[i] === completed[i];
      if (same) {
        for (let i = last.copy.length; i < completed.length; i++) {
          last.copy.push(completed[i]!);
          last.set.add(completed[i]!);
        }
        return last.set;
      }
    }
    done = { list: completed, copy: [...completed], set: new Set(completed) };
    return done.set;
  };

  const planNow = (): CachedRead & { plan: Plan; counted: DispatchUnit[] } => {
    const current = parsedNow();
    current.plan ??= planOfTree(current.tree, opts);
    current.counted ??= current.plan.units.filter((u) => !u.optional || opts.includeOptional);
    return current as CachedRead & { plan: Plan; counted: DispatchUnit[] };
  };

  /** The task of `change` in the cached reading, when it has the change's key, ID and title. */
  const locate = (current: CachedRead, change: MarkChange): Task | null => {
    const task = current.tree.node(change.key);
    return task !== undefined && isTask(task) && task.id === change.id && task.title === change.title ? task : null;
  };

  /** Apply marks seqorch wrote to the cached tasks and plan (each change located by `locate`). */
  const noteMarks = (current: CachedRead, changes: readonly MarkChange[]): void => {
    const changed: string[] = [];
    for (const change of changes) {
      const task = current.tree.node(change.key) as Task;
      if (task.mark === change.to) continue;
      const ticked = change.to === "x" || change.to === "X";
      if (ticked !== task.ticked && current.ticked) {
        if (ticked) current.ticked.add(task.key);
        else current.ticked.delete(task.key);
      }
      current.tree.replaceTask({ ...task, mark: change.to, ticked });
      changed.push(change.key);
    }
    if (changed.length === 0) return;
    const old = current.plan;
    if (old) {
      // Only the units holding a changed task are new objects: the maps and lists of units take just them.
      const remade: DispatchUnit[] = [];
      const positions = (current.positions ??= new Map(old.units.map((u, i) => [u.key, i])));
      current.plan = replanMarks(old, current.tree, changed, remade, positions);
      const { byKey, counted } = current;
      for (const unit of remade) {
        byKey?.set(unit.key, unit);
        // A mark never makes a unit optional or not: it keeps its place among the counted ones.
        const at = counted ? counted.indexOf(old.units[positions.get(unit.key)!]!) : -1;
        if (at >= 0) counted![at] = unit;
      }
    }
  };

  return {
    read(completed) {
      const current = planNow();
      const { plan, counted } = current;
      const doneKeys = doneSet(completed);
      const pending = counted.filter((u) => !u.done && !doneKeys.has(u.key));
      const next = pending.length > 0 ? nextRunnable(plan, doneKeys, (current.byKey ??= unitsByKey(plan))) : null;
      return { plan, pending, counted, next, generation: current.generation };
    },
    countPending(completed) {
      const doneKeys = doneSet(completed);
      let pending = 0;
      for (const u of planNow().counted) if (!u.done && !doneKeys.has(u.key)) pending++;
      return pending;
    },
    ticked() {
      const current = parsedNow();
      return (current.ticked ??= new Set(current.tree.parsed.tasks.filter((t) => t.ticked).map((t) => t.key)));
    },
    ancestorsOf: (key) => ancestorsIn(parsedNow().tree, key),
    parentsToTick: (key) => parentsToTickIn(parsedNow().tree, options, key),
    noteMarksWritten(before, after, changes, stamp) {
      if (!cache || !cache.bytes.equals(before) || cache.bytes.equals(after)) return;
      // Each change must name, in this reading, the task writeMarks located (by key with the same title): else
      // the keys came from another reading of the file, and only a parse of `after` knows what changed.
      if (!changes.every((c) => locate(cache!, c))) {
        cache.stamp = null;
        return;
      }
      noteMarks(cache, changes);
      cache.bytes = Buffer.from(after);
      cache.lineStarts = null;
      cache.stamp = stamp;
    },
    writeKnownMarks(changes) {
      const current = cache;
      if (!current?.stamp) return null;
      const tasks = changes.map((c) => locate(current, c));
      if (tasks.some((t) => t === null)) return null;
      let written: ReturnType<typeof writeMarksInPlace>;
      try {
        written = writeMarksInPlace(tasksFile, current, changes, tasks as Task[]);
      } catch (error) {
        cache = null; // some bytes may be in the file, and not others: the next read parses it
        throw error;
      }
      if (written) noteMarks(current, written.changes);
      return written?.result ?? null;
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
