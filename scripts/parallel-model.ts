// A discrete-event model of a parallel run (`--parallel N`): the real scheduler (src/schedule/next-units.ts) and merge
// policy (src/schedule/merge-policy.ts) driven by a simulated clock over random plans, with the invariants
// checked at every step. Used by scripts/simulate-parallel.ts (figures) and test/schedule/simulation.test.ts.
import { filesOutsideManifest, type Manifest, pathsOverlap, writesOverlap } from "../src/schedule/manifest.ts";
import type { MergeStepResult } from "../src/schedule/merge-policy.ts";
import {
  blockedByDependencies,
  dependenciesMet,
  IN_FLIGHT,
  nextMerge,
  nextUnits,
  runsAlone,
  type ScheduleUnit,
  type UnitStatus,
} from "../src/schedule/next-units.ts";
import {
  applyParallelEvent,
  initialParallelState,
  type ParallelEvent,
  ParallelEventError,
  schedulerInput,
} from "../src/schedule/parallel-run.ts";
import { compareTaskIds } from "../src/schedule/task-order.ts";

/** The seeded generator (mulberry32) plans and runs are drawn from: the same seed gives the same plan and run. */
export { rng } from "./seeded-random.ts";

/** A unit of a random plan: what the scheduler sees, plus what the simulated agent really does. */
export interface SimUnit extends ScheduleUnit {
  /** Files the agent really edits (inside its manifest, or not when the manifest lies). */
  actual: string[];
}

/** Knobs of one simulated run; times are in simulated ms. */
export interface SimOptions {
  parallel: number;
  /** `--lenient-writes`: files outside the manifest only warn, so lying manifests reach the merge as conflicts. */
  lenient: boolean;
  /** Chance that one attempt fails (3 attempts, then the unit is blocked). */
  failRate: number;
  /** Chance that a review round asks for a fix (3 fix rounds, then the unit is blocked). */
  fixRate: number;
  /** Chance that an overlap of real edits is a textual conflict (same lines). */
  conflictRate: number;
  /** Chance that the gate fails on the integrated tree (a semantic clash). */
  gateFailRate: number;
  maxAgentMs: number;
  maxMergeMs: number;
}

/**
 * A random plan: up to `maxUnits` units with IDs `1`, `2`, `2.1`-style, a random DAG, random manifests (folders
 * that overlap files, reads-only units, missing manifests, manifests that lie). `disjoint`: no dependencies and
 * one file of its own per unit (the best case for parallel runs).
 */
export function randomPlan(random: () => number, maxUnits = 24, profile: "mixed" | "disjoint" = "mixed"): SimUnit[] {
  const folders = ["src", "src/a", "src/b", "test", "docs"];
  const files = ["src/a/x.ts", "src/a/y.ts", "src/b/z.ts", "src/c.ts", "test/t1.ts", "test/t2.ts", "docs/d.md", "README.md", "lib/k.ts", "lib/m.ts"];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const n = 1 + Math.floor(random() * maxUnits);
  const density = random() * 0.3;
  const units: SimUnit[] = [];
  if (profile === "disjoint") {
    for (let i = 0; i < n; i++) units.push({ key: `u${i}`, id: String(i + 1), dependsOn: [], manifest: { writes: [`src/u${i}.ts`], reads: [] }, actual: [`src/u${i}.ts`] });
    return units;
  }
  for (let i = 0; i < n; i++) {
    const id = random() < 0.2 && i > 0 ? `${i}.${1 + Math.floor(random() * 12)}` : String(i + 1);
    const dependsOn = units.filter(() => random() < density).map((u) => u.key);
    const r = random();
    let manifest: Manifest;
    if (r < 0.12) manifest = { writes: [], reads: [] };
    else if (r < 0.22) manifest = { writes: [], reads: [pick(files)] };
    else {
      const writes = new Set<string>();
      const count = 1 + Math.floor(random() * 3);
      for (let k = 0; k < count; k++) writes.add(random() < 0.15 ? pick(folders) : pick(files));
      manifest = { writes: [...writes], reads: random() < 0.3 ? [pick(files)] : [] };
    }
    const within = manifest.writes.length > 0 ? manifest.writes.map((w) => (files.includes(w) ? w : `${w}/new-${i}.ts`)) : [];
    const actual = random() < 0.1 ? [...within, pick(files)] : within.length > 0 ? within : random() < 0.5 ? [pick(files)] : [];
    units.push({ key: `u${i}`, id, dependsOn, manifest, actual: [...new Set(actual)] });
  }
  return dedupeIds(units);
}

/** IDs must be unique in a plan (the parser makes them so with `#2`): later duplicates get `#n`. */
function dedupeIds(units: SimUnit[]): SimUnit[] {
  const seen = new Map<string, number>();
  for (const u of units) {
    const n = (seen.get(u.id) ?? 0) + 1;
    seen.set(u.id, n);
    if (n > 1) u.id = `${u.id}#${n}`;
  }
  return units;
}

/** One thing the model records, in order (the invariants read this trace). */
export type TraceEvent =
  | { t: number; type: "start"; unit: string; alone: boolean }
  | { t: number; type: "finish"; unit: string; ok: boolean; reason?: string }
  | { t: number; type: "merge"; unit: string; result: MergeStepResult; verdict: UnitStatus };

/** What a simulated run produced. */
export interface SimResult {
  trace: TraceEvent[];
  status: Record<string, UnitStatus>;
  makespan: number;
  /** Sum over runs of the time units spent running (agent, gates, reviews, fixes). */
  busy: number;
  /** Most units in flight (worktrees) at once. */
  peakInFlight: number;
  merges: number;
  conflicts: number;
  decisions: number;
  /** Worktrees kept for a human at the end (failed units, conflicts, scope violations). */
  keptWorktrees: number;
  /** Per-unit total running time of its last run, for the greedy comparison. */
  work: Record<string, number>;
}

/** Thrown when an invariant of issue 10 breaks; `trace` shows how it came to that. */
export class InvariantError extends Error {
  constructor(message: string, readonly trace: TraceEvent[]) {
    super(message);
  }
}

/** The two choices the model asks for; the real ones by default, a broken one in the test that the checks bite. */
export interface Scheduler {
  nextUnits: typeof nextUnits;
  nextMerge: typeof nextMerge;
}

export const realScheduler: Scheduler = { nextUnits, nextMerge };

/** How long one run takes and whether it ends queued for merge or blocked (attempts or fix rounds used up). */
function drawRun(random: () => number, o: SimOptions): { duration: number; ok: boolean; reason?: string } {
  let duration = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    duration += 1 + Math.floor(random() * o.maxAgentMs);
    if (random() >= o.failRate) break;
    if (attempts === 3) return { duration, ok: false, reason: "attempts_exhausted" };
  }
  for (let round = 0; random() < o.fixRate; round++) {
    if (round === 3) return { duration, ok: false, reason: "review_exhausted" };
    duration += 1 + Math.floor(random() * o.maxAgentMs);
  }
  return { duration, ok: true };
}

/** Checks the invariants that hold at every step; throws InvariantError. */
function checkStep(units: readonly ScheduleUnit[], status: Record<string, UnitStatus>, o: SimOptions, trace: TraceEvent[]): void {
  const flying = units.filter((u) => IN_FLIGHT.has(status[u.key] ?? "pending"));
  if (flying.length > o.parallel) throw new InvariantError(`${flying.length} units in flight with --parallel ${o.parallel}`, trace);
  if (flying.length > 1 && flying.some(runsAlone)) throw new InvariantError(`a unit that must run alone has company: ${flying.map((u) => u.id)}`, trace);
  if (units.filter((u) => status[u.key] === "merging").length > 1) throw new InvariantError("two merges at once", trace);
  for (let i = 0; i < flying.length; i++) {
    for (let j = i + 1; j < flying.length; j++) {
      const a = flying[i] as ScheduleUnit;
      const b = flying[j] as ScheduleUnit;
      if (writesOverlap(a.manifest, b.manifest)) throw new InvariantError(`units ${a.id} and ${b.id} with overlapping writes in flight`, trace);
    }
  }
}

/**
 * What the merge step of `unit` returns: a scope violation when it wrote outside its manifest (strict mode), a
 * conflict (by chance) when its real edits overlap the edits merged since it started, else a gate failure by chance.
 */
function drawMergeResult(unit: SimUnit, mergedSince: readonly string[], o: SimOptions, random: () => number): MergeStepResult {
  if (!o.lenient && filesOutsideManifest(unit.manifest, unit.actual).length > 0) return "scope-violation";
  if (unit.actual.some((f) => mergedSince.some((g) => pathsOverlap(f, g))) && random() < o.conflictRate) return "conflict";
  return random() < o.gateFailRate ? "gate-failed" : "merged";
}

/** Counts decisions, kept worktrees and sent-back merges as the events settle. */
function count(tally: { conflicts: number; decisions: number; kept: number }, event: ParallelEvent, status: UnitStatus | undefined): void {
  const blocked = (event.type === "finished" && !event.ok) || (event.type === "merge-ended" && status === "blocked");
  if (blocked) {
    tally.decisions++;
    tally.kept++;
  }
  if (event.type === "merge-ended" && (event.result === "conflict" || event.result === "gate-failed")) tally.conflicts++;
}

/**
 * Runs one plan to its end with a simulated clock: each step takes the next due event (a run finishing, a merge
 * finishing), applies it with the run's reducer (src/schedule/parallel-run.ts), then starts what the scheduler
 * allows. Throws InvariantError when any invariant of issue 10 breaks: overlap in flight, more than N in flight, a
 * start before its dependencies completed, merges out of task-ID order, a unit merged twice or lost, a deadlock.
 */
export function simulate(plan: readonly SimUnit[], o: SimOptions, random: () => number, scheduler: Scheduler = realScheduler): SimResult {
  const units = plan.map((u) => ({ ...u }));
  const byKey = new Map(units.map((u) => [u.key, u]));
  let state = initialParallelState(units, new Set());
  const merged = new Map<string, number>();
  const mergeLog: string[][] = []; // real files of each merge, in order
  const baseMerge = new Map<string, number>(); // merges done when each unit started
  const events: { t: number; seq: number; event: ParallelEvent; record: TraceEvent }[] = [];
  const trace: TraceEvent[] = [];
  const work: Record<string, number> = {};
  const tally = { busy: 0, peak: 0, conflicts: 0, decisions: 0, kept: 0 };
  let now = 0;
  let seq = 0;
  const at = (t: number, event: ParallelEvent, record: TraceEvent) => events.push({ t, seq: seq++, event, record });
  const apply = (event: ParallelEvent) => {
    try {
      state = applyParallelEvent(units, state, event);
    } catch (error) {
      if (error instanceof ParallelEventError) throw new InvariantError(error.message, trace);
      throw error;
    }
  };

  const start = (key: string) => {
    const unit = byKey.get(key) as SimUnit;
    const run = drawRun(random, o);
    baseMerge.set(key, mergeLog.length);
    trace.push({ t: now, type: "start", unit: unit.id, alone: state.alone[key] === true });
    tally.busy += run.duration;
    work[key] = run.duration;
    const record: TraceEvent = { t: 0, type: "finish", unit: unit.id, ok: run.ok, ...(run.reason ? { reason: run.reason } : {}) };
    at(now + run.duration, { type: "finished", unit: key, ok: run.ok }, record);
  };

  const mergeTurn = (key: string) => {
    const unit = byKey.get(key) as SimUnit;
    const lower = units.find((u) => IN_FLIGHT.has(state.status[u.key] ?? "pending") && u.key !== key && compareTaskIds(u.id, unit.id) < 0);
    if (lower) throw new InvariantError(`unit ${unit.id} merges while ${lower.id} (lower ID) is in flight`, trace);
    apply({ type: "merge-started", unit: key });
    const result = drawMergeResult(unit, mergeLog.slice(baseMerge.get(key) ?? 0).flat(), o, random);
    at(now + 1 + Math.floor(random() * o.maxMergeMs), { type: "merge-ended", unit: key, result }, { t: 0, type: "merge", unit: unit.id, result, verdict: "pending" });
  };

  const settle = (event: ParallelEvent, record: TraceEvent) => {
    apply(event);
    const key = event.type === "finished" || event.type === "merge-ended" ? event.unit : "";
    const status = state.status[key];
    count(tally, event, status);
    if (event.type === "merge-ended" && status === "completed") {
      merged.set(key, (merged.get(key) ?? 0) + 1);
      mergeLog.push((byKey.get(key) as SimUnit).actual);
    }
    trace.push({ ...record, t: now, ...(record.type === "merge" ? { verdict: status ?? "pending" } : {}) } as TraceEvent);
  };

  const dispatch = () => {
    const input = schedulerInput(units, state, o.parallel);
    const picks = scheduler.nextUnits(input);
    if (picks.length > 0) {
      apply({ type: "started", units: picks });
      for (const key of picks) start(key);
    }
    const next = scheduler.nextMerge(schedulerInput(units, state, o.parallel));
    if (next) mergeTurn(next);
    tally.peak = Math.max(tally.peak, units.filter((u) => IN_FLIGHT.has(state.status[u.key] ?? "pending")).length);
    checkStep(schedulerInput(units, state, o.parallel).units, state.status, o, trace);
  };

  dispatch();
  while (events.length > 0) {
    events.sort((a, b) => a.t - b.t || a.seq - b.seq);
    const next = events.shift() as (typeof events)[number];
    now = next.t;
    settle(next.event, next.record);
    checkStep(schedulerInput(units, state, o.parallel).units, state.status, o, trace);
    dispatch();
  }
  checkEnd(units, state.status, merged, trace);
  return {
    trace,
    status: state.status,
    makespan: now,
    busy: tally.busy,
    peakInFlight: tally.peak,
    merges: merged.size,
    conflicts: tally.conflicts,
    decisions: tally.decisions,
    keptWorktrees: tally.kept,
    work,
  };
}

/** At the end: nothing in flight, every unit completed (merged exactly once) or blocked, directly or by a dependency. */
function checkEnd(units: readonly SimUnit[], status: Record<string, UnitStatus>, merged: Map<string, number>, trace: TraceEvent[]): void {
  const stuck = blockedByDependencies({ units, status, parallel: 1 });
  for (const u of units) {
    const s = status[u.key];
    const times = merged.get(u.key) ?? 0;
    if (s === "completed" && times !== 1) throw new InvariantError(`unit ${u.id} merged ${times} times`, trace);
    if (s !== "completed" && times !== 0) throw new InvariantError(`unit ${u.id} merged but ends ${s}`, trace);
    if (s === "blocked" || s === "completed") continue;
    if (s === "pending" && stuck.has(u.key)) continue;
    throw new InvariantError(`unit ${u.id} lost: ends ${s} with nothing left to run (deadlock)`, trace);
  }
}

/**
 * The best a greedy list schedule allows on the same plan and the same run times: deps, overlap, no-manifest-alone
 * and N kept, but merges instantaneous and in completion order, no drain, no failures. Returns its makespan.
 */
export function greedyMakespan(plan: readonly SimUnit[], work: Record<string, number>, parallel: number): number {
  const units = plan.filter((u) => work[u.key] !== undefined).map((u) => ({ ...u, alone: false }));
  const keep = new Set(units.map((u) => u.key));
  const trimmed = units.map((u) => ({ ...u, dependsOn: u.dependsOn.filter((d) => keep.has(d)) }));
  const status: Record<string, UnitStatus> = Object.fromEntries(trimmed.map((u) => [u.key, "pending" as UnitStatus]));
  const ends: { t: number; key: string }[] = [];
  let now = 0;
  for (;;) {
    const flying = trimmed.filter((u) => status[u.key] === "running");
    const ready = trimmed
      .filter((u) => status[u.key] === "pending" && dependenciesMet(u, status))
      .sort((a, b) => compareTaskIds(a.id, b.id));
    const picked: SimUnit[] = [];
    for (const u of ready) {
      const beside = [...flying, ...picked];
      if (beside.length >= parallel) break;
      if (beside.some(runsAlone) || (runsAlone(u) && beside.length > 0)) continue;
      if (beside.some((b) => writesOverlap(u.manifest, b.manifest))) continue;
      picked.push(u);
    }
    for (const u of picked) {
      status[u.key] = "running";
      ends.push({ t: now + (work[u.key] ?? 0), key: u.key });
    }
    if (ends.length === 0) return now;
    ends.sort((a, b) => a.t - b.t);
    const next = ends.shift() as { t: number; key: string };
    now = next.t;
    status[next.key] = "completed";
  }
}
