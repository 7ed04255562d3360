// What the model-based suite knows about a machine, all read from its definition: states, transitions, the
// delay of each `after` event, and the concrete events each snapshot accepts (outputs from a table per invoke id).
import { getAdjacencyMap, getStateNodes, serializeSnapshot } from "@xstate/graph";
import { __unsafe_getAllOwnEventDescriptors, type AnyMachineSnapshot, type AnyStateMachine, type AnyStateNode, type EventObject } from "xstate";
import { eventLabel, transitionsOfNode } from "../../src/graph/shape.ts";

/** Realistic outputs of one invoke id, as a function of the machine's context when the actor settles. */
export type OutputsOf = (context: any) => unknown[];

/** Outputs per invoke id, and concrete payloads for events sent from outside (default: the bare `{ type }`). */
export interface EventTable {
  outputs: Record<string, OutputsOf>;
  external?: Record<string, (context: any) => EventObject[]>;
}

/** One transition as the coverage counts it: source state, event type, target state (the source when targetless). */
export interface TransitionRef {
  source: string;
  event: string;
  target: string;
}

export const transitionKey = (t: TransitionRef): string => `${t.source} --${eventLabel(t.event)}--> ${t.target}`;

/** Every state node below the root, by id (e.g. `orchestrator.idle`). */
export function statesOf(machine: AnyStateMachine): string[] {
  return getStateNodes(machine.root).map((node) => node.id);
}

/**
 * States a snapshot never rests in: only eventless (`always`) transitions, no invoke, no event or delay of their
 * own. Coverage counts their branches instead of their state.
 */
export function transientStatesOf(machine: AnyStateMachine): Set<string> {
  const transient = (node: AnyStateNode) =>
    (node.always?.length ?? 0) > 0 && node.invoke.length === 0 && node.after.length === 0 && Object.keys(node.config.on ?? {}).length === 0 && node.type === "atomic";
  return new Set(getStateNodes(machine.root).filter(transient).map((node) => node.id));
}

/** Every (source, event, target) of the definition, including invoke done/error and `after` transitions. */
export function transitionsOf(machine: AnyStateMachine): TransitionRef[] {
  const seen = new Map<string, TransitionRef>();
  for (const node of getStateNodes(machine.root)) {
    for (const [event, definitions] of transitionsOfNode(node)) {
      for (const definition of definitions) {
        for (const target of definition.target?.length ? definition.target : [node]) {
          const ref = { source: node.id, event, target: (target as AnyStateNode).id };
          seen.set(transitionKey(ref), ref);
        }
      }
    }
  }
  return [...seen.values()];
}

/** Every guarded branch of every transition: `source --event[i]--> target`, i its place among the event's branches. */
export function branchesOf(machine: AnyStateMachine): string[] {
  return getStateNodes(machine.root).flatMap((node) =>
    transitionsOfNode(node).flatMap(([event, definitions]) => definitions.map((definition) => branchKey(node, event, definitions.indexOf(definition), definition.target))),
  );
}

export function branchKey(source: AnyStateNode, event: string, index: number, targets: readonly AnyStateNode[] | undefined): string {
  const target = targets?.length ? targets.map((t) => t.id).join(",") : source.id;
  return `${source.id} --${eventLabel(event)}[${index}]--> ${target}`;
}

/** The delay (ms) before `afterType` fires from a snapshot of `machine`, resolved through `setup({ delays })`. */
export function delayOf(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, afterType: string): number {
  const node = snapshot._nodes.find((n: AnyStateNode) => n.after.some((t) => t.eventType === afterType));
  const delay = node?.after.find((t) => t.eventType === afterType)?.delay;
  if (delay === undefined) throw new Error(`no state of ${snapshot.value} has a delayed transition ${afterType}`);
  if (typeof delay === "number") return delay;
  const named = typeof delay === "function" ? delay : (machine.implementations.delays as Record<string, unknown>)[delay];
  if (typeof named === "number") return named;
  if (typeof named === "function") return named({ context: snapshot.context, event: { type: afterType } }, undefined) as number;
  throw new Error(`delay ${String(delay)} of ${afterType} is not in setup({ delays })`);
}

const errors = new Map<string, Error>();
/** The error an actor fails with in the model; one instance per invoke id, so replayed contexts compare equal. */
export function modelError(invokeId: string): Error {
  let error = errors.get(invokeId);
  if (!error) errors.set(invokeId, (error = new Error(`${invokeId} failed (model)`)));
  return error;
}

/**
 * The concrete events a snapshot accepts: `xstate.done.actor.<id>` once per output in the table,
 * `xstate.error.actor.<id>` with a model error, `xstate.after.*` as is, other events from `external` or bare.
 * An invoke id missing from the table is a test bug, reported so the developer knows what to add.
 */
export function eventsFor(table: EventTable) {
  return (snapshot: AnyMachineSnapshot): EventObject[] =>
    __unsafe_getAllOwnEventDescriptors(snapshot).flatMap((type: string) => {
      const done = /^xstate\.done\.actor\.(.+)$/.exec(type);
      if (done) {
        const id = done[1]!;
        const outputs = table.outputs[id];
        if (!outputs) {
          throw new Error(
            `state ${JSON.stringify(snapshot.value)} invokes "${id}", which has no outputs in the model's table: ` +
              `add realistic outputs for "${id}" to outputsFor() in test/model/outputs.ts`,
          );
        }
        return outputs(snapshot.context).map((output) => ({ type, output, actorId: id }));
      }
      const error = /^xstate\.error\.actor\.(.+)$/.exec(type);
      if (error) return [{ type, error: modelError(error[1]!), actorId: error[1]! }];
      if (type.startsWith("xstate.after.")) return [{ type }];
      return table.external?.[type]?.(snapshot.context) ?? [{ type }];
    });
}

/** The guarded branches `event` takes from `snapshot` (as branchKey strings). */
export function branchesTaken(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): string[] {
  return machine.getTransitionData(snapshot, event).flatMap((t) => {
    if (!t.eventType) return [];
    const index = t.source.transitions.get(t.eventType)?.indexOf(t) ?? -1;
    return index < 0 ? [] : [branchKey(t.source, t.eventType, index, t.target)];
  });
}

/** A generated path in @xstate/graph's shape: steps[0] is `xstate.init`; each step's state is the one after its event. */
export interface GraphPath {
  state: AnyMachineSnapshot;
  steps: { state: AnyMachineSnapshot; event: EventObject }[];
  weight?: number;
}

/** One state of @xstate/graph's adjacency map and where each of its events leads. */
interface Adjacent {
  state: AnyMachineSnapshot;
  transitions: Record<string, { event: EventObject; state: AnyMachineSnapshot }>;
}

/**
 * Shortest paths reach every state, but not every way into it: a second branch into an already-reached state
 * (a STOP repeated while the attempt ends, an ender that fails like one that succeeds) adds no state.
 * For each branch `paths` do not take, one more path: the shortest path to a state where the branch is
 * enabled (from the adjacency map), plus that step.
 */
export function branchPaths(machine: AnyStateMachine, options: object, paths: GraphPath[]): GraphPath[] {
  // Shortest paths form a tree: each path's earlier steps are the last steps of shorter paths.
  const taken = new Set<string>();
  for (const { steps } of paths) {
    if (steps.length > 1) for (const key of branchesTaken(machine, steps.at(-2)!.state, steps.at(-1)!.event)) taken.add(key);
  }
  const shortestTo = new Map<string, GraphPath>(paths.map((p) => [serializeSnapshot(p.state) as string, p]));
  const adjacency = getAdjacencyMap(machine, options as never) as Record<string, Adjacent>;
  const extra: GraphPath[] = [];
  for (const [serial, { state, transitions }] of Object.entries(adjacency)) {
    const head = shortestTo.get(serial);
    if (!head) continue;
    for (const { event, state: next } of Object.values(transitions)) {
      const missing = branchesTaken(machine, state, event).filter((key) => !taken.has(key));
      if (missing.length === 0) continue;
      for (const key of missing) taken.add(key);
      extra.push({ state: next, steps: [...head.steps, { state: next, event }] });
    }
  }
  return extra;
}

/**
 * The paths that are not the beginning of another path. Replay checks every step, so replaying a path checks
 * each of its beginnings too.
 */
export function longestPaths<P extends { steps: { event: EventObject }[] }>(paths: P[]): P[] {
  type Node = Map<string, Node>;
  const root: Node = new Map();
  const ends = paths.map((path) => {
    let node = root;
    for (const { event } of path.steps) {
      const key = JSON.stringify(event);
      let next = node.get(key);
      if (!next) node.set(key, (next = new Map()));
      node = next;
    }
    return node;
  });
  const seen = new Set<Node>();
  return paths.filter((_, i) => {
    const end = ends[i]!;
    if (end.size > 0 || seen.has(end)) return false;
    seen.add(end);
    return true;
  });
}
