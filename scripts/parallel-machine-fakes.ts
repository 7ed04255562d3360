// The edge of the parallel-machine simulation (scripts/parallel-machine-sim.ts): random knobs per plan, a queue of
// fake results due at simulated times, and one fake per actor the parallel machine and its unit machines name
// (preparer, merger, dispatcher, session, ender, recorder, verifier, committer, reviewer, consolidator, fixer,
// budget). Everything random comes from one seeded generator, so a plan's seed replays its whole run.
import { fromPromise, type SimulatedClock } from "xstate";
import type { MergeInput, MergeOutput, PrepareInput, PrepareOutput } from "../machines/parallel.ts";
import type { AttemptInput, AttemptOutcome, CommitInput, CommitOutput, Dispatched, EnderInput, RecordInput, RecordOutput, SessionInput, UnitRef, VerifyInput, VerifyOutput } from "../machines/types.ts";
import type { BudgetOutput, ConcludeInput, ConsolidateInput, FixInput, FixOutput, ReviewInput, ReviewResults, RoundOutput } from "../machines/unit.ts";
import { filesOutsideManifest } from "../src/schedule/manifest.ts";
import type { SimUnit } from "./parallel-model.ts";

/** What one simulated run is like; rates are chances per call, times simulated ms. */
export interface Knobs {
  parallel: number;
  review: boolean;
  haltOnDecision: boolean;
  verify: boolean;
  commit: boolean;
  /** --lenient-writes: files outside the manifest only warn at the merge. */
  lenient: boolean;
  maxAttempts: number;
  maxFixRounds: number;
  maxIterations: number;
  maxWaitMs: number;
  delayMs: number;
  rateLimitBackoffMs: number;
  taskTimeoutMs: number;
  verifyTimeoutMs: number;
  maxAgentMs: number;
  maxMergeMs: number;
  failRate: number;
  haltRate: number;
  rateLimitRate: number;
  timeoutRate: number;
  verifyFailRate: number;
  fixRate: number;
  stalemateRate: number;
  askRate: number;
  editRate: number;
  conflictRate: number;
  gateFailRate: number;
  setupFailRate: number;
  budgetRate: number;
  /** Internal failures (a recorder that throws): the run ends in failed. */
  crashRate: number;
  /** Simulated ms at which a STOP is sent, or null. */
  stopAt: number | null;
}

/** Random knobs for one plan at `--parallel N`: review on and off, halts on decisions or not, a few plans with rare events. */
export function randomKnobs(parallel: number, units: number, random: () => number): Knobs {
  const rare = (p: number, rate: number) => (random() < p ? rate : 0);
  return {
    parallel,
    review: random() < 0.5,
    haltOnDecision: random() < 0.5,
    verify: random() < 0.6,
    commit: random() < 0.6,
    lenient: random() < 0.3,
    maxAttempts: 1 + Math.floor(random() * 3),
    maxFixRounds: 1 + Math.floor(random() * 3),
    maxIterations: random() < 0.1 ? 1 + Math.floor(random() * units) : 1000,
    maxWaitMs: random() < 0.2 ? 200 + Math.floor(random() * 800) : 60_000,
    delayMs: Math.floor(random() * 30),
    rateLimitBackoffMs: 10 + Math.floor(random() * 40),
    taskTimeoutMs: 400,
    verifyTimeoutMs: 300,
    maxAgentMs: 100,
    maxMergeMs: 3 + Math.floor(random() * 10),
    failRate: random() * 0.25,
    haltRate: rare(0.3, 0.03),
    rateLimitRate: rare(0.5, random() * 0.15),
    timeoutRate: rare(0.3, 0.05),
    verifyFailRate: random() * 0.15,
    fixRate: random() * 0.5,
    stalemateRate: rare(0.3, 0.2),
    askRate: rare(0.3, 0.04),
    editRate: rare(0.3, 0.04),
    conflictRate: 0.5,
    gateFailRate: random() < 0.15 ? 0.5 : random() * 0.1,
    setupFailRate: rare(0.3, 0.05),
    budgetRate: rare(0.05, 0.01),
    crashRate: rare(0.02, 0.01),
    stopAt: random() < 0.05 ? Math.floor(random() * 1500) : null,
  };
}

/** The best case for parallel runs: the same knobs with nothing going wrong (fix rounds stay: they are work). */
export function calmKnobs(k: Knobs): Knobs {
  const zero = { failRate: 0, haltRate: 0, rateLimitRate: 0, timeoutRate: 0, verifyFailRate: 0, stalemateRate: 0, askRate: 0, editRate: 0 };
  return { ...k, ...zero, conflictRate: 0, gateFailRate: 0, setupFailRate: 0, budgetRate: 0, crashRate: 0, stopAt: null, maxIterations: 1000 };
}

/** One fake result due at a simulated time; `cancelled` when its actor was stopped first. */
export interface Due {
  due: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** What the fakes share in one run: the clock, the queue, the plan's truth and what the edge saw happen. */
export interface Edge {
  clock: SimulatedClock;
  random: () => number;
  knobs: Knobs;
  queue: Due[];
  seq: number;
  byKey: Map<string, SimUnit>;
  /** Real files of each merge, in order (what a later merge may conflict with). */
  mergeLog: string[][];
  /** Merges done when each unit's worktree was opened (its base commit). */
  base: Map<string, number>;
  /** Units whose preparer put them in the main checkout (no manifest, or a person's fix): no worktree, no merge. */
  inPlace: Set<string>;
  /** Units resumed after a person's fix (they run in place, as src/actors/provide.ts prepareUnit decides). */
  humanFix: Set<string>;
  /** Times the merger sent each unit back to run alone, and merged it. */
  sentBack: Map<string, number>;
  merged: Map<string, number>;
  /** Dispatches seen by the dispatcher in this run, and those whose attempt was rate-limited (given back). */
  dispatches: number;
  rateLimited: number;
  /** How often each kind of event happened (what the plans exercised): `rate-limit`, `run-alone`, `setup-failed`… */
  seen: Record<string, number>;
  /** A STOP was sent in this run (a merge under way may then be undone). */
  stopping: boolean;
  /** Called by every fake when it starts (the checks read the parallel machine's state then). */
  onCall: (actor: string, key: string, detail?: number) => void;
  log: (line: string) => void;
}

/** Schedules `value` (or a thrown error) `ms` from now; drops it when the actor is stopped first. */
function later<T>(edge: Edge, ms: number, value: () => T | Error, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: Due = {
      due: edge.clock.now() + Math.max(0, Math.round(ms)),
      seq: edge.seq++,
      cancelled: false,
      run: () => {
        const out = value();
        if (out instanceof Error) reject(out);
        else resolve(out);
      },
    };
    signal.addEventListener("abort", () => (entry.cancelled = true), { once: true });
    edge.queue.push(entry);
  });
}

const see = (e: Edge, what: string) => (e.seen[what] = (e.seen[what] ?? 0) + 1);
const agentMs = (e: Edge) => 1 + Math.floor(e.random() * e.knobs.maxAgentMs);

/** The implementing agent's outcome, drawn when its session starts. */
function drawOutcome(e: Edge, input: SessionInput, duration: number): AttemptOutcome {
  const k = e.knobs;
  if (input.stopRequested) return { kind: "interrupted", reason: "stopped by the user" };
  let r = e.random();
  if ((r -= k.haltRate) < 0) return { kind: "halt", message: "HALT", exitCode: 0 };
  if ((r -= k.rateLimitRate) < 0) {
    const resetAt = e.random() < 0.5 ? null : e.clock.now() + duration + Math.floor(e.random() * 2000);
    return { kind: "rate-limited", reason: "429", message: "", resetAt };
  }
  if ((r -= k.failRate) < 0) return { kind: "failed", reason: "no TASK_DONE", message: "", exitCode: 1 };
  if ((r -= k.budgetRate) < 0) return { kind: "over-budget", reason: "tokens", message: "", reached: "--max-unit-tokens 1000" };
  return { kind: "done", message: "TASK_DONE", exitCode: 0 };
}

/** The consolidated verdict of one review round. */
function drawRound(e: Edge): RoundOutput {
  const k = e.knobs;
  const base = { blocking: [] as string[], stalemate: [] as string[], edited: false, summary: "round" };
  let r = e.random();
  if ((r -= k.askRate) < 0) return { ...base, kind: "needs_human" };
  if ((r -= k.editRate) < 0) return { ...base, kind: "review_failed", edited: true };
  if ((r -= k.fixRate) < 0) return { ...base, kind: "fix", blocking: ["F1"], stalemate: e.random() < k.stalemateRate ? ["F1"] : [] };
  return { ...base, kind: "pass" };
}

/** The fix agent's result. */
function drawFix(e: Edge): FixOutput {
  const k = e.knobs;
  let r = e.random();
  const outcome: AttemptOutcome =
    (r -= k.haltRate) < 0
      ? { kind: "halt", message: "HALT", exitCode: 0 }
      : (r -= k.rateLimitRate) < 0
        ? { kind: "rate-limited", reason: "429", message: "", resetAt: null }
        : (r -= k.failRate) < 0
          ? { kind: "failed", reason: "no TASK_DONE", message: "", exitCode: 1 }
          : { kind: "done", message: "TASK_DONE", exitCode: 0 };
  return { outcome, changed: e.random() > 0.05, outLog: "" };
}

/** One merge turn: undone by a stop (half the time once one came), scope violation, conflict with what merged since the unit's base, a failed gate, or merged. */
function drawMerge(e: Edge, unit: UnitRef): MergeOutput {
  const truth = e.byKey.get(unit.key)!;
  const k = e.knobs;
  if (e.stopping && e.random() < 0.5) {
    see(e, "merge-stopped");
    return { kind: "stopped" };
  }
  if (!k.lenient && filesOutsideManifest(truth.manifest, truth.actual).length > 0) {
    see(e, "scope-violation");
    return { kind: "decision", reason: "scope-violation" };
  }
  const since = e.mergeLog.slice(e.base.get(unit.key) ?? 0).flat();
  const touches = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  const conflict = truth.actual.some((f) => since.some((g) => touches(f, g))) && e.random() < k.conflictRate;
  if (conflict || e.random() < k.gateFailRate) {
    const sent = e.sentBack.get(unit.key) ?? 0;
    see(e, conflict ? "conflict" : "gate-failed");
    if (sent >= 1) {
      see(e, "merge-decision");
      return { kind: "decision", reason: "merge-conflict" };
    }
    see(e, "run-alone");
    e.sentBack.set(unit.key, sent + 1);
    return { kind: "run-alone", reason: conflict ? "conflict" : "gate failed on the integrated tree" };
  }
  e.merged.set(unit.key, (e.merged.get(unit.key) ?? 0) + 1);
  e.mergeLog.push(truth.actual);
  return { kind: "merged" };
}

/** The parallel machine's own fakes: the worktree preparer and the merger. */
export function parallelFakes(e: Edge) {
  return {
    preparer: fromPromise<PrepareOutput, PrepareInput>(({ input, signal }) => {
      const key = input.unit.key;
      e.onCall("preparer", key);
      e.base.set(key, e.mergeLog.length);
      const m = e.byKey.get(key)!.manifest;
      const inPlace = (m.writes.length === 0 && m.reads.length === 0) || e.humanFix.has(key);
      const r = e.random();
      const out: PrepareOutput =
        r < e.knobs.budgetRate ? { kind: "over-budget", reached: "--max-cost $1" } : !inPlace && r < e.knobs.budgetRate + e.knobs.setupFailRate ? { kind: "blocked", reason: "--worktree-setup failed" } : { kind: "ready", inPlace };
      if (inPlace) e.inPlace.add(key);
      else e.inPlace.delete(key);
      if (e.random() < e.knobs.crashRate) {
        see(e, "crash");
        return later<PrepareOutput>(e, 1, () => new Error("git worktree add failed"), signal);
      }
      if (out.kind !== "ready") see(e, out.kind === "blocked" ? "setup-failed" : "over-budget");
      return later(e, 1 + Math.floor(e.random() * 5), () => out, signal);
    }),
    merger: fromPromise<MergeOutput, MergeInput>(({ input, signal }) => {
      e.onCall("merger", input.unit.key);
      const duration = 1 + Math.floor(e.random() * e.knobs.maxMergeMs);
      return later(e, duration, () => drawMerge(e, input.unit), signal);
    }),
  };
}

/** The unit machine's fakes. */
export function unitFakes(e: Edge) {
  const k = e.knobs;
  const crash = () => e.random() < k.crashRate;
  return {
    dispatcher: fromPromise<Dispatched, AttemptInput>(({ input, signal }) => {
      e.onCall("dispatcher", input.unit.key, input.attempt);
      e.dispatches++;
      const fails = e.random() < k.failRate / 10;
      return later(e, 1, () => (fails ? new Error("spawn failed") : { attempt: input.attempt, outLog: "", handle: input.unit.key }), signal);
    }),
    session: fromPromise<AttemptOutcome, SessionInput>(({ input, signal }) => {
      e.onCall("session", input.unit.key);
      const duration = e.random() < k.timeoutRate ? k.taskTimeoutMs * 3 : agentMs(e);
      const outcome = drawOutcome(e, input, duration);
      if (duration > k.taskTimeoutMs) see(e, "timeout");
      return later(e, duration, () => {
        see(e, `session-${outcome.kind}`);
        if (outcome.kind === "rate-limited") e.rateLimited++;
        return outcome;
      }, signal);
    }),
    ender: fromPromise<void, EnderInput>(({ input, signal }) => {
      e.onCall("ender", String(input.dispatched.handle));
      return later(e, 1, () => undefined, signal);
    }),
    recorder: fromPromise<RecordOutput, RecordInput>(({ input, signal }) => {
      e.onCall("recorder", input.unit.key);
      const o = input.outcome.kind;
      const usedUp = (o === "failed" || o === "timeout") && input.attempt >= k.maxAttempts;
      const decision = k.review && (o === "halt" || usedUp);
      const out = crash() ? new Error("state file write failed") : null;
      if (out) see(e, "crash");
      return later(e, 1, () => out ?? { pending: 0, decision, now: e.clock.now() }, signal);
    }),
    concluder: fromPromise<RecordOutput, ConcludeInput>(({ input, signal }) => {
      e.onCall("concluder", input.unit.key);
      see(e, `concluded-${input.output.kind}`);
      const out = crash() ? new Error("state file write failed") : null;
      if (out) see(e, "crash");
      return later(e, 1, () => out ?? { pending: 0, decision: input.output.kind === "blocked", now: e.clock.now() }, signal);
    }),
    verifier: fromPromise<VerifyOutput, VerifyInput>(({ input, signal }) => {
      e.onCall("verifier", input.unit.key);
      const duration = e.random() < k.timeoutRate ? k.verifyTimeoutMs * 2 : 1 + Math.floor(e.random() * 20);
      const passed = e.random() >= k.verifyFailRate;
      return later(e, duration, () => ({ passed, reason: passed ? null : "npm test failed" }), signal);
    }),
    committer: fromPromise<CommitOutput, CommitInput>(({ input, signal }) => {
      e.onCall("committer", input.unit.key);
      const fails = e.random() < k.failRate / 10;
      return later(e, 1, () => (fails ? new Error("git commit failed") : { sha: "c0ffee", files: 1 }), signal);
    }),
    reviewer: fromPromise<ReviewResults, ReviewInput>(({ input, signal }) => {
      e.onCall("reviewer", input.unit.key);
      return later(e, 1 + Math.floor(e.random() * (k.maxAgentMs / 2)), () => [], signal);
    }),
    consolidator: fromPromise<RoundOutput, ConsolidateInput>(({ input, signal }) => {
      e.onCall("consolidator", input.unit.key);
      const round = drawRound(e);
      see(e, `round-${round.kind}${round.edited ? "-edited" : ""}${round.stalemate.length ? "-stalemate" : ""}`);
      return later(e, 1, () => round, signal);
    }),
    fixer: fromPromise<FixOutput, FixInput>(({ input, signal }) => {
      e.onCall("fixer", input.unit.key);
      const duration = e.random() < k.timeoutRate ? k.taskTimeoutMs * 3 : agentMs(e);
      const fix = drawFix(e);
      see(e, `fix-${fix.outcome.kind}`);
      return later(e, duration, () => fix, signal);
    }),
    budget: fromPromise<BudgetOutput, { unit: UnitRef }>(({ input, signal }) => {
      e.onCall("budget", input.unit.key);
      const reached = e.random() < k.budgetRate ? "--max-cost $1" : null;
      if (reached) see(e, "budget-reached");
      return later(e, 0, () => ({ reached }), signal);
    }),
  };
}
