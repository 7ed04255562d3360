// `seqorch status`: the recorded state of a spec's runs: done, current, failed attempts, halt, timings.
import { defineCommand } from "citty";
import { join } from "node:path";
import { readPlan } from "../actors/plan-reader.ts";
import { locateSpec } from "../spec/locate.ts";
import { emptyState, loadState } from "../store/state.ts";
import { rejectUnknown, requireSpec } from "./run-options.ts";

const statusArgs = {
  spec: { type: "string", description: "Spec folder", valueHint: "DIR", required: false },
  json: { type: "boolean", description: "Print one JSON object", default: false },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
} as const;

export const statusCommand = defineCommand({
  meta: { name: "status", description: "Show what the state file records about a spec's runs" },
  args: statusArgs,
  run({ args }) {
    rejectUnknown(args as Record<string, unknown>, statusArgs);
    const spec = locateSpec(requireSpec(args.spec));
    const stateFile = args["state-file"] ?? join(spec.specDir, "SEQUENTIAL_STATE.json");
    const state = loadState(stateFile) ?? emptyState(spec.specDir);
    const view = readPlan(spec.tasksFile, {}, state.completed);
    const attempts = Object.entries(state.attempts).flatMap(([unit, records]) => records.map((r) => ({ unit, ...r })));
    const failed = attempts.filter((a) => a.status === "failed" || a.status === "interrupted");
    const timings = Object.fromEntries(
      Object.entries(state.attempts).map(([unit, records]) => [unit, records.reduce((sum, r) => sum + (r.duration_ms ?? 0), 0)]),
    );
    const summary = {
      stateFile,
      exists: attempts.length > 0 || state.completed.length > 0,
      completed: state.completed,
      pending: view.pending.map((u) => u.key),
      current: state.current,
      waiting: state.waiting,
      halted: state.halted,
      halted_task: state.halted_task,
      halted_reason: state.halted_reason,
      halted_at: state.halted_at,
      started_at: state.started_at,
      completed_at: state.completed_at,
      iteration: state.iteration,
      failedAttempts: failed.map((a) => ({ unit: a.unit, attempt: a.n, status: a.status, reason: a.reason, log: a.log })),
      durationsMs: timings,
    };
    if (args.json) {
      console.log(JSON.stringify(summary));
      return 0;
    }
    const lines = [
      `Spec ${spec.specDir}`,
      `  done: ${view.counted.length - view.pending.length} of ${view.counted.length} units; ${state.iteration} iteration(s) recorded`,
      `  started: ${state.started_at ?? "never"}${state.completed_at ? `, completed: ${state.completed_at}` : ""}`,
    ];
    if (state.current) lines.push(`  running: unit ${state.current.unit}, attempt ${state.current.attempt}, since ${state.current.started_at}`);
    if (state.waiting) lines.push(`  waiting for a rate limit on unit ${state.waiting.unit} until ${state.waiting.until}: ${state.waiting.reason}`);
    if (state.halted) lines.push(`  HALTED (${state.halted_reason}) at unit ${state.halted_task} on ${state.halted_at}`);
    if (view.pending.length) lines.push(`  next: ${view.pending.slice(0, 5).map((u) => u.id).join(", ")}${view.pending.length > 5 ? ", …" : ""}`);
    for (const a of failed) lines.push(`  unit ${a.unit} attempt ${a.n} ${a.status}: ${a.reason ?? ""} (log ${a.log})`);
    console.log(lines.join("\n"));
    return 0;
  },
});
