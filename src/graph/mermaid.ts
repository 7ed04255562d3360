// The machine as a Mermaid `stateDiagram-v2` (GitHub renders it in Markdown).
import type { AnyStateMachine } from "xstate";
import { shapeOf, type StateShape } from "./shape.ts";

/** Mermaid text: `:` and `;` end a label there, so they are replaced. */
const text = (s: string) => s.replace(/[:;]/g, ",");

function declare(state: StateShape, indent: string): string[] {
  const lines: string[] = [];
  const notes = [...(state.invokes.length ? [`invokes ${state.invokes.join(", ")}`] : []), ...(state.tags.length ? [`tags ${state.tags.join(", ")}`] : [])];
  if (state.children.length) {
    lines.push(`${indent}state ${state.name} {`);
    if (state.initial) lines.push(`${indent}  [*] --> ${state.initial}`);
    for (const child of state.children) lines.push(...declare(child, `${indent}  `));
    lines.push(`${indent}}`);
  } else if (state.name !== state.key) {
    lines.push(`${indent}state "${state.key}" as ${state.name}`);
  }
  for (const note of notes) lines.push(`${indent}${state.name} : ${text(note)}`);
  if (state.final) lines.push(`${indent}${state.name} --> [*]`);
  return lines;
}

export function toMermaid(machine: AnyStateMachine): string {
  const { initial, states, edges } = shapeOf(machine);
  return [
    "stateDiagram-v2",
    ...(initial ? [`  [*] --> ${initial}`] : []),
    ...states.flatMap((state) => declare(state, "  ")),
    ...edges.map((e) => `  ${e.source} --> ${e.target} : ${text(e.label)}`),
  ].join("\n");
}
