// The live display on a terminal: one status line redrawn in place (unit, attempt, backend, times, estimate,
// next unit, where to attach; the countdown between units), with finished units scrolling above it.
import type { RunEvent } from "../actors/run-context.ts";
import { cutToWidth, displayWidth, printable } from "./display-width.ts";
import { emptyView, estimateLeftMs, foldEvent, formatDuration, type RunView } from "./run-view.ts";

const colour = (code: number, text: string) => (process.env.NO_COLOR ? text : `\x1b[${code}m${text}\x1b[39m`);
const ICON = { done: "✔", halt: "✋", failed: "✖", timeout: "⌛", "rate-limited": "⏸", interrupted: "■", "over-budget": "$" } as const;
const COLOUR = { done: 32, halt: 33, failed: 31, timeout: 31, "rate-limited": 33, interrupted: 33, "over-budget": 31 } as const;

/** One piece of the status line; lower `rank` is kept first when the line must be cut to fit. */
interface Segment {
  text: string;
  rank: number;
}

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

/** The shortest a title is cut to before the lower-ranked pieces are dropped, in columns. */
const TITLE_MIN = 16;
const SEPARATOR = " · ";

/**
 * The status line for `view` at `now`, at most `width` terminal columns (display width: CJK and emoji count
 * two). What matters is kept first: the unit, its attempt and elapsed time; the title is cut, then the
 * backend, estimate, next unit and attach command are dropped, in reverse order, until the line fits.
 */
export function statusLine(view: RunView, now: number, width: number): string {
  const { head, title, rest } = segmentsOf(view, now);
  const titleWidth = displayWidth(title);
  const join = (kept: Segment[], titleText: string) => [titleText ? `${head} ${titleText}` : head, ...kept.map((s) => s.text)].join(SEPARATOR);
  let kept = rest.filter((s) => s.rank === 0);
  const titleFloor = Math.min(titleWidth, TITLE_MIN);
  // Room the title needs at its floor: its columns plus the space after the head.
  const floorCost = titleFloor > 0 ? titleFloor + 1 : 0;
  for (const rank of [1, 2, 3, 4]) {
    const tried = rest.filter((s) => kept.includes(s) || s.rank === rank);
    if (displayWidth(join(tried, "")) + floorCost <= width) kept = tried;
  }
  const room = width - displayWidth(join(kept, "")) - 1;
  const line = join(kept, title ? cutToWidth(title, Math.max(room, Math.min(1, titleWidth))) : "");
  return cutToWidth(line, width);
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
      above(`${colour(COLOUR[event.status], ICON[event.status])} ${printable(`${event.unitId} ${title}${what}`)} (${formatDuration(event.durationMs)}, attempt ${event.attempt})`);
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
      stream.write("\r\x1b[2K");
    },
  };
}
