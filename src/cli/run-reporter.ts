// How a run is shown: plain log lines (piped, CI), the live display (a terminal), or JSON events (--json);
// and the end-of-run summary with, after a halt, what to do next.
import type { RunEvent } from "../actors/run-context.ts";
import { log, plainOutput } from "../log.ts";
import type { RunResult } from "../run-spec.ts";
import { cutToWidth, displayWidth, padToWidth, printable } from "./display-width.ts";
import { createLiveDisplay } from "./live-display.ts";
import { emptyView, foldEvent, formatDuration, type RunView } from "./run-view.ts";
import { formatTotal, formatUsd, type UsageTotal } from "../usage/record.ts";
import { compareTaskIds } from "../schedule/task-order.ts";

/** A unit's cost in the summary table: `$0.42`, `?` (tokens without a price), `-` (no usage reported). */
const costCell = (u: UsageTotal): string => (u.attempts === 0 ? "-" : u.unpriced > 0 ? (u.unpriced === u.attempts ? "?" : `${formatUsd(u.cost_usd)}+?`) : formatUsd(u.cost_usd));

/** A reporter plus the view it keeps, and a close() for the end of the run. */
export interface RunDisplay {
  report: (event: RunEvent) => void;
  view: RunView;
  close: () => void;
  json: boolean;
}

/**
 * One `--json` line: `{ time, type, unitId, …the event's fields }`. Every event carries `unitId`: the unit's ID
 * (as tasks.md numbers it) on events about one unit, null on events about the run as a whole (run-started,
 * sleeping, spec-changed, run-ended) and on warnings (RunEvent's `warning` has no unit; its message names one).
 */
export function jsonLine(event: RunEvent | ({ type: "run-ended" } & Record<string, unknown>)): string {
  const { type, ...fields } = event;
  const unitId = "unitId" in event && typeof event.unitId === "string" ? event.unitId : null;
  return JSON.stringify({ time: new Date().toISOString(), type, unitId, ...fields });
}

/**
 * Plain lines, one per event worth a line. A parallel unit's attempt has no `Unit n of m` line before it (its
 * lines interleave with the others'): its start names the unit (`view`: the view with the event folded).
 */
function lineFor(event: RunEvent, view: RunView): void {
  switch (event.type) {
    case "run-started":
      if (event.attach) log.info(`Watch the agents: ${event.attach}`);
      break;
    case "unit-next":
      log.start(`Unit ${event.position} of ${event.total}: ${event.unitId} ${event.title}${event.nextId ? ` (next: ${event.nextId})` : ""}`);
      break;
    case "unit-started": {
      const lane = view.lanes.find((l) => l.id === event.unitId);
      const unit = lane ? `unit ${event.unitId}${lane.title ? ` ${lane.title}` : ""}: ` : "";
      log.info(`  ${unit}attempt ${event.attempt} of ${event.maxAttempts} on ${event.backend}, ${event.where}; log ${event.log}`);
      break;
    }
    case "attempt-finished":
      if (event.status === "done") log.success(`  unit ${event.unitId} done in ${formatDuration(event.durationMs)}`);
      else if (event.status === "halt") log.warn(`  unit ${event.unitId}: the agent asked for a human (HALT)`);
      else if (event.status !== "rate-limited") log.warn(`  unit ${event.unitId} attempt ${event.attempt} ${event.status}: ${event.reason}`);
      break;
    case "sleeping":
      log.info(`  next unit in ${Math.round((event.untilMs - Date.now()) / 1000)} s`);
      break;
    case "rate-limited":
      log.warn(`  unit ${event.unitId}: ${event.reason}; waiting until ${new Date(event.untilMs).toISOString()} (not counted as an attempt)`);
      break;
    case "spec-changed":
      log.info(`tasks.md changed: ${event.detail}`);
      break;
    case "fallback":
      log.warn(`  unit ${event.unitId}: ${event.reason}; trying ${event.to} now (not counted as an attempt)`);
      break;
    case "warning":
      log.warn(event.message);
      break;
    case "unit-step":
      (event.ok ? log.info : log.warn)(`  unit ${event.unitId} ${event.step}: ${event.detail}`);
      break;
  }
}

/**
 * The display for a run: `--json` prints one JSON event per line on stdout; a terminal (not CI) gets the live
 * status line; otherwise plain lines. `--quiet` keeps only warnings and the summary.
 */
export function createRunDisplay(flags: { json?: boolean; quiet?: boolean }): RunDisplay {
  const view = emptyView(Date.now());
  if (flags.json) {
    return {
      json: true,
      view,
      close: () => {},
      report: (event) => {
        foldEvent(view, event, Date.now());
        process.stdout.write(`${jsonLine(event)}\n`);
      },
    };
  }
  if (flags.quiet) {
    return { json: false, view, close: () => {}, report: (event) => (foldEvent(view, event, Date.now()), event.type === "warning" && log.warn(event.message)) };
  }
  if (!plainOutput(process.stdout)) {
    const live = createLiveDisplay(process.stdout);
    return { json: false, view: live.view, close: live.close, report: live.report };
  }
  return { json: false, view, close: () => {}, report: (event) => (foldEvent(view, event, Date.now()), lineFor(event, view)) };
}

/**
 * The summary table: one row per unit worked on in this run, in task-ID order (a parallel run finishes them in any
 * order), fitted to `columns` terminal columns when given (the title is cut; widths are display widths, so CJK
 * titles and emoji keep the columns in line). No line ends in padding.
 */
export function summaryTable(view: RunView, columns?: number): string[] {
  if (view.rows.length === 0) return [];
  const idWidth = Math.max(4, ...view.rows.map((r) => displayWidth(r.id)));
  const withTokens = view.rows.some((r) => r.tokens !== null);
  const tokenHead = withTokens ? `    ${"Tokens".padStart(10)}${"Cost".padStart(10)}` : "";
  // Unit, two spaces, Title, then "  Attempts  Failed  Result        Time" (Time up to 8: "59m 59s", "12h 05m").
  const fixed = idWidth + 2 + 2 + 8 + 2 + 6 + 2 + 12 + 2 + 8 + (withTokens ? 20 : 0);
  const longest = Math.max(5, ...view.rows.map((r) => displayWidth(printable(r.title))));
  const titleWidth = Math.max(5, Math.min(48, longest, columns === undefined ? 48 : columns - 1 - fixed));
  const title = (t: string) => padToWidth(cutToWidth(printable(t), titleWidth), titleWidth);
  const lines = [`${padToWidth("Unit", idWidth)}  ${padToWidth("Title", titleWidth)}  Attempts  Failed  Result        Time${tokenHead}`];
  for (const r of [...view.rows].sort((a, b) => compareTaskIds(a.id, b.id))) {
    const timeAndTokens = withTokens
      ? `  ${padToWidth(formatDuration(r.durationMs), 8)}${(r.tokens === null ? "-" : String(r.tokens)).padStart(10)}${costCell(r.usage).padStart(10)}`
      : `  ${formatDuration(r.durationMs)}`;
    lines.push(`${padToWidth(r.id, idWidth)}  ${title(r.title)}  ${String(r.attempts).padStart(8)}  ${String(r.failed).padStart(6)}  ${r.result.padEnd(12)}${timeAndTokens}`);
  }
  const done = view.rows.filter((r) => r.result === "done" || r.result === "merged").length;
  const failed = view.rows.reduce((n, r) => n + r.failed, 0);
  const spent = formatTotal(view.usage);
  lines.push(`${done} unit(s) done, ${failed} failed attempt(s), ${formatDuration(Date.now() - view.startedAt)} in all${spent ? `, ${spent}` : ""}`);
  return lines.map((l) => l.trimEnd());
}

/** Print what happened and, when the run did not complete, what to do next. */
export function printSummary(result: RunResult, resumeCommand: string, display?: RunDisplay): void {
  if (display?.json) {
    const { paths, error, ...rest } = result;
    process.stdout.write(`${jsonLine({ type: "run-ended", ...rest, stateFile: paths.stateFile, progressFile: paths.progressFile })}\n`);
    return;
  }
  display?.close();
  for (const line of display ? summaryTable(display.view, process.stdout.isTTY ? process.stdout.columns : undefined) : []) log.log(line);
  const where = result.tmuxSession ? ` (tmux session ${result.tmuxSession})` : "";
  switch (result.final) {
    case "complete":
      log.success(`All units done${where}. State: ${result.paths.stateFile}`);
      break;
    case "limitReached":
      log.warn(`Stopped at --max-iterations after ${result.iterations} iterations; ${result.pending} unit(s) left. Resume: ${resumeCommand}`);
      break;
    case "halted": {
      log.error(`Halted (${result.haltReason}): ${result.detail ?? ""}`);
      const attempt = display?.view.rows.find((r) => r.id === result.unit);
      log.info(`Unit: ${result.unit ?? "?"}${attempt ? ` (${attempt.attempts} attempt(s))` : ""}. Progress: ${result.paths.progressFile}`);
      if (result.lastLog) log.info(`Last agent log: ${result.lastLog}`);
      for (const d of result.decisions) log.info(`Decision ${d.id} (unit ${d.unit}, ${d.kind}): ${d.question.split("\n")[0]}\n  answer: ${d.command}`);
      log.info(`After fixing${result.decisions.length ? " or deciding" : ""}, resume with: ${resumeCommand}`);
      break;
    }
    case "waitingForDecisions":
      log.warn(`Waiting for ${result.decisions.length} decision${result.decisions.length === 1 ? "" : "s"}; every other unit that could run has run.`);
      for (const d of result.decisions) log.info(`Decision ${d.id} (unit ${d.unit}, ${d.kind}): ${d.question.split("\n")[0]}\n  answer: ${d.command}`);
      log.info(`Then resume with: ${resumeCommand}`);
      break;
    case "stopped":
      log.warn(`Stopped. State and progress are saved; resume with: ${resumeCommand}`);
      break;
    case "failed":
      break;
  }
  // A kept worktree holds a unit's work that is not merged: say where, so nothing is forgotten in it.
  for (const line of result.keptWorktrees) log.warn(`Kept: ${line}`);
}
