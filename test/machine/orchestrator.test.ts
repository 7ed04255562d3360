// Scenario tests of the orchestrator machine with scripted actors and a simulated clock.
import { describe, expect, test } from "bun:test";
import { createActor, fromPromise, SimulatedClock, toPromise } from "xstate";
import {
  orchestratorMachine,
  type Assignment,
  type AttemptOutcome,
  type Dispatched,
  type PlannerOutput,
  type RecordInput,
  type RecordOutput,
  type UnitRef,
} from "../../machines/orchestrator.ts";
import { unitMachine } from "../../machines/unit.ts";

const unit = (id: string): UnitRef => ({ key: id, id, title: `Task ${id}` });

/** A scripted world: units in order, an outcome per attempt, and a log of what the recorder was asked. */
function world(ids: string[], outcomes: (u: UnitRef, attempt: number) => AttemptOutcome) {
  const done = new Set<string>();
  const recorded: RecordInput[] = [];
  const dispatched: string[] = [];
  // The unit machine's own actors (dispatcher, session, recorder) go to it; the run machine plans and assigns.
  const unitActors = {
    dispatcher: fromPromise<Dispatched, { unit: UnitRef; attempt: number }>(async ({ input }) => {
      dispatched.push(`${input.unit.id}#${input.attempt}`);
      return { attempt: input.attempt, outLog: "/dev/null", handle: null };
    }),
    session: fromPromise<AttemptOutcome, { unit: UnitRef; attempt: number }>(async ({ input }) => outcomes(input.unit, input.attempt)),
    recorder: fromPromise<RecordOutput, RecordInput>(async ({ input }) => {
      recorded.push(input);
      if (input.outcome.kind === "done") done.add(input.unit.key);
      return { pending: ids.filter((id) => !done.has(id)).length, now: Date.now() };
    }),
  };
  const actors = {
    unit: unitMachine.provide({ actors: unitActors as never }),
    planner: fromPromise<PlannerOutput, { attempts: Record<string, number> }>(async () => {
      const pending = ids.filter((id) => !done.has(id));
      const first = pending[0];
      return first === undefined ? { kind: "complete" } : { kind: "next", unit: unit(first), pending: pending.length };
    }),
    assigner: fromPromise<Assignment, { unit: UnitRef }>(async () => ({ backend: "command", source: "default" })),
  };
  return { actors, recorded, dispatched };
}

const ok = (): AttemptOutcome => ({ kind: "done", message: "ok", exitCode: 0 });
const fail = (): AttemptOutcome => ({ kind: "failed", reason: "no marker", message: "", exitCode: 0 });

async function run(w: ReturnType<typeof world>, input: { maxIterations?: number; maxAttempts?: number; delayMs?: number }) {
  const actor = createActor(orchestratorMachine.provide({ actors: w.actors as never }), {
    input: { maxIterations: input.maxIterations ?? 50, maxAttempts: input.maxAttempts ?? 3, delayMs: input.delayMs ?? 0 },
  });
  actor.start();
  await toPromise(actor);
  return actor.getSnapshot();
}

describe("orchestrator machine", () => {
  test("runs every unit once, in order, and completes", async () => {
    const w = world(["1", "2", "3"], ok);
    const snap = await run(w, {});
    expect(snap.value).toBe("complete");
    expect(w.dispatched).toEqual(["1#1", "2#1", "3#1"]);
    expect(w.recorded.map((r) => r.outcome.kind)).toEqual(["done", "done", "done"]);
  });

  test("a HALT reply halts the run with reason agent-halt", async () => {
    const w = world(["1", "2"], (u) => (u.id === "2" ? { kind: "halt", message: "need a key", exitCode: 0 } : ok()));
    const snap = await run(w, {});
    expect(snap.value).toBe("halted");
    expect(snap.context.haltReason).toBe("agent-halt");
    expect(snap.context.unit?.id).toBe("2");
  });

  test("a unit that never says TASK_DONE uses up its attempts and halts", async () => {
    const w = world(["1", "2"], (u) => (u.id === "1" ? fail() : ok()));
    const snap = await run(w, { maxAttempts: 3 });
    expect(snap.value).toBe("halted");
    expect(snap.context.haltReason).toBe("attempts-exhausted");
    expect(w.dispatched).toEqual(["1#1", "1#2", "1#3"]);
    expect(snap.context.attempts["1"]).toBe(3);
  });

  test("the iteration limit ends the run in limitReached", async () => {
    const w = world(["1", "2", "3"], ok);
    const snap = await run(w, { maxIterations: 2 });
    expect(snap.value).toBe("limitReached");
    expect(w.dispatched).toEqual(["1#1", "2#1"]);
  });

  test("attempts carried over from the state file count", async () => {
    const w = world(["1"], fail);
    const actor = createActor(orchestratorMachine.provide({ actors: w.actors as never }), {
      input: { maxIterations: 50, maxAttempts: 3, delayMs: 0, attempts: { "1": 2 } },
    });
    actor.start();
    await toPromise(actor);
    expect(actor.getSnapshot().value).toBe("halted");
    expect(w.dispatched).toEqual(["1#3"]);
  });

  test("the delay between units runs on the clock, and STOP while sleeping stops", async () => {
    const clock = new SimulatedClock();
    const w = world(["1", "2"], ok);
    const actor = createActor(orchestratorMachine.provide({ actors: w.actors as never }), {
      clock,
      input: { maxIterations: 50, maxAttempts: 3, delayMs: 15_000 },
    });
    actor.start();
    while (!actor.getSnapshot().matches("sleeping")) await Bun.sleep(1);
    clock.increment(14_999);
    expect(actor.getSnapshot().value).toBe("sleeping");
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe("idle");
    while (!actor.getSnapshot().matches("sleeping") && actor.getSnapshot().status === "active") await Bun.sleep(1);
    expect(actor.getSnapshot().value).toBe("complete");
    const w2 = world(["1", "2"], ok);
    const a2 = createActor(orchestratorMachine.provide({ actors: w2.actors as never }), {
      clock: new SimulatedClock(),
      input: { maxIterations: 50, maxAttempts: 3, delayMs: 15_000 },
    });
    a2.start();
    while (!a2.getSnapshot().matches("sleeping")) await Bun.sleep(1);
    a2.send({ type: "STOP" });
    expect(a2.getSnapshot().value).toBe("stopped");
    expect(w2.dispatched).toEqual(["1#1"]);
  });
});
