// `seqorch graph`: print the run machine and the unit machine as Mermaid, Graphviz DOT, or JSON definitions.
import { defineCommand } from "citty";
import type { AnyStateMachine } from "xstate";
import { orchestratorMachine } from "../../machines/orchestrator.ts";
import { unitMachine } from "../../machines/unit.ts";
import { parallelMachine } from "../../machines/parallel.ts";
import { UsageError } from "../errors.ts";
import { toDot } from "../graph/dot.ts";
import { toJson } from "../graph/json.ts";
import { toMermaid } from "../graph/mermaid.ts";
import { rejectUnknown } from "./run-options.ts";

const RENDERERS: Record<string, (machine: AnyStateMachine) => string> = { mermaid: toMermaid, dot: toDot, json: toJson };

/** The machines seqorch runs: the run, and each unit's review loop (invoked by the run as its child). */
const MACHINES: Record<string, AnyStateMachine[]> = { run: [orchestratorMachine], unit: [unitMachine], parallel: [parallelMachine], both: [orchestratorMachine, unitMachine] };

const graphArgs = {
  machine: { type: "string", description: "run, unit (one unit's life: implement, verify, commit, review, fix; a child of the run), parallel (--parallel N: N unit machines and the merge queue) or both (run and unit); default both", valueHint: "NAME" },
  format: { type: "string", description: "mermaid (stateDiagram-v2), dot (Graphviz) or json (for Stately Studio); default mermaid", valueHint: "FORMAT" },
} as const;

export const graphCommand = defineCommand({
  meta: { name: "graph", description: "Print seqorch's state machines, the run and the unit's review loop (Mermaid, Graphviz DOT or JSON)" },
  args: graphArgs,
  run({ args }) {
    rejectUnknown(args as Record<string, unknown>, graphArgs);
    const format = args.format ?? "mermaid";
    const render = RENDERERS[format];
    if (!render) throw new UsageError("--format", `must be one of ${Object.keys(RENDERERS).join(", ")} (got ${JSON.stringify(format)})`);
    const machines = MACHINES[args.machine ?? "both"];
    if (!machines) throw new UsageError("--machine", `must be one of ${Object.keys(MACHINES).join(", ")} (got ${JSON.stringify(args.machine)})`);
    // JSON: one definition, or an array of both; Mermaid and DOT: one diagram after the other.
    if (format === "json" && machines.length > 1) console.log(`[${machines.map((m) => render(m)).join(",\n")}]`);
    else console.log(machines.map((m) => render(m)).join("\n"));
    return 0;
  },
});
