// The human-readable progress log (SEQUENTIAL_PROGRESS.md): one entry per iteration, appended.
// Entry shape follows the reference's prompt.md format (task, status, time) plus duration, attempt and log path.
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import { WriteError } from "../errors.ts";

/** The progress log's word for each attempt status. */
export const STATUS_WORD = {
  done: "Completed",
  halt: "Halted",
  failed: "Failed",
  timeout: "Timed out",
  "rate-limited": "Rate limited",
  interrupted: "Interrupted",
  "over-budget": "Over budget",
} as const;

/** One iteration's entry. Times are ISO strings; duration in ms. */
export interface ProgressEntry {
  iteration: number;
  unitId: string;
  title: string;
  /** "Completed", "Failed", "Halted", "Interrupted". */
  status: string;
  attempt: number;
  maxAttempts: number;
  backend: string;
  time: string;
  durationMs: number;
  log: string;
  /** The agent's message or the failure reason; folded to one line and cut to 400 characters. */
  message: string;
  /** Tokens and cost of the attempt, as people read them (src/usage/record.ts formatTotal); absent: none reported. */
  usage?: string;
  /** Doubts about the result (e.g. a done with no change in the workdir). */
  warnings?: string[];
  /** Further `Key: value` lines (checks run, the commit made). */
  details?: string[];
}

/**
 * Append `text` to `path`. Throws WriteError; what was there before is kept. Not fsynced: the state file is
 * (it is written first), and a run that starts after a crash restores from it any iteration entry the log lacks.
 */
function append(path: string, text: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(path, "a");
    writeSync(fd, text);
  } catch (error) {
    throw new WriteError(path, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Fold a message to one line of at most `max` characters. */
export function oneLine(text: string, max = 400): string {
  // Only the start of a long text is folded (an agent's message runs to 64 KiB), when that start already makes
  // more than `max` characters: the same result as folding all of it.
  const head = text.length > max * 4 ? text.slice(0, max * 4).replace(/\s+/g, " ").trimStart() : null;
  const folded = head !== null && head.length > max ? head : text.replace(/\s+/g, " ").trim();
  return folded.length > max ? `${folded.slice(0, max - 1)}…` : folded;
}

/** Write the header when the file does not exist yet, then a run-start line. */
export function startProgress(path: string, spec: string, startedAt: string, note: string): void {
  const header = existsSync(path) ? "" : `# Sequential Execution Progress\n\nSpec: ${spec}\nStarted: ${startedAt}\n`;
  append(path, `${header}\n## Run started ${startedAt}\n- ${note}\n`);
}

/** Append one iteration's entry. */
export function appendProgress(path: string, entry: ProgressEntry): void {
  const lines = [
    ``,
    `## Iteration ${entry.iteration}`,
    `- Task: ${entry.unitId} - ${oneLine(entry.title, 200)}`,
    `- Status: ${entry.status}`,
    `- Attempt: ${entry.attempt} of ${entry.maxAttempts}`,
    `- Backend: ${entry.backend}`,
    `- Time: ${entry.time}`,
    `- Duration: ${(entry.durationMs / 1000).toFixed(2)} s`,
    `- Log: ${entry.log}`,
    ...(entry.usage ? [`- Usage: ${entry.usage}`] : []),
    `- Message: ${oneLine(entry.message) || "(none)"}`,
    ...(entry.details ?? []).map((d) => `- ${oneLine(d)}`),
    ...(entry.warnings ?? []).map((w) => `- Warning: ${oneLine(w)}`),
  ];
  append(path, `${lines.join("\n")}\n`);
}

/** Append a note that is not an iteration (a warning, the end of a run). */
export function appendProgressNote(path: string, heading: string, lines: string[]): void {
  append(path, `\n## ${heading}\n${lines.map((l) => `- ${l}`).join("\n")}\n`);
}
