// The machine as a Graphviz DOT digraph (`seqorch graph --format dot | dot -Tsvg > machine.svg`).
import type { AnyStateMachine } from "xstate";
import { shapeOf, type StateShape } from "./shape.ts";

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

function declare(state: StateShape, indent: string): string[] {
  const details = [...(state.invokes.length ? [`invoke ${state.invokes.join(", ")}`] : []), ...(state.tags.length ? [`tags: ${state.tags.join(", ")}`] : [])];
  const label = [state.key, ...details].join("\\n");
  const shape = state.final ? "doublecircle" : "box";
  if (!state.children.length) return [`${indent}${quote(state.name)} [label="${label.replace(/"/g, '\\"')}", shape=${shape}];`];
  return [
    `${indent}subgraph ${quote(`cluster_${state.name}`)} {`,
    `${indent}  label=${quote(state.key)};`,
    ...state.children.flatMap((child) => declare(child, `${indent}  `)),
    `${indent}}`,
  ];
}

export function toDot(machine: AnyStateMachine): string {
  const { id, initial, states, edges } = shapeOf(machine);
  return [
    `digraph ${quote(id)} {`,
    "  rankdir=LR;",
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
    '  "__start" [shape=point, label=""];',
    ...(initial ? [`  "__start" -> ${quote(initial)};`] : []),
    ...states.flatMap((state) => declare(state, "  ")),
    ...edges.map((e) => `  ${quote(e.source)} -> ${quote(e.target)} [label=${quote(e.label)}];`),
    "}",
  ].join("\n");
}
