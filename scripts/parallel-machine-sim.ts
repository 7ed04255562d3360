// Simulation of the parallel run machine (machines/parallel.ts) with the real unit machine (machines/unit.ts) inside:
// fake actors only at the edges (scripts/parallel-machine-fakes.ts), xstate's SimulatedClock, random plans; every
// invariant of issue 10 checked at every snapshot and every actor call (scripts/parallel-machine-checks.ts); a run
// ended by a stop is followed by the next run, which must finish the plan with nothing merged twice. Prints the
// achieved parallelism per N against the greedy schedule of the same plan and run times.
// Usage: bun run scripts/parallel-machine-sim.ts [--plans 10000] [--seed 1] [--parallel 1,2,3,4,5,6,7,8] [--replay PLAN_SEED]
import { createActor, SimulatedClock } from "xstate";
import { parallelMachine, type ParallelRunInput, type ParallelRunOutput } from "../machines/parallel.ts";
import type { ResumeAt } from "../machines/types.ts";
import { unitMachine } from "../machines/unit.ts";
import type { UnitStatus } from "../src/schedule/next-units.ts";
import { checkCall, checkEnd, checkSnapshot, MachineInvariantError, type Watch, watchOf } from "./parallel-machine-checks.ts";
import { calmKnobs, type Edge, type Knobs, parallelFakes, randomKnobs, unitFakes } from "./parallel-machine-fakes.ts";
import { greedyMakespan, randomPlan, rng, type SimUnit } from "./parallel-model.ts";

export { MachineInvariantError } from "./parallel-machine-checks.ts";

/** Test-only options of the driver. */
export interface DriverOptions {
  /**
   * What the machine is given instead of the plan's truth (the checks keep the truth): a machine fed wrong
   * manifests, IDs, dependencies or N behaves as a broken scheduler would, and the checks must catch it.
   */
  mutate?: (input: ParallelRunInput) => ParallelRunInput;
  /** What the next run after a stop is given, truth and machine alike (a resume that forgets what merged must be caught). */
  nextRun?: (input: ParallelRunInput) => ParallelRunInput;
  /** `disjoint`: plans without dependencies, one file per unit, no failures (calmKnobs: the best case). */
  profile?: "mixed" | "disjoint";
  /** Steps (clock moves) before the run counts as stuck. */
  maxSteps?: number;
}

/** What one simulated run gave. Times in simulated ms. */
export interface PlanRun {
  final: ParallelRunOutput["final"];
  units: number;
  snapshots: number;
  checks: number;
  steps: number;
  makespan: number;
  /** Sum of the units' time in `running`; and per unit (for the greedy schedule). */
  busy: number;
  work: Record<string, number>;
  /** Time finished units waited in the merge queue (holding their place in flight), summed. */
  queued: number;
  merges: number;
  sentBack: number;
  decisions: number;
  peak: number;
  /** What happened, by kind (see Edge.seen), and how often the run's end was each final state. */
  seen: Record<string, number>;
}

/** The run's input as the run machine would give it: some units done or skipped before, some resumed in review. */
function inputOf(plan: SimUnit[], k: Knobs, random: () => number): ParallelRunInput {
  const status: Record<string, UnitStatus> = {};
  const resume: Record<string, ResumeAt | null> = {};
  const attempts: Record<string, number> = {};
  for (const u of plan) {
    const r = random();
    status[u.key] = r < 0.04 ? "completed" : r < 0.06 ? "skipped" : "pending";
    if (k.review && random() < 0.05) {
      const startAt = (["review", "fix", "verify"] as const)[Math.floor(random() * 3)]!;
      resume[u.key] = { startAt, round: startAt === "fix" ? 1 : 0, roundBase: 0, humanFix: startAt === "verify" };
    }
    if (random() < 0.1) attempts[u.key] = Math.floor(random() * k.maxAttempts);
  }
  const lane = { review: k.review, maxFixRounds: k.maxFixRounds, verify: k.verify, verifyTimeoutMs: k.verifyTimeoutMs, commit: k.commit, taskTimeoutMs: k.taskTimeoutMs, rateLimitBackoffMs: k.rateLimitBackoffMs };
  return {
    units: plan.map(({ key, id, dependsOn, manifest }) => ({ key, id, dependsOn, manifest })),
    refs: Object.fromEntries(plan.map((u) => [u.key, { key: u.key, id: u.id, title: `unit ${u.id}` }])),
    assignments: Object.fromEntries(plan.map((u) => [u.key, { backend: "fake", source: "default" as const }])),
    resume,
    start: { status, alone: {}, sentBack: {}, decisions: {} },
    parallel: k.parallel,
    maxAttempts: k.maxAttempts,
    attempts,
    maxIterations: k.maxIterations,
    iteration: 0,
    haltOnDecision: k.haltOnDecision,
    delayMs: k.delayMs,
    maxWaitMs: k.maxWaitMs,
    rateLimitBackoffMs: k.rateLimitBackoffMs,
    lane,
  };
}

/** A SimulatedClock that also tells when its next timer is due (the machine's own delays: RETRY, timeouts, backoff). */
function watchedClock(): { clock: SimulatedClock; nextTimer: () => number } {
  const clock = new SimulatedClock();
  const due = new Map<number, number>();
  const set = clock.setTimeout.bind(clock);
  const clear = clock.clearTimeout.bind(clock);
  clock.setTimeout = (fn: (...args: unknown[]) => void, ms: number) => {
    const id: number = set(() => {
      due.delete(id);
      fn();
    }, ms);
    due.set(id, clock.now() + ms);
    return id;
  };
  clock.clearTimeout = (id: number) => {
    due.delete(id);
    clear(id);
  };
  return { clock, nextTimer: () => Math.min(Infinity, ...due.values()) };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What one run of the machine needs beside its input: the shared edge, its clock's next timer, the failure hook. */
interface Bench {
  plan: SimUnit[];
  edge: Edge;
  nextTimer: () => number;
  lines: string[];
  fail: (message: string) => never;
  options: DriverOptions;
}

/** One run of the machine on `input` (the truth) to its end, checked throughout; the machine gets it `mutate`d. */
async function runOnce(b: Bench, input: ParallelRunInput, stopAt: number | null): Promise<{ watch: Watch; out: ParallelRunOutput; steps: number }> {
  const { plan, edge, fail } = b;
  let failure: MachineInvariantError | null = null;
  const guarded = (check: () => void) => {
    if (failure) return;
    try {
      check();
    } catch (error) {
      if (!(error instanceof MachineInvariantError)) throw error;
      failure = error;
    }
  };
  const watch = watchOf(plan, input.start.status, edge, fail);
  const machine = parallelMachine.provide({ actors: { ...parallelFakes(edge), unit: unitMachine.provide({ actors: unitFakes(edge) }) } });
  const actor = createActor(machine, { input: b.options.mutate ? b.options.mutate(input) : input, clock: edge.clock });
  edge.onCall = (name, key, attempt) => {
    edge.log(`${name} ${key}${attempt !== undefined ? ` attempt ${attempt}` : ""}`);
    guarded(() => checkCall(watch, actor.getSnapshot().context, name, key, attempt));
  };
  actor.subscribe((snapshot) => {
    const s = snapshot.context.state.status;
    edge.log(`status ${plan.map((u) => `${u.id}:${s[u.key]}`).join(" ")}`);
    guarded(() => checkSnapshot(watch, snapshot.context, edge.clock.now()));
  });
  edge.stopping = false;
  edge.dispatches = 0;
  edge.rateLimited = 0;
  const stop = () => {
    edge.stopping = true;
    edge.seen.stop = (edge.seen.stop ?? 0) + 1;
    actor.send({ type: "STOP" });
  };
  if (stopAt !== null) edge.queue.push({ due: stopAt, seq: edge.seq++, cancelled: false, run: stop });
  for (const at of Object.values(input.resume)) if (at) edge.seen[`resume-${at.startAt}`] = (edge.seen[`resume-${at.startAt}`] ?? 0) + 1;
  actor.start();
  const steps = await drive(actor, edge, b.nextTimer, b.options.maxSteps ?? 100_000, () => failure, fail);
  const snapshot = actor.getSnapshot();
  if (snapshot.status === "error") fail(`the parallel machine failed: ${String(snapshot.error)}`);
  guarded(() => checkEnd(watch, snapshot.context, snapshot.output!));
  if (failure) throw failure;
  return { watch, out: snapshot.output!, steps };
}

/**
 * The next run after a stop, as a resumed run sees it: completed, skipped and blocked units stay so; every other
 * unit is pending again (its worktree adopted or recreated); attempts and the iteration count start over.
 */
function nextRunInput(input: ParallelRunInput, last: Watch): ParallelRunInput {
  const kept = new Set(["completed", "skipped", "blocked"]);
  const status = Object.fromEntries(Object.entries(last.last).map(([key, s]) => [key, kept.has(s) ? s : ("pending" as const)]));
  return { ...input, start: { status, alone: {}, sentBack: {}, decisions: {} }, resume: {}, attempts: {}, iteration: 0 };
}

/**
 * Runs one plan to its end: the machine with fakes at the edges, the clock moved to the next thing due (a fake's
 * result or one of the machine's timers), the checks at every snapshot, every call and the end. A run ended by a
 * stop is followed by the next run on the same repository (the same edge: what merged stays merged), which must
 * finish the plan with no unit merged twice. Throws MachineInvariantError with the last events when an invariant
 * breaks or the run gets stuck.
 */
export async function runPlan(plan: SimUnit[], k: Knobs, random: () => number, options: DriverOptions = {}): Promise<PlanRun> {
  const { clock, nextTimer } = watchedClock();
  const lines: string[] = [];
  const edge: Edge = { clock, random, knobs: k, queue: [], seq: 0, byKey: new Map(plan.map((u) => [u.key, u])), mergeLog: [], base: new Map(), inPlace: new Set(), humanFix: new Set(), sentBack: new Map(), merged: new Map(), dispatches: 0, rateLimited: 0, seen: {}, stopping: false, onCall: () => {}, log: (line) => lines.push(`${clock.now()} ${line}`) };
  const fail = (message: string): never => {
    throw new MachineInvariantError(`${message}\n  last events:\n    ${lines.slice(-30).join("\n    ")}`);
  };
  const bench: Bench = { plan, edge, nextTimer, lines, fail, options };
  const input = inputOf(plan, k, random);
  for (const [key, at] of Object.entries(input.resume)) if (at?.humanFix) edge.humanFix.add(key);
  const first = await runOnce(bench, input, k.stopAt);
  if (first.out.final !== "stopped") return summary(plan, [first.watch], edge, first.out, clock.now(), first.steps);
  edge.log("--- the next run ---");
  edge.seen["next-run"] = (edge.seen["next-run"] ?? 0) + 1;
  const next = nextRunInput(input, first.watch);
  edge.humanFix.clear();
  const second = await runOnce(bench, options.nextRun ? options.nextRun(next) : next, null);
  return summary(plan, [first.watch, second.watch], edge, second.out, clock.now(), first.steps + second.steps);
}

/** Moves the clock from one due thing to the next until the machine ends; returns the steps taken. */
async function drive(actor: { getSnapshot: () => { status: string } }, edge: Edge, nextTimer: () => number, maxSteps: number, failed: () => MachineInvariantError | null, fail: (m: string) => never): Promise<number> {
  for (let steps = 0; ; steps++) {
    await flush();
    const broken = failed();
    if (broken) throw broken;
    if (actor.getSnapshot().status !== "active") return steps;
    if (steps > maxSteps) fail(`still running after ${maxSteps} steps`);
    edge.queue = edge.queue.filter((d) => !d.cancelled);
    const t = Math.min(nextTimer(), ...edge.queue.map((d) => d.due));
    if (t === Infinity) fail("stuck: the machine is still flowing with nothing alive and no timer");
    // Always move (by 0 too): the clock fires a timer due now (a RETRY with no delay) only when it moves.
    edge.clock.increment(Math.max(0, t - edge.clock.now()));
    const now = edge.clock.now();
    const ready = edge.queue.filter((d) => d.due <= now).sort((a, b) => a.due - b.due || a.seq - b.seq);
    edge.queue = edge.queue.filter((d) => d.due > now);
    for (const d of ready) d.run();
  }
}

function summary(plan: SimUnit[], watches: Watch[], edge: Edge, out: ParallelRunOutput, end: number, steps: number): PlanRun {
  const watch = watches.at(-1)!;
  const busy = new Map<string, number>();
  for (const w of watches) for (const [key, ms] of w.busy) busy.set(key, (busy.get(key) ?? 0) + ms);
  for (const [key, since] of watch.since) if (watch.last[key] === "running") busy.set(key, (busy.get(key) ?? 0) + end - since);
  const work = Object.fromEntries([...busy].filter(([, ms]) => ms > 0));
  const snapshots = watches.reduce((n, w) => n + w.snapshots, 0);
  const checks = watches.reduce((n, w) => n + w.checks, 0);
  const peak = Math.max(...watches.map((w) => w.peak));
  return {
    final: out.final,
    units: plan.length,
    snapshots,
    checks,
    steps,
    makespan: end,
    busy: Object.values(work).reduce((a, b) => a + b, 0),
    work,
    queued: watches.reduce((n, w) => n + w.queuedMs, 0),
    merges: [...edge.merged.values()].reduce((a, b) => a + b, 0),
    sentBack: [...edge.sentBack.values()].reduce((a, b) => a + b, 0),
    decisions: plan.filter((u) => watch.last[u.key] === "blocked").length,
    peak,
    seen: { ...edge.seen, [`final-${out.final}`]: 1, ...(edge.mergeLog.length > 0 && plan.some((u) => watch.alone.has(u.key) && watch.last[u.key] === "completed") ? { "merged-after-run-alone": 1 } : {}) },
  };
}

/** Plan `i` of a run with seed `seed`: its own seed, so one plan replays alone (`--replay`). */
export const planSeed = (seed: number, parallel: number, i: number): number => seed * 1_000_003 + parallel * 100_003 + i;

/** Simulates the plan with this seed at `--parallel N`; errors name the seed and how to replay it. */
export async function simulatePlan(seed: number, parallel: number, options: DriverOptions = {}): Promise<{ plan: SimUnit[]; run: PlanRun }> {
  const random = rng(seed);
  const disjoint = options.profile === "disjoint";
  const plan = randomPlan(random, 24, disjoint ? "disjoint" : "mixed");
  const drawn = randomKnobs(parallel, plan.length, random);
  const knobs = disjoint ? calmKnobs(drawn) : drawn;
  try {
    return { plan, run: await runPlan(plan, knobs, random, options) };
  } catch (error) {
    if (error instanceof MachineInvariantError) {
      throw new MachineInvariantError(`plan seed ${seed}, --parallel ${parallel} (replay: bun run scripts/parallel-machine-sim.ts --replay ${seed} --parallel ${parallel}): ${error.message}`);
    }
    throw error;
  }
}

/** Figures of many plans at one N. */
export interface LevelSummary {
  parallel: number;
  plans: number;
  units: number;
  snapshots: number;
  checks: number;
  merges: number;
  sentBack: number;
  decisions: number;
  peak: number;
  finals: Record<string, number>;
  /** Summed PlanRun.seen. */
  seen: Record<string, number>;
  /** Time in the merge queue over time running, summed over the plans. */
  queuedShare: number;
  /** Mean of busy time / makespan; the same for the greedy schedule (total work / its makespan); mean makespan / greedy makespan. */
  achieved: number;
  greedy: number;
  slowdown: number;
}

/** Simulates `plans` plans at `parallel`. */
export async function simulateLevel(plans: number, seed: number, parallel: number, options: DriverOptions = {}): Promise<LevelSummary> {
  const s: LevelSummary = { parallel, plans, units: 0, snapshots: 0, checks: 0, merges: 0, sentBack: 0, decisions: 0, peak: 0, finals: {}, seen: {}, queuedShare: 0, achieved: 0, greedy: 0, slowdown: 0 };
  let measured = 0;
  let queued = 0;
  let busy = 0;
  for (let i = 0; i < plans; i++) {
    const { plan, run } = await simulatePlan(planSeed(seed, parallel, i), parallel, options);
    s.units += run.units;
    s.snapshots += run.snapshots;
    s.checks += run.checks;
    s.merges += run.merges;
    s.sentBack += run.sentBack;
    s.decisions += run.decisions;
    s.peak = Math.max(s.peak, run.peak);
    queued += run.queued;
    busy += run.busy;
    s.finals[run.final] = (s.finals[run.final] ?? 0) + 1;
    for (const [what, n] of Object.entries(run.seen)) s.seen[what] = (s.seen[what] ?? 0) + n;
    const greedy = greedyMakespan(plan, run.work, parallel);
    if (run.makespan > 0 && run.busy > 0 && greedy > 0) {
      s.achieved += run.busy / run.makespan;
      s.greedy += run.busy / greedy;
      s.slowdown += run.makespan / greedy;
      measured++;
    }
  }
  s.queuedShare = busy > 0 ? queued / busy : 0;
  if (measured > 0) for (const f of ["achieved", "greedy", "slowdown"] as const) s[f] /= measured;
  return s;
}

function printLevel(s: LevelSummary, seconds: number): void {
  const finals = Object.entries(s.finals).sort().map(([f, n]) => `${f} ${n}`).join(", ");
  const cells = [String(s.parallel).padEnd(2), String(s.plans).padStart(6), String(s.units).padStart(7), String(s.snapshots).padStart(9), String(s.checks).padStart(10), String(s.merges).padStart(7), String(s.sentBack).padStart(6), String(s.decisions).padStart(6), String(s.peak).padStart(5)];
  const figures = [s.achieved.toFixed(2).padStart(8), s.greedy.toFixed(2).padStart(7), (s.achieved / s.greedy).toFixed(3).padStart(8), s.slowdown.toFixed(3).padStart(9), s.queuedShare.toFixed(3).padStart(7)];
  console.log(`${[...cells, ...figures].join(" ")}  ${seconds.toFixed(1)} s  (${finals})`);
}

async function main(argv: string[]): Promise<void> {
  const flag = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
  };
  const levels = flag("parallel", "1,2,3,4,5,6,7,8").split(",").map(Number);
  if (argv.includes("--replay")) {
    const profile = flag("profile", "mixed") === "disjoint" ? "disjoint" : "mixed";
    const { plan, run } = await simulatePlan(Number(flag("replay", "0")), levels[0] ?? 1, { profile });
    console.log(JSON.stringify({ plan, run }, null, 2));
    return;
  }
  const plans = Number(flag("plans", "10000"));
  const seed = Number(flag("seed", String(Date.now() % 1_000_000)));
  const per = Math.ceil(plans / levels.length);
  console.log(`parallel machine simulation (machines/parallel.ts with machines/unit.ts, fake actors, SimulatedClock): seed ${seed} (replay: --seed ${seed})`);
  const total = { plans: 0, snapshots: 0, checks: 0, seen: {} as Record<string, number> };
  const titles = {
    mixed: "Random plans (random DAGs, folder overlaps, missing and reads-only manifests, failures, rate limits, fix rounds, conflicts, decisions, stops)",
    disjoint: "Disjoint plans (no dependencies, one file per unit; no failures, limits, conflicts or stops; review fix rounds stay and can run out)",
  };
  for (const profile of ["mixed", "disjoint"] as const) {
    console.log(`\n${titles[profile]}: ${per} plans per N`);
    console.log("N   plans   units snapshots     checks  merges  sent  decis  peak achieved  greedy  ach/gr  time/gr  queued");
    for (const parallel of levels) {
      const started = performance.now();
      const s = await simulateLevel(per, seed, parallel, { profile });
      total.plans += s.plans;
      total.snapshots += s.snapshots;
      total.checks += s.checks;
      for (const [what, n] of Object.entries(s.seen)) total.seen[what] = (total.seen[what] ?? 0) + n;
      printLevel(s, (performance.now() - started) / 1000);
    }
  }
  console.log(`\n${total.plans} plans, ${total.snapshots} snapshots, ${total.checks} invariant checks: every one held.`);
  console.log(`exercised: ${Object.entries(total.seen).sort().map(([what, n]) => `${what} ${n}`).join(", ")}`);
  console.log("achieved: units running at once on average (busy time / makespan); greedy: the same for a greedy list schedule of");
  console.log("the same plan and run times (instant merges in completion order, no drain before a unit that runs alone);");
  console.log("ach/gr: their ratio; time/gr: mean makespan over the greedy makespan (1.000 = as fast). sent: sent back to run alone.");
  console.log("queued: time finished units waited in the merge queue (in flight, holding one of the N places) over time running.");
}

if (import.meta.main) await main(process.argv.slice(2));
