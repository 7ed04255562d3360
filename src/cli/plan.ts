// `seqorch plan`: what a run would do, without running anything.
import { statSync } from "node:fs";
import { defineCommand } from "citty";
import { readPlan, type PlanView } from "../actors/plan-reader.ts";
import type { SpecLocation } from "../spec/locate.ts";
import { UsageError } from "../errors.ts";
import { rejectUnknown } from "./flag-checks.ts";
import { printPlanJson } from "./plan-json.ts";
import { specFromArgs } from "./spec-args.ts";

const planArgs = {
  spec: { type: "string", description: "Spec folder (the one holding tasks.md)", valueHint: "DIR", required: false },
  json: { type: "boolean", description: "Print one JSON object", default: false },
  "include-optional": { type: "boolean", description: "Plan optional tasks too", default: false },
  granularity: { type: "string", description: "unit (default) or leaf: one unit per leaf sub-task", valueHint: "unit|leaf" },
  "state-file": { type: "string", description: "State file whose completed units are left out (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
} as const;

/** True when nothing is at `path` (ENOENT); any other failure to look is loadState's to report, naming the file. */
function absent(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) === undefined;
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code === "string") return false;
    throw error;
  }
}

/**
 * Keys the state file records done ([] without a state file). The state module, whose schemas are built when it
 * loads (about 2 ms of start-up), is loaded only when there is a file to validate.
 */
async function completedKeys(stateFile: string): Promise<string[]> {
  if (absent(stateFile)) return [];
  const { loadState } = await import("../store/state.ts");
  return loadState(stateFile)?.completed ?? [];
}

/** Prints the plan for a person: one line per unit (sub-tasks under it), then what is done, skipped, ignored. */
function printText(spec: SpecLocation, view: PlanView, done: string[]): void {
  const { plan } = view;
  const units = view.pending;
  const out: string[] = [`Spec ${spec.specDir}: ${units.length} unit(s) to run, ${view.counted.length - units.length} done`];
  units.forEach((u, i) => {
    const deps = u.dependsOn.length ? `  (after ${u.dependsOn.join(", ")})` : "";
    // The key (`6#2` for a second task numbered 6), as in --json and the state file, so each line names one unit.
    out.push(`  ${String(i + 1).padStart(3)}. ${u.key} ${u.title}${deps}`);
    for (const t of u.subtasks) out.push(`         ${t.key} ${t.title}`);
  });
  if (done.length) out.push(`Done: ${done.join(", ")}`);
  if (plan.optional.length) out.push(`Optional, skipped (--include-optional to run them): ${plan.optional.join(", ")}`);
  if (plan.ignored.length) {
    out.push("Ignored lines:");
    for (const l of plan.ignored) out.push(`  tasks.md:${l.line}: ${l.reason}: ${l.text.trim()}`);
  }
  if (plan.waves.length) out.push(`Waves (shown, not used to reorder): ${plan.waves.map((w) => `${w.id}: ${w.tasks.join(" ")}`).join(" | ")}`);
  for (const w of plan.warnings) out.push(`Warning: ${w}`);
  console.log(out.join("\n"));
}

export const planCommand = defineCommand({
  meta: { name: "plan", description: "Show the dispatch units a run would execute, in order" },
  args: planArgs,
  async run({ args }) {
    rejectUnknown(args as Record<string, unknown>, planArgs);
    const { spec, stateFile } = specFromArgs(args);
    const completed = await completedKeys(stateFile);
    const granularity = args.granularity ?? "unit";
    if (granularity !== "unit" && granularity !== "leaf") throw new UsageError("--granularity", `must be unit or leaf (got ${JSON.stringify(granularity)})`);
    const view = readPlan(spec.tasksFile, { includeOptional: args["include-optional"], granularity }, completed);
    const done = [...new Set([...view.plan.done, ...completed])];
    if (args.json) await printPlanJson(spec, view, done);
    else printText(spec, view, done);
    return 0;
  },
});
