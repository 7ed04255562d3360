// `seqorch plan`: what a run would do, without running anything.
import { readFileSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import { writeOut } from "./stdout-write.ts";
import { JIT_POLICY } from "../build-info.ts";
import { readPlan, type PlanView } from "../actors/plan-reader.ts";
import { planFast, type JsonUnit } from "../spec/fast-plan.ts";
import type { SpecLocation } from "../spec/locate.ts";
import { decodeTasks } from "../spec/read.ts";
import type { DispatchUnit, Plan } from "../spec/types.ts";
import { SpecParseError, UsageError } from "../errors.ts";
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

/** A unit as `plan` prints it: a DispatchUnit of the full plan, or a JsonUnit of the fast one. */
type PrintedUnit = { key: string; title: string; dependsOn: readonly string[]; subtasks: readonly { key: string; title: string }[] };

/** What `plan` prints, made by the full plan (readPlan) or the fast one (planFast). */
interface PlanOutput<U extends PrintedUnit> {
  /** Units to run (not done, not recorded done, not skipped as optional), file order. */
  pending: readonly U[];
  /** Units that count for "N of M" (optional ones only when included). */
  totalUnits: number;
  /** Keys of the tasks done in tasks.md (Plan.done), and of the optional ones skipped (Plan.optional). */
  done: string[];
  optional: string[];
  ignored: Plan["ignored"];
  warnings: string[];
  waves: Plan["waves"];
  /** One unit as `--json` prints it (the fields of UNIT_FIELDS, in that order). */
  unitJson: (unit: U) => string;
}

/** The output of the full plan (readPlan's view). */
function fullOutput(view: PlanView): PlanOutput<DispatchUnit> {
  const { plan } = view;
  return {
    pending: view.pending,
    totalUnits: view.counted.length,
    done: plan.done,
    optional: plan.optional,
    ignored: plan.ignored,
    warnings: plan.warnings,
    waves: plan.waves,
    unitJson: (unit) => JSON.stringify(unit, UNIT_FIELDS),
  };
}

/**
 * Runs `work` with JavaScriptCore's usual JIT policy, then puts the build's back. For one hot loop over a large
 * file (planFast over 10,000 tasks: about 4 ms of 23 faster, for about 6 MB of peak memory); a small file runs
 * too few iterations for any tier-up, so it costs nothing there. Without Bun.unsafe.setJITPolicy (an older Bun
 * running the bundle), `work` just runs.
 */
function withJit<T>(work: () => T): T {
  const setPolicy = typeof Bun !== "undefined" ? Bun.unsafe?.setJITPolicy : undefined;
  if (typeof setPolicy !== "function") return work();
  setPolicy(1);
  try {
    return work();
  } finally {
    setPolicy(JIT_POLICY);
  }
}

/**
 * The output of planFast for tasks.md (unit granularity), or null when the file is not in its shapes or cannot be
 * read or decoded: readPlan then reads it again, and reports what is wrong as it always does.
 */
function fastOutput(tasksFile: string, includeOptional: boolean, completed: readonly string[]): PlanOutput<JsonUnit> | null {
  let text: string;
  try {
    text = decodeTasks(readFileSync(tasksFile), tasksFile);
  } catch (error) {
    if (error instanceof SpecParseError || typeof (error as NodeJS.ErrnoException).code === "string") return null;
    throw error;
  }
  const fast = withJit(() => planFast(text, includeOptional));
  if (!fast) return null;
  const recorded = new Set(completed);
  const counted = (i: number): boolean => !fast.unitOptional[i] || includeOptional;
  return {
    pending: fast.units.filter((u, i) => counted(i) && !fast.unitDone[i] && !recorded.has(u.key)),
    totalUnits: fast.units.filter((_, i) => counted(i)).length,
    done: fast.done,
    optional: fast.optional,
    ignored: [],
    warnings: [],
    waves: [],
    unitJson: (unit) => JSON.stringify(unit),
  };
}

/** Size of the buffer the JSON is encoded into and written from (the whole document is never one string). */
const CHUNK_BYTES = 64 * 1024;

/**
 * Prints the --json document: the text JSON.stringify makes of {spec, tasksFile, units, done, optional, ignored,
 * warnings, waves, totalUnits}, one line, encoded unit by unit into one buffer that is written each time it is
 * about full (10,000 tasks make about 1.2 MB). Resolves once stdout has taken every piece (the command's exit
 * would cut a pipe's pending output short).
 */
async function printJson<U extends PrintedUnit>(spec: SpecLocation, out: PlanOutput<U>, done: string[]): Promise<void> {
  const head = JSON.stringify({ spec: spec.specDir, tasksFile: spec.tasksFile });
  const tail = JSON.stringify({ done, optional: out.optional, ignored: out.ignored, warnings: out.warnings, waves: out.waves, totalUnits: out.totalUnits });
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  /**
   * Adds `text` to the buffer; null when it fits (most pieces: no promise made), else the write that empties the
   * buffer first and then takes `text` (a UTF-16 unit is at most 3 UTF-8 bytes).
   */
  const put = (text: string): Promise<void> | null => {
    if (used + text.length * 3 + 1 <= CHUNK_BYTES) {
      used += buffer.write(text, used);
      return null;
    }
    return flushThenPut(text);
  };
  const flushThenPut = async (text: string): Promise<void> => {
    if (used > 0) await writeOut(buffer.subarray(0, used));
    used = 0;
    if (text.length * 3 + 1 > CHUNK_BYTES) return writeOut(text);
    used += buffer.write(text, used);
  };
  await put(`${head.slice(0, -1)},"units":[`);
  for (let i = 0; i < out.pending.length; i++) {
    if (i > 0) buffer[used++] = 0x2c; // ",": put leaves a byte free after each piece
    const writing = put(out.unitJson(out.pending[i]!));
    if (writing) await writing;
  }
  await put(`],${tail.slice(1)}\n`);
  if (used > 0) await writeOut(buffer.subarray(0, used));
}

/** Prints the plan for a person: one line per unit (sub-tasks under it), then what is done, skipped, ignored. */
function printText<U extends PrintedUnit>(spec: SpecLocation, out: PlanOutput<U>, done: string[]): void {
  const units = out.pending;
  const lines: string[] = [`Spec ${spec.specDir}: ${units.length} unit(s) to run, ${out.totalUnits - units.length} done`];
  units.forEach((u, i) => {
    const deps = u.dependsOn.length ? `  (after ${u.dependsOn.join(", ")})` : "";
    // The key (`6#2` for a second task numbered 6), as in --json and the state file, so each line names one unit.
    lines.push(`  ${String(i + 1).padStart(3)}. ${u.key} ${u.title}${deps}`);
    for (const t of u.subtasks) lines.push(`         ${t.key} ${t.title}`);
  });
  if (done.length) lines.push(`Done: ${done.join(", ")}`);
  if (out.optional.length) lines.push(`Optional, skipped (--include-optional to run them): ${out.optional.join(", ")}`);
  if (out.ignored.length) {
    lines.push("Ignored lines:");
    for (const l of out.ignored) lines.push(`  tasks.md:${l.line}: ${l.reason}: ${l.text.trim()}`);
  }
  if (out.waves.length) lines.push(`Waves (shown, not used to reorder): ${out.waves.map((w) => `${w.id}: ${w.tasks.join(" ")}`).join(" | ")}`);
  for (const w of out.warnings) lines.push(`Warning: ${w}`);
  console.log(lines.join("\n"));
}

/** Prints `out` as --json or as text; the done keys are the plan's and the state file's. */
async function print<U extends PrintedUnit>(spec: SpecLocation, out: PlanOutput<U>, completed: readonly string[], json: boolean): Promise<void> {
  const done = [...new Set([...out.done, ...completed])];
  if (json) await printJson(spec, out, done);
  else printText(spec, out, done);
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
    const includeOptional = args["include-optional"];
    // Most files are in the shapes planFast reads; it makes the same plan without a whole parse.
    const fast = granularity === "unit" ? fastOutput(spec.tasksFile, includeOptional, completed) : null;
    if (fast) await print(spec, fast, completed, args.json);
    else await print(spec, fullOutput(readPlan(spec.tasksFile, { includeOptional, granularity }, completed)), completed, args.json);
    return 0;
  },
});
