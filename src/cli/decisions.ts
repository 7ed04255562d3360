// `seqorch decisions` lists the decisions waiting for a human; `seqorch decide UNIT ACTION` answers one.
import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writePulse } from "../store/pulse.ts";
import { readPlan } from "../actors/plan-reader.ts";
import { endMarks } from "../actors/marks.ts";
import { UsageError } from "../errors.ts";
import { log } from "../log.ts";
import { writeMarks } from "../spec/writeback.ts";
import { applyDecision } from "../store/decide.ts";
import { acquireLock } from "../store/lock.ts";
import { DECISION_ACTIONS, decideCommand, openDecisions, type DecisionAction } from "../store/pipeline.ts";
import { appendProgressNote } from "../store/progress.ts";
import { createStateStore, emptyState, loadState } from "../store/state.ts";
import { formatTotal } from "../usage/record.ts";
import { rejectUnknown } from "./run-options.ts";
import { specFromArgs } from "./spec-args.ts";

const common = {
  spec: { type: "string", description: "Spec folder", valueHint: "DIR", required: false },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
} as const;

const decisionsArgs = { ...common, json: { type: "boolean", description: "Print the open decisions as one JSON array" } } as const;

export const decisionsCommand = defineCommand({
  meta: { name: "decisions", description: "List the decisions waiting for a human, each with the command that answers it" },
  args: decisionsArgs,
  run({ args }) {
    rejectUnknown(args as Record<string, unknown>, decisionsArgs);
    const { spec, stateFile } = specFromArgs(args);
    const state = loadState(stateFile) ?? emptyState(spec.specDir);
    const units = readPlan(spec.tasksFile, {}, []).plan.units;
    const idOf = (key: string) => units.find((u) => u.key === key)?.id ?? key;
    const open = openDecisions(state.decisions).map((d) => ({ ...d, unit_id: idOf(d.unit), command: decideCommand(spec.specDir, idOf(d.unit)) }));
    if (args.json) {
      process.stdout.write(`${JSON.stringify(open)}\n`);
      return 0;
    }
    if (open.length === 0) log.log("No decision is waiting.");
    for (const d of open) {
      log.log(`${d.id}  unit ${d.unit_id}  ${d.kind}  (since ${d.created_at})\n  ${d.question.split("\n")[0]}`);
      for (const f of d.findings) log.log(`  - [${f.id}] ${f.severity}${f.file ? ` ${f.file}${f.line !== null ? `:${f.line}` : ""}` : ""}: ${f.title}`);
      if (d.spent) log.log(`  spent: this run ${formatTotal(d.spent.run)}; unit ${d.unit_id} ${formatTotal(d.spent.unit)}`);
      for (const l of d.logs) log.log(`  log: ${l}`);
      log.log(`  answer: ${d.command}`);
    }
    return 0;
  },
});

const decideArgs = {
  ...common,
  unit: { type: "positional", description: "The unit (its task id, e.g. 2 or 3.1)", required: false },
  action: { type: "positional", description: `What to do: ${DECISION_ACTIONS.join(", ")}`, required: false },
  note: { type: "string", description: "Guidance from a human, put in the unit's next prompt (with retry or fixed)", valueHint: "TEXT" },
  "unblock-dependents": { type: "boolean", description: "With skip: the units that depend on this one may run" },
} as const;

export const decideCmd = defineCommand({
  meta: { name: "decide", description: "Answer a unit's decision: accept, fixed, retry, skip or abort; the next run or orchestrate carries on" },
  args: decideArgs,
  async run({ args }) {
    const { _: positional = [], ...flags } = args as Record<string, unknown> & { _?: string[] };
    rejectUnknown({ ...flags, _: positional.slice(2) }, decideArgs);
    const [unitId, action] = positional;
    if (!unitId) throw new UsageError("UNIT", "name the unit whose decision you answer (seqorch decisions lists them)");
    if (!action || !(DECISION_ACTIONS as readonly string[]).includes(action)) throw new UsageError("ACTION", `must be one of ${DECISION_ACTIONS.join(", ")} (got ${JSON.stringify(action ?? null)})`);
    const { spec, stateFile } = specFromArgs(args);
    const units = readPlan(spec.tasksFile, {}, []).plan.units;
    const unit = units.find((u) => u.id === unitId || u.key === unitId);
    if (!unit) throw new UsageError("UNIT", `no unit ${JSON.stringify(unitId)} in ${spec.tasksFile}`);
    const loaded = loadState(stateFile);
    if (!loaded) throw new UsageError("--spec", `${stateFile} does not exist: nothing has run, so no decision is waiting`);
    const lock = acquireLock(`${stateFile}.lock`);
    try {
      const store = createStateStore(stateFile, loaded);
      let tick = false;
      let summary = "";
      store.update((state) => {
        const keys = [unit.key, ...unit.subtasks.map((t) => t.key)];
        const result = applyDecision(state, unit.key, keys, action as DecisionAction, typeof flags.note === "string" ? flags.note : null, { unblockDependents: flags["unblock-dependents"] === true });
        tick = result.tick;
        summary = result.summary;
      });
      if (tick) await writeMarks(spec.tasksFile, endMarks(unit, true));
      const pulseFile = join(spec.specDir, "PROJECT_PULSE.md");
      if (existsSync(pulseFile)) {
        const counted = readPlan(spec.tasksFile, {}, store.get().completed).counted;
        writePulse(pulseFile, { specName: spec.name, specDir: spec.specDir, state: store.get(), units: counted.map((u) => ({ key: u.key, id: u.id, title: u.title, dependsOn: u.dependsOn })), running: {}, now: Date.now() });
      }
      appendProgressNote(join(spec.specDir, "SEQUENTIAL_PROGRESS.md"), `Decision answered: unit ${unit.id} ${action} (${new Date().toISOString()})`, [summary, ...(typeof flags.note === "string" ? [`Note: ${flags.note}`] : [])]);
      log.success(`${summary}. Carry on with: seqorch run --spec ${JSON.stringify(spec.specDir)} (or seqorch orchestrate)`);
      return 0;
    } catch (error) {
      if (error instanceof Error && !(error instanceof UsageError) && /no open decision/.test(error.message)) throw new UsageError("UNIT", error.message);
      throw error;
    } finally {
      lock.release();
    }
  },
});
