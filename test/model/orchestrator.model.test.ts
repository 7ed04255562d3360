// Model-based tests of the orchestrator: paths generated from the machine graph (@xstate/graph shortest and
// simple paths), each replayed on a real actor with fake children; coverage of every state and transition
// is computed from the machine definition, so new states and transitions are covered without edits here.
import { afterAll, beforeAll, describe, expect, setSystemTime, test } from "bun:test";
import { getShortestPaths, getSimplePaths } from "@xstate/graph";
import type { AnyMachineSnapshot, EventObject } from "xstate";
import { orchestratorMachine } from "../../machines/orchestrator.ts";
import { eventLabel } from "../../src/graph/shape.ts";
import { checksFor, finalsWithoutExitReason } from "./invariants.ts";
import {
  branchesOf,
  branchPaths,
  eventsFor,
  longestPaths,
  statesOf,
  transientStatesOf,
  transitionKey,
  transitionsOf,
  type GraphPath,
} from "./machine-model.ts";
import { NOW, outputsFor, SCENARIOS, type Scenario } from "./outputs.ts";
import { replay, type PathLike, type Trace } from "./replay.ts";

const machine = orchestratorMachine;
const started = performance.now();
const summary: string[] = [];

interface Batch {
  name: string;
  scenario: Scenario;
  paths: PathLike[];
}

function generate(scenario: Scenario): Batch[] {
  const events = eventsFor(outputsFor(scenario.units, scenario));
  // @xstate/graph types `events` as the machine's own events; the internal done/error/after events are supplied too.
  const options = { input: scenario.input, events: events as unknown as (s: AnyMachineSnapshot) => never[] };
  const batches: Batch[] = [];
  if (scenario.shortest !== false) {
    const shortest = getShortestPaths(machine, options as never) as GraphPath[];
    batches.push({ name: `${scenario.name}: shortest paths`, scenario, paths: shortest });
    batches.push({ name: `${scenario.name}: paths to the branches they miss`, scenario, paths: branchPaths(machine, options, shortest) });
  }
  if (scenario.simple) {
    const keep = scenario.simple.keep;
    const narrowed = { ...options, events: (s: AnyMachineSnapshot) => events(s).filter((e: EventObject) => keep(e)) };
    batches.push({ name: `${scenario.name}: simple paths (${scenario.simple.what})`, scenario, paths: getSimplePaths(machine, narrowed as never) as PathLike[] });
  }
  return batches;
}

// The machine reads Date.now() for rate-limit waits: freeze it so generation and replay agree (this file only).
setSystemTime(new Date(NOW));
const batches = SCENARIOS.flatMap(generate).filter((b) => b.paths.length > 0);
setSystemTime();
const generatedMs = performance.now() - started;
const traces: Trace[] = [];
let generated = 0;
let replayed = 0;

const describePath = (path: PathLike) => path.steps.map((s) => eventLabel(s.event.type)).join(" → ");

beforeAll(() => setSystemTime(new Date(NOW)));
afterAll(() => {
  setSystemTime();
  for (const line of summary) console.log(line);
});

describe("orchestrator machine, model-based", () => {
  for (const batch of batches) {
    const longest = longestPaths(batch.paths);
    test(`${batch.name}: ${batch.paths.length} generated, ${longest.length} replayed`, async () => {
      generated += batch.paths.length;
      for (const path of longest) {
        try {
          traces.push(await replay(machine, batch.scenario.input, path, checksFor(batch.scenario)));
        } catch (error) {
          if (error instanceof Error) error.message = `${error.message}\n  path: ${describePath(path)}`;
          throw error;
        }
        replayed++;
      }
    });
  }

  test("every state and every transition of the machine is reached by a replayed path", () => {
    expect(replayed, "coverage counts the paths replayed by the tests above: run the whole file").toBeGreaterThan(0);
    expect(finalsWithoutExitReason(machine)).toEqual([]);
    const reached = { states: new Set<string>(), transitions: new Set<string>(), branches: new Set<string>() };
    for (const trace of traces) {
      for (const s of trace.states) reached.states.add(s);
      for (const t of trace.transitions) reached.transitions.add(t);
      for (const b of trace.branches) reached.branches.add(b);
    }
    const states = statesOf(machine);
    const transitions = transitionsOf(machine).map(transitionKey);
    const branches = branchesOf(machine);
    const transient = transientStatesOf(machine);
    expect(states.filter((s) => !transient.has(s) && !reached.states.has(s)), "states no path reaches").toEqual([]);
    expect(transitions.filter((t) => !reached.transitions.has(t)), "transitions no path takes").toEqual([]);
    expect(branches.filter((b) => !reached.branches.has(b)), "guarded branches no path takes").toEqual([]);
    summary.push(
      `model-based: ${generated} paths generated, ${replayed} replayed (the rest are beginnings of replayed paths); ` +
        `covered ${states.length}/${states.length} states, ${transitions.length}/${transitions.length} transitions, ` +
        `${branches.length}/${branches.length} guarded branches; generation ${Math.round(generatedMs)} ms, total ${Math.round(performance.now() - started)} ms`,
      ...batches.map((b) => `  ${b.paths.length} ${b.name}`),
    );
  });
});
