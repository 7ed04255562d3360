// `seqorch status`: the recorded state of a spec's runs: done, current, failed attempts, halt, timings;
// `--watch` follows a run from another terminal.
import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { readPlan } from "../actors/plan-reader.ts";
import type { SpecLocation } from "../spec/locate.ts";
import { emptyState, loadState } from "../store/state.ts";
import { decideCommand, openDecisions } from "../store/pipeline.ts";
import { formatTotal } from "../usage/record.ts";
import { runUsage, usageByUnit } from "../usage/totals.ts";
import { rejectUnknown } from "./run-options.ts";
import { specFromArgs } from "./spec-args.ts";
import { sleepUnlessStopped, stopSignal } from "./stop-signal.ts";

const statusArgs = {
  spec: { type: "string", description: "Spec folder", valueHint: "DIR", required: false },
  json: { type: "boolean", description: "Print one JSON object (with --watch: one per change)" },
  watch: { type: "boolean", description: "Follow the run: print again whenever the state changes, until Ctrl-C" },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
} as const;

/** What `status --json` prints. */
function summaryOf(spec: SpecLocation, stateFile: string) {
  const state = loadState(stateFile) ?? emptyState(spec.specDir);
  const view = readPlan(spec.tasksFile, {}, state.completed);
  const attempts = Object.entries(state.attempts).flatMap(([unit, records]) => records.map((r) => ({ unit, ...r })));
  const failed = attempts.filter((a) => a.status === "failed" || a.status === "timeout" || a.status === "interrupted" || a.status === "over-budget");
  return {
    stateFile,
    exists: existsSync(stateFile),
    total: view.counted.length,
    completed: state.completed,
    pending: view.pending.map((u) => u.key),
    current: state.current,
    /** Every attempt recorded running (several with --parallel; `current` is the latest started). */
    running: attempts.filter((a) => a.status === "running").map((a) => ({ unit: a.unit, attempt: a.n, started_at: a.started_at, log: a.log })),
    /** Unit worktrees not yet merged or removed (--parallel): where, which branch, their state. */
    worktrees: Object.entries(state.worktrees ?? {})
      .filter(([, w]) => w.status !== "merged" && w.status !== "removed")
      .map(([unit, w]) => ({ unit, path: w.path, branch: w.branch, status: w.status, note: w.note })),
    waiting: state.waiting,
    halted: state.halted,
    halted_task: state.halted_task,
    halted_reason: state.halted_reason,
    halted_at: state.halted_at,
    started_at: state.started_at,
    completed_at: state.completed_at,
    updated_at: state.updated_at,
    iteration: state.iteration,
    failedAttempts: failed.map((a) => ({ unit: a.unit, attempt: a.n, status: a.status, reason: a.reason, log: a.log })),
    /** The multi-agent loop: each unit's status (the reference's names), open decisions, debt. */
    units: Object.fromEntries(view.counted.map((u) => [u.key, state.pipeline[u.key]?.status ?? (state.completed.includes(u.key) ? "completed" : "not_started")])),
    decisions: openDecisions(state.decisions).map((d) => ({ id: d.id, unit: d.unit, kind: d.kind, question: d.question, command: decideCommand(spec.specDir, d.unit) })),
    debt: state.debt.length,
    /** Attempts that ran on a fallback backend (--fallback-backend): which backend, instead of which, and why. */
    fallbacks: attempts.filter((a) => a.fallback_from).map((a) => ({ unit: a.unit, attempt: a.n, backend: a.backend, from: a.fallback_from, reason: a.fallback_reason ?? null, status: a.status })),
    /** Tokens and cost over every recorded attempt, and per unit (src/usage/record.ts UsageTotal). */
    usage: { total: runUsage(state), units: usageByUnit(state) },
    durationsMs: Object.fromEntries(Object.entries(state.attempts).map(([unit, records]) => [unit, records.reduce((sum, r) => sum + (r.duration_ms ?? 0), 0)])),
  };
}

/** The text form. */
function linesOf(spec: SpecLocation, s: ReturnType<typeof summaryOf>): string[] {
  const lines = [
    `Spec ${spec.specDir}`,
    `  done: ${s.total - s.pending.length} of ${s.total} units; ${s.iteration} iteration(s) recorded`,
    `  started: ${s.started_at ?? "never"}${s.completed_at ? `, completed: ${s.completed_at}` : ""}`,
  ];
  const spent = formatTotal(s.usage.total);
  if (spent) {
    const units = Object.entries(s.usage.units).map(([unit, u]) => `${unit}: ${formatTotal(u)}`);
    lines.push(`  used: ${spent}${units.length > 1 ? ` (${units.slice(0, 8).join("; ")}${units.length > 8 ? "; …" : ""})` : ""}`);
  }
  for (const r of s.running) lines.push(`  running: unit ${r.unit}, attempt ${r.attempt}, since ${r.started_at}`);
  for (const w of s.worktrees) lines.push(`  worktree of unit ${w.unit} (${w.status}): ${w.path} on ${w.branch}${w.note ? `: ${w.note}` : ""}`);
  if (s.waiting) lines.push(`  waiting for a rate limit on unit ${s.waiting.unit} until ${s.waiting.until}: ${s.waiting.reason}`);
  if (s.halted) lines.push(`  HALTED (${s.halted_reason}) at unit ${s.halted_task} on ${s.halted_at}`);
  const next = s.pending.filter((key) => !s.running.some((r) => r.unit === key));
  if (next.length) lines.push(`  next: ${next.slice(0, 5).join(", ")}${next.length > 5 ? ", …" : ""}`);
  const looped = Object.entries(s.units).filter(([, status]) => status !== "not_started" && status !== "completed");
  if (looped.length) lines.push(`  in the loop: ${looped.map(([key, status]) => `${key} ${status}`).join(", ")}`);
  for (const d of s.decisions) lines.push(`  DECISION ${d.id} (unit ${d.unit}, ${d.kind}): ${d.question.split("\n")[0]}\n    answer: ${d.command}`);
  if (s.debt) lines.push(`  debt: ${s.debt} minor/accepted finding(s) (PROJECT_PULSE.md lists them)`);
  for (const f of s.fallbacks) lines.push(`  unit ${f.unit} attempt ${f.attempt} ran on ${f.backend} instead of ${f.from} (${f.status}): ${f.reason ?? "rate-limited"}`);
  for (const a of s.failedAttempts) lines.push(`  unit ${a.unit} attempt ${a.attempt} ${a.status}: ${a.reason ?? ""} (log ${a.log})`);
  return lines;
}

export const statusCommand = defineCommand({
  meta: { name: "status", description: "Show what the state file records about a spec's runs (--watch: follow it)" },
  args: statusArgs,
  async run({ args }) {
    rejectUnknown(args as Record<string, unknown>, statusArgs);
    const { spec, stateFile } = specFromArgs(args);
    const print = () => {
      const summary = summaryOf(spec, stateFile);
      if (args.json) console.log(JSON.stringify(summary));
      else console.log(linesOf(spec, summary).join("\n"));
      return summary;
    };
    if (!args.watch) {
      print();
      return 0;
    }
    const stop = stopSignal();
    let last = "";
    while (!stop.aborted) {
      const key = JSON.stringify(summaryOf(spec, stateFile));
      if (key !== last) {
        last = key;
        if (process.stdout.isTTY && !args.json) process.stdout.write("\x1b[H\x1b[2J");
        print();
      }
      await sleepUnlessStopped(1_000);
    }
    return 0;
  },
});
