// The run machine and the unit machine alone, with instant actors in place of every side effect: their own cost
// per unit (planner, assigner, budget check, dispatch, wait, record: the states a plain direct unit goes through).
// Compiled by scripts/bench.ts with the build's flags, so it runs as the executable does (the JIT policy included).
// Usage: bun run scripts/machines-only.ts [UNITS]; prints the ms per unit.
import { createActor, fromPromise, toPromise } from "xstate";
import { orchestratorMachine } from "../machines/orchestrator.ts";
import { unitMachine } from "../machines/unit.ts";
import { machineClock } from "../src/machine-clock.ts";

const units = Number(process.argv[2] ?? 200);
const done = new Set<string>();
const unitActors = {
  dispatcher: fromPromise(async ({ input }: { input: { attempt: number } }) => ({ attempt: input.attempt, outLog: "/dev/null", handle: null })),
  session: fromPromise(async () => ({ kind: "done", message: "ok", exitCode: 0 })),
  recorder: fromPromise(async ({ input }: { input: { unit: { key: string } } }) => {
    done.add(input.unit.key);
    return { pending: units - done.size, now: Date.now() };
  }),
};
const actors = {
  unit: unitMachine.provide({ actors: unitActors as never }),
  // Units are done in order, so the next one is the first not done (no search: the harness costs nothing per unit).
  planner: fromPromise(async () => {
    if (done.size === units) return { kind: "complete" };
    const next = String(done.size + 1);
    return { kind: "next", unit: { key: next, id: next, title: `Task ${next}` }, pending: units - done.size };
  }),
  assigner: fromPromise(async () => ({ backend: "command", source: "default" })),
  budget: fromPromise(async () => ({ reached: null })),
};
const started = performance.now();
const actor = createActor(orchestratorMachine.provide({ actors: actors as never }), { input: { maxIterations: 1_000_000, maxAttempts: 3, delayMs: 0 }, clock: machineClock as never });
actor.start();
await toPromise(actor);
if (done.size !== units) throw new Error(`the machines ended in ${JSON.stringify(actor.getSnapshot().value)} with ${done.size} of ${units} units done`);
console.log(((performance.now() - started) / units).toFixed(4));
