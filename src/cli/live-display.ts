// The live display on a terminal: one status line redrawn in place (unit, attempt, backend, times, estimate,
// next unit, where to attach; the countdown between units), with finished units scrolling above it. A parallel
// run draws a block instead: one line per unit in flight and one for the merge queue (src/cli/lane-block.ts).
import type { RunEvent } from "../actors/run-context.ts";
import { displayWidth, printable } from "./display-width.ts";
import { laneBlock } from "./lane-block.ts";
import { fitLine, type Segment } from "./fit-line.ts";
import { emptyView, estimateLeftMs, foldEvent, formatDuration, type RunView } from "./run-view.ts";

const colour = (code: number, text: string) => (process.env.NO_COLOR ? text : `\x1b[${code}m${text}\x1b[39m`);
const ICON = { done: "✔", halt: "✋", failed: "✖", timeout: "⌛", "rate-limited": "⏸", interrupted: "■", "over-budget": "$" } as const;
const COLOUR = { done: 32, halt: 33, failed: 31, timeout: 31, "rate-limited": 33, interrupted: 33, "over-budget": 31 } as const;

/** Pieces ranked for fitting: unit, attempt and elapsed first; then backend, estimate, next unit, where to attach. */
function segmentsOf(view: RunView, now: number): { head: string; title: string; rest: Segment[] } {
  const u = view.unit;
  const rest: Segment[] = [];
  if (view.waitingUntil !== null && view.waitingUntil > now) {
    return { head: `⏸ rate limited: retrying ${u ? `unit ${u.id} ` : ""}in ${formatDuration(view.waitingUntil - now)}`, title: "", rest: attachSegment(view, rest) };
  }
  if (view.sleepingUntil !== null && view.sleepingUntil > now) {
    if (u?.nextId) rest.push({ text: `next: ${u.nextId}`, rank: 0 });
    return { head: `⏳ next unit in ${Math.ceil((view.sleepingUntil - now) / 1000)} s`, title: "", rest: attachSegment(view, rest) };
  }
  if (!u) return { head: `◐ planning ${view.specName}`, title: "", rest: attachSegment(view, rest) };
  if (view.attempt) rest.push({ text: `attempt ${view.attempt.n}/${view.attempt.max}`, rank: 0 }, { text: view.attempt.backend, rank: 1 });
  if (view.step) rest.push({ text: printable(view.step), rank: 1 });
  if (u.startedAt !== null) rest.push({ text: `${formatDuration(now - u.startedAt)} (run ${formatDuration(now - view.startedAt)})`, rank: 0 });
  const left = estimateLeftMs(view);
  if (left !== null) rest.push({ text: `~${formatDuration(left)} left`, rank: 2 });
  if (u.nextId) rest.push({ text: `next: ${u.nextId}`, rank: 3 });
  return { head: `◐ unit ${u.position}/${u.total}: ${printable(u.id)}`, title: printable(u.title), rest: attachSegment(view, rest) };
}

function attachSegment(view: RunView, rest: Segment[]): Segment[] {
  if (view.attach) rest.push({ text: view.attempt?.windowId ? `${view.attach} \\; select-window -t ${view.attempt.windowId}` : view.attach, rank: 4 });
  return rest;
}

/**
 * The status line for `view` at `now`, at most `width` terminal columns (display width: CJK and emoji count
 * two). What matters is kept first: the unit, its attempt and elapsed time; the title is cut, then the
 * backend, estimate, next unit and attach command are dropped, in reverse order, until the line fits.
 */
export function statusLine(view: RunView, now: number, width: number): string {
  const { head, title, rest } = segmentsOf(view, now);
  return fitLine(head, title, rest, width);
}

/**
 * What the live display draws below the lines that scrolled: the status line (a sequential run, or a parallel
 * one before its first unit starts), or the block of units in flight and the merge queue (src/cli/lane-block.ts).
 * Each line at most `width` columns, at most `height` lines.
 */
export function displayLines(view: RunView, now: number, width: number, height: number): string[] {
  return view.lanes.length === 0 ? [statusLine(view, now, width)] : laneBlock(view, now, width, height);
}

/**
 * A reporter that draws the live display on `stream` (a terminal): the status line, or the block of a parallel
 * run, redrawn in place (cursor up over the rows the last drawing took at today's width, clear to the end of the
 * screen); lines about finished units are printed above it and scroll. `close` clears what is drawn.
 */
export function createLiveDisplay(stream: NodeJS.WriteStream = process.stdout): { report: (event: RunEvent) => void; close: () => void; view: RunView } {
  const view = emptyView(Date.now());
  const columns = () => stream.columns ?? 100;
  // Display widths of the lines on the screen now: after a resize they may take more rows than one each.
  let drawn: number[] = [];
  const erase = () => {
    const up = drawn.reduce((n, w) => n + Math.max(1, Math.ceil(w / columns())), 0) - 1;
    drawn = [];
    return up > 0 ? `\r\x1b[${up}A\x1b[J` : "\r\x1b[2K";
  };
  const draw = () => {
    const lines = displayLines(view, Date.now(), columns() - 1, stream.rows ?? 24);
    stream.write(`${erase()}${lines.join("\n")}`);
    drawn = lines.map(displayWidth);
  };
  const above = (text: string) => stream.write(`${erase()}${text}\n`);
  const timer = setInterval(draw, 1_000);
  timer.unref();
  const report = (event: RunEvent) => {
    foldEvent(view, event, Date.now());
    if (event.type === "attempt-finished") {
      const title = view.rows.find((r) => r.id === event.unitId)?.title || (view.unit?.id === event.unitId ? view.unit.title : "");
      const what = event.status === "done" ? "" : ` ${event.status}${event.reason ? `: ${event.reason}` : ""}`;
      above(`${colour(COLOUR[event.status], ICON[event.status])} ${printable(`${event.unitId} ${title}${what}`)} (${formatDuration(event.durationMs)}, attempt ${event.attempt})`);
    } else if (event.type === "unit-step" && event.step === "merge") {
      const title = view.rows.find((r) => r.id === event.unitId)?.title ?? "";
      above(`${colour(event.ok ? 32 : 33, event.ok ? "✔" : "↺")} ${printable(`${event.unitId}${title ? ` ${title}` : ""}: ${event.detail}`)}`);
    } else if (event.type === "unit-step" && (event.step === "decision" || (event.step === "review" && /^(round|approved)/.test(event.detail)))) {
      above(`${colour(event.ok ? 32 : 33, event.ok ? "✔" : "⚑")} ${printable(`${event.unitId} ${event.step}: ${event.detail}`)}`);
    } else if (event.type === "warning") {
      above(`${colour(33, "⚠")} ${printable(event.message)}`);
    } else if (event.type === "fallback") {
      above(`${colour(33, "⇄")} ${printable(`${event.unitId}: ${event.reason}; trying ${event.to} now (not counted as an attempt)`)}`);
    } else if (event.type === "spec-changed") {
      above(`${colour(36, "ℹ")} tasks.md changed: ${printable(event.detail)}`);
    } else if (event.type === "run-started" && event.attach) {
      above(`${colour(36, "ℹ")} watch the agents: ${event.attach}`);
    }
    draw();
  };
  return {
    report,
    view,
    close() {
      clearInterval(timer);
      stream.write(erase());
    },
  };
}
