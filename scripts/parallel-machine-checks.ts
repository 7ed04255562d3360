// The invariants of issue 10 as the parallel-machine simulation checks them (scripts/parallel-machine-sim.ts): at
// every snapshot of the parallel machine, at every call a fake actor receives, and at the end of the run. They read
// the plan's truth (the real manifests, IDs, dependencies and N), never the machine's copy, so a machine given a
// wrong plan (the mutation tests) is caught. Overlap and the order of task IDs are written out here on their own.
import type { ParallelContext, ParallelRunOutput } from "../machines/parallel.ts";
import type { UnitStatus } from "../src/schedule/next-units.ts";
import { compareTaskIds } from "../src/schedule/task-order.ts";
import type { Edge } from "./parallel-machine-fakes.ts";
import type { SimUnit } from "./parallel-model.ts";

/** Thrown when an invariant breaks; the message names the plan's seed (added by the driver) and the last events. */
export class MachineInvariantError extends Error {}

const FLYING: ReadonlySet<string> = new Set(["running", "queued", "merging"]);
const FREE: ReadonlySet<string> = new Set(["completed", "skipped"]);

/** True when two repository paths touch the same file: equal, one a folder holding the other, or `""` (everything). */
export function touches(a: string, b: string): boolean {
  return a === b || a === "" || b === "" || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** What the checks keep across one run. */
export interface Watch {
  plan: SimUnit[];
  byKey: Map<string, SimUnit>;
  parallel: number;
  maxAttempts: number;
  maxIterations: number;
  haltOnDecision: boolean;
  edge: Edge;
  /** Statuses at the last snapshot. */
  last: Record<string, UnitStatus>;
  /** Simulated ms each unit entered `running`, and its total time running so far. */
  since: Map<string, number>;
  busy: Map<string, number>;
  /** Simulated ms each unit spent finished but waiting in the merge queue (`queued`), summed over units. */
  queuedMs: number;
  queuedSince: Map<string, number>;
  /** Units sent back by the merge queue (seen going from merging to pending): they must run alone from then on. */
  alone: Set<string>;
  snapshots: number;
  checks: number;
  peak: number;
  fail: (message: string) => never;
}

/** A new watch over `plan`, with statuses `start`. */
export function watchOf(plan: SimUnit[], start: Record<string, UnitStatus>, edge: Edge, fail: (message: string) => never): Watch {
  const k = edge.knobs;
  return { plan, byKey: new Map(plan.map((u) => [u.key, u])), parallel: k.parallel, maxAttempts: k.maxAttempts, maxIterations: k.maxIterations, haltOnDecision: k.haltOnDecision, edge, last: { ...start }, since: new Map(), busy: new Map(), queuedMs: 0, queuedSince: new Map(), alone: new Set(), snapshots: 0, checks: 0, peak: 0, fail };
}

const runsAlone = (w: Watch, u: SimUnit) => w.alone.has(u.key) || w.edge.inPlace.has(u.key) || (u.manifest.writes.length === 0 && u.manifest.reads.length === 0);

/** The checks on the units in flight: at most N, a unit that must run alone (no manifest, sent back, in the main checkout) has no company, no overlapping writes, dependencies done. */
function checkFlying(w: Watch, status: Record<string, UnitStatus>): void {
  const flying = w.plan.filter((u) => FLYING.has(status[u.key] ?? "pending"));
  w.peak = Math.max(w.peak, flying.length);
  w.checks += 4;
  if (flying.length > w.parallel) w.fail(`${flying.length} units in flight with --parallel ${w.parallel}: ${flying.map((u) => u.id).join(", ")}`);
  const alone = flying.find((u) => runsAlone(w, u));
  if (alone && flying.length > 1) w.fail(`unit ${alone.id} must run alone but ${flying.map((u) => u.id).join(", ")} are in flight`);
  for (let i = 0; i < flying.length; i++) {
    const a = flying[i]!;
    for (const b of flying.slice(i + 1)) {
      const clash = a.manifest.writes.find((x) => b.manifest.writes.some((y) => touches(x, y)));
      if (clash !== undefined) w.fail(`units ${a.id} and ${b.id} in flight with overlapping writes (${clash})`);
    }
    const dep = a.dependsOn.find((d) => !FREE.has(status[d] ?? "completed"));
    if (dep !== undefined) w.fail(`unit ${a.id} is ${status[a.key]} before its dependency ${w.byKey.get(dep)?.id} completed (${status[dep]})`);
  }
  if (w.plan.filter((u) => status[u.key] === "merging").length > 1) w.fail("two merges at once");
}

/** The checks on each unit's change of status: merges in task-ID order, a merge only from `queued`, ends never undone. */
function checkMoves(w: Watch, status: Record<string, UnitStatus>, now: number): void {
  for (const u of w.plan) {
    const before = w.last[u.key];
    const after = status[u.key];
    if (before === after) continue;
    w.checks += 3;
    if (before === "completed" || before === "skipped" || before === "blocked") w.fail(`unit ${u.id} went from ${before} to ${after}`);
    if (after === "merging") {
      // A unit that finishes may merge in the same step (it is queued and picked at once).
      if (before !== "queued" && before !== "running") w.fail(`unit ${u.id} merges from ${before}`);
      // A lower ID that was in flight before this step and still is (one started in this very step may merge later).
      const lower = w.plan.find((o) => o.key !== u.key && (status[o.key] === "running" || status[o.key] === "queued") && FLYING.has(w.last[o.key] ?? "pending") && compareTaskIds(o.id, u.id) < 0);
      if (lower) w.fail(`unit ${u.id} merges while ${lower.id} (a lower task ID) is ${status[lower.key]}`);
    }
    // A unit in the main checkout completes when its pipeline ends (nothing to merge); every other one by its merge.
    const inPlace = w.edge.inPlace.has(u.key);
    if (after === "completed" && before !== (inPlace ? "running" : "merging")) w.fail(`unit ${u.id}${inPlace ? " (in place)" : ""} completed from ${before}`);
    if (after === "completed" && (w.edge.merged.get(u.key) ?? 0) !== (inPlace ? 0 : 1)) w.fail(`unit ${u.id} completed after ${w.edge.merged.get(u.key) ?? 0} merges`);
    if (before === "merging" && after === "pending") w.alone.add(u.key);
    if (after === "running") w.since.set(u.key, now);
    if (after === "queued") w.queuedSince.set(u.key, now);
    if (before === "queued") w.queuedMs += now - (w.queuedSince.get(u.key) ?? now);
    if (before === "running") w.busy.set(u.key, (w.busy.get(u.key) ?? 0) + now - (w.since.get(u.key) ?? now));
  }
}

/** Every check on one snapshot of the parallel machine's context. */
export function checkSnapshot(w: Watch, c: ParallelContext, now: number): void {
  w.snapshots++;
  const status = c.state.status;
  w.checks += 3;
  for (const u of w.plan) if (status[u.key] === undefined) w.fail(`unit ${u.id} has no status (lost)`);
  if (c.iteration > w.maxIterations) w.fail(`iteration ${c.iteration} above --max-iterations ${w.maxIterations}`);
  for (const u of w.plan) {
    const bound = w.maxAttempts + (w.edge.sentBack.get(u.key) ?? 0);
    if ((c.attempts[u.key] ?? 0) > bound) w.fail(`unit ${u.id} at attempt ${c.attempts[u.key]} (at most ${bound})`);
  }
  for (const id of c.live) {
    const [kind, key] = [id.slice(0, id.indexOf(":")), id.slice(id.indexOf(":") + 1)];
    const want = kind === "merge" ? "merging" : "running";
    w.checks++;
    if (status[key] !== want) w.fail(`child ${id} alive while the unit is ${status[key]}`);
  }
  checkFlying(w, status);
  checkMoves(w, status, now);
  w.last = { ...status };
}

/** The check at each fake's call: a unit's actors run only while it runs, the merger only while it merges, each merged once. */
export function checkCall(w: Watch, c: ParallelContext, actor: string, key: string, attempt?: number): void {
  const status = c.state.status[key];
  w.checks++;
  if (actor === "merger") {
    if (status !== "merging") w.fail(`the merger started for unit ${key}, which is ${status}`);
    if ((w.edge.merged.get(key) ?? 0) > 0) w.fail(`unit ${key} goes to the merger again after it merged`);
    if (w.edge.inPlace.has(key)) w.fail(`unit ${key} ran in the main checkout, yet goes to the merger`);
  } else if (status !== "running") w.fail(`${actor} started for unit ${key}, which is ${status}`);
  if (attempt !== undefined && attempt > w.maxAttempts + (w.edge.sentBack.get(key) ?? 0)) w.fail(`unit ${key} dispatched as attempt ${attempt} (--max-attempts ${w.maxAttempts})`);
}

/** Keys of units that can never run because a dependency, directly or through others, is blocked (or pending itself for that reason). */
function stuckBehindBlocked(w: Watch, status: Record<string, UnitStatus>): Set<string> {
  const stuck = new Set<string>();
  for (const u of w.plan) if (status[u.key] === "blocked") stuck.add(u.key);
  for (let grew = true; grew; ) {
    grew = false;
    for (const u of w.plan) {
      if (stuck.has(u.key) || status[u.key] !== "pending") continue;
      if (u.dependsOn.some((d) => stuck.has(d))) {
        stuck.add(u.key);
        grew = true;
      }
    }
  }
  return stuck;
}

/** At the end: nothing lost, nothing alive, each unit merged at most once, and the final state agrees with the statuses. */
export function checkEnd(w: Watch, c: ParallelContext, out: ParallelRunOutput): void {
  const status = c.state.status;
  const stuck = stuckBehindBlocked(w, status);
  const closed = out.final === "halted" || out.final === "stopped" || out.final === "failed";
  const excused = closed || out.final === "limitReached";
  const unfree = w.plan.filter((u) => !FREE.has(status[u.key]!));
  w.checks += 4 + w.plan.length;
  if (c.live.length > 0 || c.retrying.length > 0) w.fail(`ended with ${c.live.join(", ")} alive, ${c.retrying.join(", ")} waiting to retry`);
  if (out.pending !== unfree.length) w.fail(`output says ${out.pending} pending, the statuses ${unfree.length}`);
  if (out.iteration !== c.iteration) w.fail(`output iteration ${out.iteration}, context ${c.iteration}`);
  // Dispatches the agents saw, less the rate-limited ones (given back), are counted iterations: never more than allowed.
  const counted = w.edge.dispatches - w.edge.rateLimited;
  if (counted > out.iteration || counted > w.maxIterations) w.fail(`${counted} counted dispatches, iteration ${out.iteration}, --max-iterations ${w.maxIterations}`);
  if (out.final === "halted" && out.haltReason === "blocked") w.fail(`halted with nothing able to run: ${out.haltDetail}`);
  for (const u of w.plan) {
    const s = status[u.key]!;
    if ((w.edge.merged.get(u.key) ?? 0) > 1) w.fail(`unit ${u.id} merged ${w.edge.merged.get(u.key)} times`);
    if (s === "merging") w.fail(`unit ${u.id} ends merging`);
    // Nothing runs at the end; a finished unit merges before the run ends, unless a stop or a failure came (the next run merges it).
    if (s === "running") w.fail(`unit ${u.id} ends running with nothing alive for it (${out.final})`);
    if (s === "queued" && !c.stopRequested && c.error === null) w.fail(`unit ${u.id} ends queued, never merged, in a run that ends ${out.final} without a stop`);
    if (s === "pending" && !excused && !stuck.has(u.key)) w.fail(`unit ${u.id} lost: pending at the end (${out.final}) with nothing blocking it`);
  }
  checkFinal(w, status, out, unfree.length);
}

/** The final state against the statuses: complete only when all are done, waiting only for real decisions. */
function checkFinal(w: Watch, status: Record<string, UnitStatus>, out: ParallelRunOutput, unfree: number): void {
  const blocked = w.plan.some((u) => status[u.key] === "blocked");
  if (out.final === "complete" && unfree > 0) w.fail(`complete with ${unfree} units not done`);
  if (unfree === 0 && out.final !== "complete" && out.final !== "stopped" && out.final !== "failed" && out.final !== "halted") w.fail(`every unit done but the run ends ${out.final}`);
  if (out.final === "waitingForDecisions" && (!blocked || w.haltOnDecision)) w.fail(`waitingForDecisions with blocked=${blocked}, haltOnDecision=${w.haltOnDecision}`);
  if (out.final === "limitReached" && out.iteration < w.maxIterations) w.fail(`limitReached at iteration ${out.iteration} of ${w.maxIterations}`);
  if (blocked && w.haltOnDecision && (out.final === "complete" || out.final === "waitingForDecisions")) w.fail(`a decision with haltOnDecision, yet the run ends ${out.final}`);
  if (out.final === "halted" && out.haltReason && !HALT_BACKED[out.haltReason](w, status, out)) w.fail(`halted for ${out.haltReason} with nothing behind it: ${out.haltDetail}`);
  if (out.final === "failed" && !w.edge.seen.crash) w.fail(`failed with no actor failing: ${out.haltDetail}`);
}

const seen = (w: Watch, ...what: string[]) => what.some((x) => (w.edge.seen[x] ?? 0) > 0);

/** What each halt reason needs to have happened. A new HaltReason does not compile until it is here. */
const HALT_BACKED: Record<NonNullable<ParallelRunOutput["haltReason"]>, (w: Watch, status: Record<string, UnitStatus>, out: ParallelRunOutput) => boolean> = {
  "agent-halt": (w) => seen(w, "session-halt"),
  "rate-limit": (w) => seen(w, "session-rate-limited"),
  "attempts-exhausted": (w, _s, out) => w.plan.some((u) => (out.attempts[u.key] ?? 0) >= w.maxAttempts),
  decision: (w, status) => w.haltOnDecision && w.plan.some((u) => status[u.key] === "blocked"),
  budget: (w) => seen(w, "budget-reached", "over-budget", "session-over-budget"),
  blocked: () => false,
  error: (w) => seen(w, "crash"),
};
