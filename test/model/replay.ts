// Replays one generated path on a real actor of the machine: every child actor is a fake the test settles,
// delays run on a SimulatedClock, and each step's state and context must equal the path's.
import { expect } from "bun:test";
import {
  createActor,
  fromPromise,
  SimulatedClock,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type EventObject,
  type InspectionEvent,
} from "xstate";
import { eventLabel } from "../../src/graph/shape.ts";
import { branchKey, delayOf, transitionKey } from "./machine-model.ts";

/** A child actor the machine started: what it was given, and how the test settles it. */
export interface Started {
  id: string;
  input: any;
  signal: AbortSignal;
  settled: boolean;
  resolve(output: unknown): void;
  reject(error: unknown): void;
}

/** What happened, in order: child actors started, and the snapshot after each step of the path. */
export type TraceEntry = { kind: "start"; actor: Started } | { kind: "step"; event: EventObject; snapshot: AnyMachineSnapshot };

export interface Trace {
  entries: TraceEntry[];
  states: Set<string>;
  transitions: Set<string>;
  branches: Set<string>;
  /** Broken invariants noticed while actors started (checked after each step). */
  violations: string[];
}

export interface PathLike {
  steps: { state: AnyMachineSnapshot; event: EventObject }[];
}

/** Called after every step with the trace so far; throws when an invariant or a record check fails. */
export type StepCheck = (trace: Trace, snapshot: AnyMachineSnapshot) => void;

const live = (s: Started) => !s.settled && !s.signal.aborted;
const PROCESS_TIMEOUT_MS = 1_000;

/** Wait for `condition`: first over microtasks (a settled promise actor reports in a few), then on timers. */
async function until(condition: () => boolean, message: () => string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (condition()) return;
    await Promise.resolve();
  }
  const deadline = performance.now() + PROCESS_TIMEOUT_MS; // Date.now() is frozen in the suite
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(message());
    await Bun.sleep(1);
  }
}

/** Invoke ids of the states tagged `agent`: while one of them is alive, a unit's agent may be running. */
export function agentInvokeIds(machine: AnyStateMachine): Set<string> {
  const ids = new Set<string>();
  const visit = (node: AnyStateNode) => {
    if (node.tags.includes("agent")) for (const invoke of node.invoke) ids.add(invoke.id);
    for (const child of Object.values(node.states)) visit(child as AnyStateNode);
  };
  visit(machine.root);
  return ids;
}

/** A fake for every actor the machine names: a promise that only the test settles. */
function fakeActors(machine: AnyStateMachine, onStart: (started: Started) => void) {
  const fakes: Record<string, unknown> = {};
  for (const src of Object.keys(machine.implementations.actors)) {
    fakes[src] = fromPromise<unknown, unknown>(
      ({ input, self, signal }) =>
        new Promise((resolve, reject) => {
          const started: Started = {
            id: self.id,
            input,
            signal,
            settled: false,
            resolve: (output) => ((started.settled = true), resolve(output)),
            reject: (error) => ((started.settled = true), reject(error)),
          };
          onStart(started);
        }),
    );
  }
  return fakes;
}

/**
 * Replay `path` from `input`. Per step: settle the child the event names (done → resolve with its output,
 * error → reject with its error), advance the clock for `xstate.after.*` (checking it does not fire a
 * millisecond early), or send the event; then compare state value, context and live children with the path.
 */
export async function replay(machine: AnyStateMachine, input: unknown, path: PathLike, check: StepCheck): Promise<Trace> {
  const trace: Trace = { entries: [], states: new Set(), transitions: new Set(), branches: new Set(), violations: [] };
  const started: Started[] = [];
  const agentIds = agentInvokeIds(machine);
  const clock = new SimulatedClock();
  let processed: string[] = [];

  const onStart = (actor: Started) => {
    if (agentIds.has(actor.id)) {
      const running = started.filter((s) => agentIds.has(s.id) && live(s));
      if (running.length > 0) trace.violations.push(`${actor.id} started while ${running.map((s) => s.id).join(", ")} still runs`);
    }
    started.push(actor);
    trace.entries.push({ kind: "start", actor });
  };

  const inspect = (ev: InspectionEvent) => {
    const isRoot = ev.actorRef.sessionId === ev.rootId;
    if (!isRoot) return;
    if (ev.type === "@xstate.microstep") {
      for (const t of ev._transitions) {
        const branches = (t.eventType ? t.source.transitions.get(t.eventType) : t.source.always) ?? [];
        const index = branches.indexOf(t);
        if (index < 0) continue;
        trace.branches.add(branchKey(t.source, t.eventType, index, t.target));
        for (const target of t.target?.length ? t.target : [t.source]) {
          trace.transitions.add(transitionKey({ source: t.source.id, event: t.eventType, target: target.id }));
        }
      }
    }
    if (ev.type === "@xstate.snapshot") {
      processed.push(ev.event.type);
    }
  };

  const actor = createActor(machine.provide({ actors: fakeActors(machine, onStart) as never }), { input, clock, inspect });
  const snapshotOf = () => actor.getSnapshot() as AnyMachineSnapshot;
  const record = (event: EventObject) => {
    const snapshot = snapshotOf();
    for (const node of snapshot._nodes) if (node.parent) trace.states.add(node.id);
    trace.entries.push({ kind: "step", event, snapshot });
  };

  const [first, ...steps] = path.steps;
  actor.start();
  try {
    record({ type: "xstate.init" });
    expectStep(snapshotOf(), first!.state, started, "xstate.init");
    check(trace, snapshotOf());
    for (const step of steps) {
      const event = step.event;
      processed = [];
      deliver(machine, actor, clock, started, event, () => processed.includes(event.type));
      await until(() => processed.includes(event.type), () => `the actor did not process ${eventLabel(event.type)} in ${JSON.stringify(snapshotOf().value)}`);
      record(event);
      expectStep(snapshotOf(), step.state, started, eventLabel(event.type));
      if (trace.violations.length > 0) expect(trace.violations).toEqual([]);
      check(trace, snapshotOf());
    }
    if (snapshotOf().status === "done") expectQuietAfterEnd(actor, clock, started);
  } finally {
    actor.stop();
  }
  return trace;
}

/** Hand the event to whoever makes it happen in a real run. */
function deliver(machine: AnyStateMachine, actor: AnyActorRef, clock: SimulatedClock, started: Started[], event: EventObject, seen: () => boolean): void {
  const actorEvent = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event.type);
  if (actorEvent) {
    const [, kind, id] = actorEvent;
    const child = started.findLast((s) => s.id === id && live(s));
    if (!child) throw new Error(`no running "${id}" actor to settle with ${eventLabel(event.type)}`);
    if (kind === "done") child.resolve((event as { output?: unknown }).output);
    else child.reject((event as { error?: unknown }).error);
    return;
  }
  if (event.type.startsWith("xstate.after.")) {
    const delay = delayOf(machine, actor.getSnapshot(), event.type);
    if (delay > 0) {
      clock.increment(delay - 1);
      if (seen()) throw new Error(`${eventLabel(event.type)} fired before its ${delay} ms`);
    }
    clock.increment(delay > 0 ? 1 : 0);
    return;
  }
  actor.send(event);
}

/** State value and context equal the path's; the live children are exactly the invokes of the active states. */
function expectStep(actual: AnyMachineSnapshot, expected: AnyMachineSnapshot, started: Started[], after: string): void {
  const where = `after ${after}`;
  const invokes = actual.status === "active" ? actual._nodes.flatMap((n: AnyStateNode) => n.invoke.map((i) => i.id)).sort() : [];
  const running = started.filter(live).map((s) => s.id).sort();
  // expect() only on a mismatch, for its diff: thousands of paths make its cost show.
  if (!Bun.deepEquals(actual.value, expected.value)) expect(actual.value, where).toEqual(expected.value);
  if (!Bun.deepEquals(actual.context, expected.context)) expect(actual.context, where).toEqual(expected.context);
  if (!Bun.deepEquals(running, invokes)) expect(running, `${where}: running children`).toEqual(invokes);
}

/** A run that ended starts nothing more: STOP and a long wait change nothing. */
function expectQuietAfterEnd(actor: AnyActorRef, clock: SimulatedClock, started: Started[]): void {
  const before = { count: started.length, snapshot: actor.getSnapshot() };
  actor.send({ type: "STOP" });
  clock.increment(30 * 24 * 3_600_000);
  expect(started.length).toBe(before.count);
  expect(actor.getSnapshot()).toBe(before.snapshot);
}
