// The parallel run's decisions as pure functions of its context (machines/parallel.ts applies them): what to
// start or merge next, and what each child's end means for the unit, the schedule and the run. No effects here.
import { applyParallelEvent, nextMoves } from "../src/schedule/parallel-run.ts";
import type { ParallelState } from "../src/schedule/parallel-run.ts";
import type { AttemptOutcome, FinalState, HaltReason, UnitRef } from "./types.ts";
import type { UnitMachineInput, UnitOutput } from "./unit-types.ts";
import type { MergeOutput, ParallelContext, ParallelRunInput, ParallelRunOutput, PrepareOutput } from "./parallel-types.ts";

/** A child to start: the preparer (worktree), the unit machine, or the merger of one unit. */
export type Spawn = { kind: "prepare" | "unit" | "merge"; key: string };

/** What one event changes: the context fields, children to start, delayed retries (ms) to schedule. */
export interface Step {
  patch: Partial<ParallelContext>;
  spawn: Spawn[];
  retry: { key: string; delayMs: number }[];
}

const none = (patch: Partial<ParallelContext> = {}): Step => ({ patch, spawn: [], retry: [] });

/** The child id of a spawn (and the prefix of its done event). */
export const childId = (spawn: Spawn): string => `${spawn.kind}:${spawn.key}`;

/** The spawn a child id names, or null for an id this machine did not make. */
export function spawnOf(id: string): Spawn | null {
  const match = /^(prepare|unit|merge):(.+)$/.exec(id);
  return match ? { kind: match[1] as Spawn["kind"], key: match[2]! } : null;
}

/** True once nothing new may start: a stop, a halt to come, or an actor's failure. */
export const closed = (c: ParallelContext): boolean => c.stopRequested || c.halt !== null || c.error !== null;

const isFree = (status: string) => status === "completed" || status === "skipped";

/** Halt once the units in flight are done (the first reason given wins). */
function halting(c: ParallelContext, reason: HaltReason, detail: string, unit: UnitRef | null): Partial<ParallelContext> {
  return c.halt ? {} : { halt: { reason, detail, unit } };
}

/**
 * The scheduler's state after `finished` (ok: queued for merging, or completed at once for a unit that ran in the
 * main checkout; else blocked by its decision).
 */
function finished(c: ParallelContext, key: string, ok: boolean): ParallelState {
  const next = applyParallelEvent(c.units, c.state, { type: "finished", unit: key, ok });
  if (ok && c.inPlace[key]) next.status[key] = "completed";
  return next;
}

/**
 * The scheduler's state at the start: a unit resumed after a person's fix must run alone, for the preparer runs it
 * in the main checkout (src/actors/provide.ts prepareUnit), where no other unit may run or merge beside it.
 */
export function startState(input: ParallelRunInput): ParallelState {
  const alone = { ...input.start.alone };
  for (const [key, at] of Object.entries(input.resume)) if (at?.humanFix) alone[key] = true;
  return { ...input.start, alone };
}

/** Count one dispatch of unit `key`: its attempt number and the run's iteration. */
function counted(c: ParallelContext, key: string, by: 1 | -1): Partial<ParallelContext> {
  return { attempts: { ...c.attempts, [key]: Math.max(0, (c.attempts[key] ?? 0) + by) }, iteration: c.iteration + by };
}

/**
 * The moves that may be made now: units to start (each opens its worktree first; counted as a dispatch now, so
 * the iteration limit holds with several in flight) and the unit to merge (one at a time, task-ID order). A halt
 * to come starts nothing new, but the units that finished still merge: they are in flight until merged.
 */
export function advance(c: ParallelContext): Step {
  if (c.stopRequested || c.error !== null) return none();
  const moves = nextMoves(c.units, c.state, c.parallel);
  let ctx = c;
  const spawn: Spawn[] = [];
  const resumed = (key: string) => c.resume[key] != null;
  const start = c.halt ? [] : moves.start.filter((key) => c.refs[key]);
  const room = Math.max(0, c.maxIterations - c.iteration);
  const fresh = start.filter((key) => !resumed(key)).slice(0, room);
  const starting = start.filter((key) => resumed(key) || fresh.includes(key));
  if (starting.length) {
    ctx = { ...ctx, state: applyParallelEvent(c.units, ctx.state, { type: "started", units: starting }) };
    for (const key of starting) {
      if (!resumed(key)) ctx = { ...ctx, ...counted(ctx, key, 1) };
      spawn.push({ kind: "prepare", key });
    }
  }
  // The merge is chosen after the starts: a unit with a lower task ID that starts now holds the queue (a run
  // resumed with units 2 and 3 queued and unit 1 to run again merged 2 first).
  const merge = starting.length ? nextMoves(c.units, ctx.state, c.parallel).merge : moves.merge;
  const mergeLive = c.live.some((id) => id.startsWith("merge:"));
  if (merge && !mergeLive) {
    ctx = { ...ctx, state: applyParallelEvent(c.units, ctx.state, { type: "merge-started", unit: merge }) };
    spawn.push({ kind: "merge", key: merge });
  }
  return { patch: { state: ctx.state, attempts: ctx.attempts, iteration: ctx.iteration }, spawn, retry: [] };
}

/**
 * The statuses with every unit that is `running` but has nothing alive or about to start for it (its unit machine
 * ended without finishing it: a stop, a halt, a budget, a dropped retry) back to `pending`, its worktree kept. Left
 * `running`, it would count in flight and hold the merge queue for every finished unit with a higher task ID.
 * `step`: the step just applied (its children to start and retries to schedule are not in the context yet).
 */
export function idleToPending(c: ParallelContext, step: Step | null): ParallelState {
  const busy = new Set([...c.retrying, ...(step?.retry ?? []).map((r) => r.key)]);
  for (const spawn of [...c.live.map(spawnOf), ...(step?.spawn ?? [])]) if (spawn && spawn.kind !== "merge") busy.add(spawn.key);
  const idle = Object.keys(c.state.status).filter((key) => c.state.status[key] === "running" && !busy.has(key));
  if (idle.length === 0) return c.state;
  const status = { ...c.state.status };
  for (const key of idle) status[key] = "pending";
  return { ...c.state, status };
}

/** The worktree is ready: the unit machine starts; a failed set-up blocks the unit; a spent budget halts the run. */
export function afterPrepare(c: ParallelContext, key: string, out: PrepareOutput): Step {
  const unit = c.refs[key] ?? null;
  if (out.kind === "ready") return { patch: { inPlace: { ...c.inPlace, [key]: out.inPlace } }, spawn: closed(c) ? [] : [{ kind: "unit", key }], retry: [] };
  const back = c.resume[key] != null ? {} : counted(c, key, -1);
  if (out.kind === "over-budget") return none({ ...back, ...halting(c, "budget", out.reached, unit) });
  if (out.kind === "stopped") return none({ ...back, state: { ...c.state, status: { ...c.state.status, [key]: "pending" } } });
  const patch = { ...back, state: finished(c, key, false) };
  return none(c.haltOnDecision ? { ...patch, ...halting(c, "decision", `unit ${unit?.id ?? key} needs a human decision: ${out.reason}`, unit) } : patch);
}

/** The wait for a rate-limited attempt, ms: its reset time when ahead, else backoff doubling per hit in a row. */
export function rateLimitWait(c: ParallelContext, key: string, outcome: Extract<AttemptOutcome, { kind: "rate-limited" }>, now: number): number {
  if (outcome.resetAt !== null && outcome.resetAt > now) return Math.max(1_000, outcome.resetAt - now);
  const hits = c.lanes[key]?.rateLimitHits ?? 0;
  return c.rateLimitBackoffMs * 2 ** Math.min(hits, 20);
}

/** A recorded attempt with no review loop after it: go on, retry, wait out a limit, or halt. */
function afterAttempt(c: ParallelContext, key: string, out: Extract<UnitOutput, { kind: "attempt" }>): Step {
  const unit = c.refs[key] ?? null;
  const id = unit?.id ?? key;
  const o = out.outcome;
  const base = { lastOutcome: o, resume: { ...c.resume, [key]: null } };
  switch (o.kind) {
    case "done":
      // With --review a TASK_DONE ends the machine here only when a stop came first: it resumes in review.
      return none(c.lane.review ? base : { ...base, state: finished(c, key, true) });
    case "halt":
      return none({ ...base, state: finished(c, key, false), ...(c.haltOnDecision || !out.record.decision ? halting(c, "agent-halt", `the agent asked for a human on unit ${id}`, unit) : {}) });
    case "over-budget":
      return none({ ...base, ...halting(c, "budget", o.reached, unit) });
    case "interrupted":
      return none(base);
    case "rate-limited": {
      const lane = c.lanes[key] ?? { rateLimitHits: 0, waitedMs: 0 };
      const wait = rateLimitWait(c, key, o, out.record.now);
      const given = { ...base, ...counted(c, key, -1) };
      if (lane.waitedMs + wait > c.maxWaitMs) {
        return none({ ...given, ...halting(c, "rate-limit", `unit ${id} is rate-limited beyond --max-wait (${Math.round(c.maxWaitMs / 1000)} s): waited ${Math.round(lane.waitedMs / 1000)} s`, unit) });
      }
      return { patch: { ...given, lanes: { ...c.lanes, [key]: { rateLimitHits: lane.rateLimitHits + 1, waitedMs: lane.waitedMs + wait } } }, spawn: [], retry: [{ key, delayMs: wait }] };
    }
    case "failed":
    case "timeout": {
      if (c.stopRequested) return none(base);
      if ((c.attempts[key] ?? 0) < c.maxAttempts) return { patch: base, spawn: [], retry: [{ key, delayMs: c.delayMs }] };
      const patch = { ...base, state: finished(c, key, false) };
      // With --review used-up attempts are a decision (orchestrate goes on); otherwise the run halts.
      return none(c.haltOnDecision || !out.record.decision ? { ...patch, ...halting(c, "attempts-exhausted", `unit ${id} used up its ${c.maxAttempts} attempts`, unit) } : patch);
    }
  }
}

/** A unit machine ended: its attempt, its review loop's end, or an internal failure. */
export function afterUnit(c: ParallelContext, key: string, out: UnitOutput): Step {
  const unit = c.refs[key] ?? null;
  const lanes = { ...c.lanes, [key]: { rateLimitHits: 0, waitedMs: 0 } };
  switch (out.kind) {
    case "failed":
      return none({ error: out.error });
    case "detached":
    case "stopped":
      return none();
    case "attempt": {
      const step = afterAttempt(c, key, out);
      return out.outcome.kind === "rate-limited" ? step : { ...step, patch: { lanes, ...step.patch } };
    }
    case "completed":
      return none({ lanes, state: finished(c, key, true), resume: { ...c.resume, [key]: null } });
    case "blocked": {
      const patch = { lanes, state: finished(c, key, false), resume: { ...c.resume, [key]: null } };
      if (out.block === "budget") return none({ ...patch, ...halting(c, "budget", out.reason, unit) });
      return none(c.haltOnDecision ? { ...patch, ...halting(c, "decision", `unit ${unit?.id ?? key} needs a human decision (seqorch decisions)`, unit) } : patch);
    }
  }
}

/** A merge turn ended: completed, back to pending to run alone on the new HEAD, blocked by a decision, or stopped. */
export function afterMerge(c: ParallelContext, key: string, out: MergeOutput): Step {
  const unit = c.refs[key] ?? null;
  const status = { ...c.state.status };
  const state: ParallelState = { ...c.state, status, alone: { ...c.state.alone }, sentBack: { ...c.state.sentBack }, decisions: { ...c.state.decisions } };
  if (out.kind === "merged") status[key] = "completed";
  else if (out.kind === "stopped") status[key] = "queued";
  else if (out.kind === "run-alone") {
    status[key] = "pending";
    state.alone[key] = true;
    state.sentBack[key] = (state.sentBack[key] ?? 0) + 1;
  } else {
    status[key] = "blocked";
    state.decisions[key] = "merge_conflict";
  }
  const halt = out.kind === "decision" && c.haltOnDecision ? halting(c, "decision", `unit ${unit?.id ?? key} needs a human decision: ${out.reason}`, unit) : {};
  return none({ state, ...halt });
}

/**
 * A delayed retry is due: the unit machine starts again (a new attempt) unless the run is closing or out of
 * iterations. Then the unit goes back to `pending` (its worktree kept): left `running` with nothing alive, it would
 * hold its place in flight, and every finished unit with a higher task ID would wait in the merge queue for good.
 */
export function afterRetry(c: ParallelContext, key: string): Step {
  const retrying = c.retrying.filter((k) => k !== key);
  if (closed(c) || c.iteration >= c.maxIterations) return none({ retrying, state: { ...c.state, status: { ...c.state.status, [key]: "pending" } } });
  return { patch: { retrying, ...counted(c, key, 1) }, spawn: [{ kind: "unit", key }], retry: [] };
}

/** The unit machine's input for unit `key`'s next start: its attempt (already counted) or its resumed loop. */
export function laneInput(c: ParallelContext, key: string): UnitMachineInput {
  const resume = c.resume[key] ?? null;
  return {
    unit: c.refs[key]!,
    assignment: c.assignments[key]!,
    startAt: resume?.startAt ?? "implement",
    attempt: c.attempts[key] ?? 0,
    iteration: c.iteration,
    round: resume?.round ?? 0,
    roundBase: resume?.roundBase ?? 0,
    maxFixRounds: resume?.humanFix ? 0 : c.lane.maxFixRounds,
    review: c.lane.review,
    verify: c.lane.verify,
    verifyTimeoutMs: c.lane.verifyTimeoutMs,
    commit: c.lane.commit,
    taskTimeoutMs: c.lane.taskTimeoutMs,
    rateLimitBackoffMs: c.lane.rateLimitBackoffMs,
    // A stop ends every unit's agent: adopting N detached agents at once is not supported.
    detachOnStop: false,
  };
}

/** True when nothing is alive, nothing waits for a retry, and (after advance) nothing could start: the run ends. */
export const drained = (c: ParallelContext): boolean => c.live.length === 0 && c.retrying.length === 0;

/** How the parallel run ended, from its context once drained. */
export function outputOf(c: ParallelContext): ParallelRunOutput {
  const statuses = Object.values(c.state.status);
  const pending = statuses.filter((s) => !isFree(s)).length;
  const end = (final: FinalState, haltReason: HaltReason | null = null, haltDetail: string | null = null, unit: UnitRef | null = null): ParallelRunOutput => ({
    final,
    haltReason,
    haltDetail,
    unit,
    iteration: c.iteration,
    attempts: c.attempts,
    pending,
    error: c.error,
  });
  if (c.error !== null) return end("failed", "error", c.error instanceof Error ? c.error.message : String(c.error));
  if (c.halt) return end("halted", c.halt.reason, c.halt.detail, c.halt.unit);
  if (c.stopRequested) return end("stopped");
  if (pending === 0) return end("complete");
  if (c.iteration >= c.maxIterations) return end("limitReached");
  const blocked = Object.entries(c.state.status).filter(([, s]) => s === "blocked").map(([k]) => c.refs[k]?.id ?? k);
  if (blocked.length) {
    const reason = `waiting for ${blocked.length} decision${blocked.length === 1 ? "" : "s"} (unit${blocked.length === 1 ? "" : "s"} ${blocked.join(", ")}); nothing else can run`;
    return c.haltOnDecision ? end("halted", "decision", reason) : end("waitingForDecisions", "decision", reason);
  }
  const stuck = Object.entries(c.state.status).filter(([, s]) => s === "pending").map(([k]) => c.refs[k]?.id ?? k);
  return end("halted", "blocked", `no unit can run: ${stuck.slice(0, 3).join(", ")} wait${stuck.length === 1 ? "s" : ""} for units that are not done`);
}
