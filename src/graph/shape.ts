// The machine as plain data for the renderers: states (nested), their invokes and tags, and labelled edges.
import type { AnyStateMachine, AnyStateNode } from "xstate";

export interface StateShape {
  /** Name used in diagrams: the state's path below the root, joined with "_" (e.g. `idle`). */
  name: string;
  key: string;
  final: boolean;
  /** Name of the initial child, for compound states. */
  initial: string | null;
  invokes: string[];
  tags: string[];
  children: StateShape[];
}

export interface EdgeShape {
  source: string;
  target: string;
  /** `STOP`, `done planner`, `error recorder`, `after unitDelay`, then `[guard]` when there is one. */
  label: string;
}

const nameOf = (node: AnyStateNode) => node.path.join("_");

/** `xstate.done.actor.planner` → `done planner`; `xstate.after.unitDelay.orchestrator.sleeping` → `after unitDelay`. */
/** A state node's transitions by event type, eventless (`always`) ones under the type "". */
export function transitionsOfNode(node: AnyStateNode): [string, AnyStateNode["transitions"] extends Map<string, infer T> ? T : never][] {
  const always = (node as { always?: unknown[] }).always ?? [];
  return [...node.transitions, ...(always.length ? [["", always] as never] : [])];
}

/** A readable event label: `done planner`, `after unitDelay`, `always` for eventless transitions. */
export function eventLabel(type: string): string {
  if (type === "") return "always";
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return `after ${after[1]}`;
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  return actor ? `${actor[1]} ${actor[2]}` : type;
}

function guardName(guard: unknown): string | null {
  if (!guard) return null;
  if (typeof guard === "string") return guard;
  if (typeof guard === "object" && "type" in guard) return String(guard.type);
  return typeof guard === "function" && guard.name ? guard.name : "guard";
}

function stateOf(node: AnyStateNode): StateShape {
  const children = Object.values(node.states).map((child) => stateOf(child as AnyStateNode));
  const initial = node.initial?.target?.[0];
  return {
    name: nameOf(node),
    key: node.key,
    final: node.type === "final",
    initial: initial ? nameOf(initial) : null,
    invokes: node.invoke.map((i) => i.id),
    tags: [...node.tags],
    children,
  };
}

/** The machine's states (below the root) and every transition, guarded branches included, in definition order. */
export function shapeOf(machine: AnyStateMachine): { id: string; initial: string | null; states: StateShape[]; edges: EdgeShape[] } {
  const edges: EdgeShape[] = [];
  const visit = (node: AnyStateNode) => {
    for (const [event, definitions] of transitionsOfNode(node)) {
      for (const definition of definitions) {
        const guard = guardName(definition.guard);
        const label = `${eventLabel(event)}${guard ? ` [${guard}]` : ""}`;
        for (const target of definition.target?.length ? definition.target : [node]) edges.push({ source: nameOf(node), target: nameOf(target), label });
      }
    }
    for (const child of Object.values(node.states)) visit(child as AnyStateNode);
  };
  for (const child of Object.values(machine.root.states)) visit(child as AnyStateNode);
  const root = stateOf(machine.root);
  return { id: machine.id, initial: root.initial, states: root.children, edges };
}
