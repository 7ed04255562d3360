// `seqorch plan`: what a run would do, without running anything.
import { statSync } from "node:fs";
import { defineCommand } from "citty";
import { writeOut } from "./stdout-write.ts";
import { readPlan, type PlanView } from "../actors/plan-reader.ts";
import type { SpecLocation } from "../spec/locate.ts";
import { UsageError } from "../errors.ts";
import { rejectUnknown } from "./flag-checks.ts";
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

/**
 * The fields of a unit in `plan --json`, in this order (the README's plan section names them). As JSON.stringify's
 * list of keys it applies at every level: each sub-task (a Task) is written with the ones it has, id, key, title
 * and line, and a unit is written as it is, without a copy.
 */
const UNIT_FIELDS = ["id", "key", "title", "kind", "line", "dependsOn", "subtasks"];

/** Size of the buffer the JSON is encoded into and written from (the whole document is never one string). */
const CHUNK_BYTES = 64 * 1024;

/**
 * Prints the --json document: the text JSON.stringify makes of {spec, tasksFile, units, done, optional, ignored,
 * warnings, waves, totalUnits}, one line, encoded unit by unit into one buffer that is written each time it is
 * about full (10,000 tasks make about 1.2 MB). Resolves once stdout has taken every piece (the command's exit
 * would cut a pipe's pending output short).
 */
async function printJson(spec: SpecLocation, view: PlanView, done: string[]): Promise<void> {
  const { plan } = view;
  const head = JSON.stringify({ spec: spec.specDir, tasksFile: spec.tasksFile });
  const tail = JSON.stringify({ done, optional: plan.optional, ignored: plan.ignored, warnings: plan.warnings, waves: plan.waves, totalUnits: view.counted.length });
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  /** Adds `text` to the buffer, writing the buffer out first when `text` might not fit (a UTF-16 unit is at most 3 UTF-8 bytes). */
  const put = async (text: string): Promise<void> => {
    if (used + text.length * 3 + 1 > CHUNK_BYTES) {
      if (used > 0) await writeOut(buffer.subarray(0, used));
      used = 0;
      if (text.length * 3 + 1 > CHUNK_BYTES) return writeOut(text);
    }
    used += buffer.write(text, used);
  };
  await put(`${head.slice(0, -1)},"units":[`);
  for (let i = 0; i < view.pending.length; i++) {
    if (i > 0) buffer[used++] = 0x2c; // ",": put leaves a byte free after each piece
    await put(JSON.stringify(view.pending[i], UNIT_FIELDS));
  }
  await put(`],${tail.slice(1)}\n`);
  if (used > 0) await writeOut(buffer.subarray(0, used));
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
    if (args.json) await printJson(spec, view, done);
    else printText(spec, view, done);
    return 0;
  },
});
