// What a person watching a run wants to know, folded from run events: the unit, its attempt, the times, the
// estimate, the next unit, where to attach, and one result row per unit. Pure data; the displays render it.
import type { RunEvent } from "../actors/run-context.ts";
import { addUsage, emptyTotal, type UsageTotal } from "../usage/record.ts";
import { foldLaneEvent, type Lane } from "./run-lanes.ts";

/** One unit's result in this run. Durations in ms. */
export interface UnitRow {
  id: string;
  title: string;
  attempts: number;
  failed: number;
  result: string;
  durationMs: number;
  /** Tokens reported by the backend, summed over attempts; null when it reports none. */
  tokens: number | null;
  /** Tokens and cost of this run's attempts of the unit (src/usage/record.ts). */
  usage: UsageTotal;
}

/** The folded view of a run so far. Times are epoch ms. */
export interface RunView {
  specName: string;
  startedAt: number;
  attach: string | null;
  unit: { id: string; title: string; position: number; total: number; nextId: string | null; startedAt: number | null } | null;
  attempt: { n: number; max: number; backend: string; windowId: string | null; log: string } | null;
  sleepingUntil: number | null;
  waitingUntil: number | null;
  rows: UnitRow[];
  /** The multi-agent loop's step of the current unit (`review: round 0: fix …`), or null. */
  step: string | null;
  /** Usage of every attempt of this run. */
  usage: UsageTotal;
  /** The units in flight of a parallel run (--parallel), in task-ID order; empty in a sequential run (src/cli/run-lanes.ts). */
  lanes: Lane[];
}

/** A new, empty view. */
export function emptyView(now: number): RunView {
  return { specName: "", startedAt: now, attach: null, unit: null, attempt: null, sleepingUntil: null, waitingUntil: null, rows: [], step: null, usage: emptyTotal(), lanes: [] };
}

function rowOf(view: RunView, id: string): UnitRow {
  let row = view.rows.find((r) => r.id === id);
  if (!row) {
    const title = view.unit?.id === id ? view.unit.title : (view.lanes.find((l) => l.id === id)?.title ?? "");
    row = { id, title, attempts: 0, failed: 0, result: "", durationMs: 0, tokens: null, usage: emptyTotal() };
    view.rows.push(row);
  }
  return row;
}

/** The result (and title, when not empty) of a parallel unit's row: `queued`, `merged`, `sent back`, `decision`. */
function setResult(view: RunView, id: string, result: string, title: string): void {
  const row = rowOf(view, id);
  row.result = result;
  if (title) row.title = title;
}

/** Fold one event into the view (mutates and returns it). */
export function foldEvent(view: RunView, event: RunEvent, now: number): RunView {
  const toRow = (id: string, result: string, title: string) => setResult(view, id, result, title);
  if (event.type !== "attempt-finished" && foldLaneEvent(view, event, now, toRow)) return view;
  switch (event.type) {
    case "run-started":
      view.specName = event.specName;
      view.attach = event.attach;
      break;
    case "unit-step":
      view.step = `${event.step}: ${event.detail.split(";")[0]}`;
      if (event.step === "review") view.attempt = null;
      break;
    case "unit-next":
      view.step = null;
      view.unit = { id: event.unitId, title: event.title, position: event.position, total: event.total, nextId: event.nextId, startedAt: null };
      view.sleepingUntil = null;
      break;
    case "unit-started":
      if (view.unit) view.unit.startedAt ??= now;
      view.attempt = { n: event.attempt, max: event.maxAttempts, backend: event.backend, windowId: event.windowId, log: event.log };
      view.waitingUntil = null;
      break;
    case "attempt-finished": {
      const row = rowOf(view, event.unitId);
      if (event.status !== "rate-limited") row.attempts += 1;
      if (event.status === "failed" || event.status === "timeout" || event.status === "interrupted" || event.status === "over-budget") row.failed += 1;
      row.durationMs += event.durationMs;
      if (event.tokens !== null) row.tokens = (row.tokens ?? 0) + event.tokens;
      row.usage = addUsage(row.usage, event.usage);
      view.usage = addUsage(view.usage, event.usage);
      row.result = event.status;
      // A parallel unit's row then says `queued` (done, in the merge queue) or stays `done` (it ran in place).
      if (!foldLaneEvent(view, event, now, toRow)) view.attempt = null;
      break;
    }
    case "sleeping":
      view.sleepingUntil = event.untilMs;
      break;
    case "rate-limited":
      view.waitingUntil = event.untilMs;
      break;
    default:
      break;
  }
  return view;
}

/** Estimated ms left: the mean time of the units done in this run times the units still to run. */
export function estimateLeftMs(view: RunView): number | null {
  const done = view.rows.filter((r) => r.result === "done");
  if (!view.unit || done.length === 0) return null;
  const mean = (Date.now() - view.startedAt) / done.length;
  return Math.max(0, mean * (view.unit.total - view.unit.position + 1));
}

/** `1h 02m`, `3m 05s`, `12.3 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, "0")}m` : `${m}m ${String(s % 60).padStart(2, "0")}s`;
}
