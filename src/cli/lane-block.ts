// The live display's block for a parallel run (--parallel): one line per unit in flight (ID, title, step, elapsed,
// attempt, backend, tmux window) in task-ID order, then one line for the merge queue (what merges now, what waits,
// in merge order; the run's time; where to attach). Each line fits the terminal's width; the block fits its height.
import { printable } from "./display-width.ts";
import { fitLine, type Segment } from "./fit-line.ts";
import { mergeQueue, type Lane, type LaneStep } from "./run-lanes.ts";
import { formatDuration, type RunView } from "./run-view.ts";

const ICON: Record<LaneStep, string> = {
  implementing: "◐",
  verifying: "◐",
  committing: "◐",
  review: "◐",
  fix: "◐",
  queued: "◌",
  merging: "⇄",
  "sent-back": "↺",
  failed: "✖",
  "rate-limited": "⏸",
  halt: "✋",
  "over-budget": "$",
};

/** The words of a lane's step: `implementing`, `review round 1`, `queued for merge`, `merging`, … */
export function stepText(lane: Lane, now: number): string {
  switch (lane.step) {
    case "review":
      return `review round ${lane.round}`;
    case "fix":
      return `fix round ${lane.round}`;
    case "queued":
      return "queued for merge";
    case "sent-back":
      return `sent back to run alone: ${lane.note.replace(/; runs again alone$/, "")}`;
    case "rate-limited":
      return lane.waitingUntil !== null && lane.waitingUntil > now ? `rate limited: retrying in ${formatDuration(lane.waitingUntil - now)}` : "rate limited";
    case "failed":
      return `attempt ${lane.attempt?.n ?? "?"} ${lane.note.split("\n")[0]}`;
    case "verifying":
      return lane.note ? `verifying: ${lane.note}` : "verifying";
    case "over-budget":
      return "over budget";
    default:
      return lane.step;
  }
}

/** A lane's line: what matters first (ID, step, elapsed), then the title, attempt, backend and the agent's tmux window. */
export function laneLine(lane: Lane, now: number, width: number): string {
  const rest: Segment[] = [
    { text: printable(stepText(lane, now)), rank: 0 },
    { text: formatDuration(now - lane.startedAt), rank: 0 },
  ];
  if (lane.attempt && lane.step !== "fix") rest.push({ text: `attempt ${lane.attempt.n}/${lane.attempt.max}`, rank: 1 });
  if (lane.attempt) rest.push({ text: printable(lane.attempt.backend), rank: 1 });
  // The window of the agent working now (a reviewer has its own window: `review-<unit>-<n>`).
  if (lane.attempt?.windowId && (lane.step === "implementing" || lane.step === "fix")) rest.push({ text: `window ${printable(lane.attempt.windowId)}`, rank: 3 });
  return fitLine(`${ICON[lane.step]} ${printable(lane.id)}`, printable(lane.title), rest, width);
}

/** The merge queue's line: `⇄ merge queue: merging 2 · then 3, 5 · run 1m 05s · <attach>`. */
export function queueLine(view: RunView, now: number, width: number): string {
  const { merging, queued } = mergeQueue(view.lanes);
  const waiting = queued.map((l) => printable(l.id)).join(", ");
  const what = merging ? `merging ${printable(merging.id)}${waiting ? ` · then ${waiting}` : ""}` : waiting ? `queued ${waiting}` : "empty";
  const rest: Segment[] = [{ text: `${view.lanes.length} in flight`, rank: 1 }, { text: `run ${formatDuration(now - view.startedAt)}`, rank: 2 }];
  if (view.attach) rest.push({ text: view.attach, rank: 4 });
  return fitLine("⇄ merge queue:", what, rest, width);
}

/**
 * The block: the lanes' lines, then the queue's, each at most `width` columns, at most `height` lines in all (at
 * least two): when the lanes do not fit, the last line before the queue's says how many more are in flight.
 */
export function laneBlock(view: RunView, now: number, width: number, height: number): string[] {
  const room = Math.max(1, height - 1);
  const shown = view.lanes.length <= room ? view.lanes : view.lanes.slice(0, room - 1);
  const lines = shown.map((lane) => laneLine(lane, now, width));
  if (shown.length < view.lanes.length) lines.push(fitLine(`… ${view.lanes.length - shown.length} more in flight`, "", [], width));
  lines.push(queueLine(view, now, width));
  return lines;
}
