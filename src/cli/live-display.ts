// The live display on a terminal: one status line redrawn in place (unit, attempt, backend, times, estimate,
// next unit, where to attach; the countdown between units), with finished units scrolling above it.
import type { RunEvent } from "../actors/run-context.ts";
import { emptyView, estimateLeftMs, foldEvent, formatDuration, type RunView } from "./run-view.ts";

const colour = (code: number, text: string) => (process.env.NO_COLOR ? text : `\x1b[${code}m${text}\x1b[39m`);
const ICON = { done: "✔", halt: "✋", failed: "✖", timeout: "⌛", "rate-limited": "⏸", interrupted: "■" } as const;
const COLOUR = { done: 32, halt: 33, failed: 31, timeout: 31, "rate-limited": 33, interrupted: 33 } as const;

/** The status line for `view` at `now`, cut to `width` columns. */
export function statusLine(view: RunView, now: number, width: number): string {
  const parts: string[] = [];
  const u = view.unit;
  if (view.waitingUntil !== null && view.waitingUntil > now) {
    parts.push(`⏸ rate limited: retrying ${u ? `unit ${u.id} ` : ""}in ${formatDuration(view.waitingUntil - now)}`);
  } else if (view.sleepingUntil !== null && view.sleepingUntil > now) {
    parts.push(`⏳ next unit in ${Math.ceil((view.sleepingUntil - now) / 1000)} s`);
    if (u?.nextId) parts.push(`next: ${u.nextId}`);
  } else if (u) {
    parts.push(`◐ unit ${u.position}/${u.total}: ${u.id} ${u.title}`);
    if (view.attempt) parts.push(`attempt ${view.attempt.n}/${view.attempt.max}`, view.attempt.backend);
    if (u.startedAt !== null) parts.push(`${formatDuration(now - u.startedAt)} (run ${formatDuration(now - view.startedAt)})`);
    const left = estimateLeftMs(view);
    if (left !== null) parts.push(`~${formatDuration(left)} left`);
    if (u.nextId) parts.push(`next: ${u.nextId}`);
  } else {
    parts.push(`◐ planning ${view.specName}`);
  }
  if (view.attach) parts.push(view.attempt?.windowId ? `${view.attach} \\; select-window -t ${view.attempt.windowId}` : view.attach);
  const line = parts.join(" · ");
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/** A reporter that draws the live display on `stream` (a terminal). `close` clears the status line. */
export function createLiveDisplay(stream: NodeJS.WriteStream = process.stdout): { report: (event: RunEvent) => void; close: () => void; view: RunView } {
  const view = emptyView(Date.now());
  const width = () => (stream.columns ?? 100) - 1;
  const draw = () => stream.write(`\r\x1b[2K${statusLine(view, Date.now(), width())}`);
  const above = (text: string) => stream.write(`\r\x1b[2K${text}\n`);
  const timer = setInterval(draw, 1_000);
  timer.unref();
  const report = (event: RunEvent) => {
    foldEvent(view, event, Date.now());
    if (event.type === "attempt-finished") {
      const title = view.rows.find((r) => r.id === event.unitId)?.title || (view.unit?.id === event.unitId ? view.unit.title : "");
      const what = event.status === "done" ? "" : ` ${event.status}${event.reason ? `: ${event.reason}` : ""}`;
      above(`${colour(COLOUR[event.status], ICON[event.status])} ${event.unitId} ${title}${what} (${formatDuration(event.durationMs)}, attempt ${event.attempt})`);
    } else if (event.type === "warning") {
      above(`${colour(33, "⚠")} ${event.message}`);
    } else if (event.type === "spec-changed") {
      above(`${colour(36, "ℹ")} tasks.md changed: ${event.detail}`);
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
      stream.write("\r\x1b[2K");
    },
  };
}
