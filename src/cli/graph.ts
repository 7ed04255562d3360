// `seqorch graph`: print the orchestrator machine as Mermaid, Graphviz DOT, or a JSON definition.
import { defineCommand } from "citty";
import type { AnyStateMachine } from "xstate";
import { orchestratorMachine } from "../../machines/orchestrator.ts";
import { UsageError } from "../errors.ts";
import { toDot } from "../graph/dot.ts";
import { toJson } from "../graph/json.ts";
import { toMermaid } from "../graph/mermaid.ts";
import { rejectUnknown } from "./run-options.ts";

const RENDERERS: Record<string, (machine: AnyStateMachine) => string> = { mermaid: toMermaid, dot: toDot, json: toJson };

const graphArgs = {
  format: { type: "string", description: "mermaid (stateDiagram-v2), dot (Graphviz) or json (for Stately Studio); default mermaid", valueHint: "FORMAT" },
} as const;

export const graphCommand = defineCommand({
  meta: { name: "graph", description: "Print the orchestrator's state machine (Mermaid, Graphviz DOT or JSON)" },
  args: graphArgs,
  run({ args }) {
    rejectUnknown(args as Record<string, unknown>, graphArgs);
    const format = args.format ?? "mermaid";
    const render = RENDERERS[format];
    if (!render) throw new UsageError("--format", `must be one of ${Object.keys(RENDERERS).join(", ")} (got ${JSON.stringify(format)})`);
    console.log(render(orchestratorMachine));
    return 0;
  },
});
