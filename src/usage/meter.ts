// What a backend's usage reader looks like: fed the agent's stdout line by line (during the attempt, for the
// per-unit budget, and after it, for the record), it says what the attempt has used so far.
import type { Usage } from "./record.ts";

/** One attempt's usage, read from its stdout as it grows. No I/O: the caller feeds the lines. */
export interface UsageMeter {
  /** One line of the agent's stdout, without its newline. */
  line(text: string): void;
  /** The usage reported so far, or null when the stream has reported none yet. */
  usage(): Usage | null;
}

/** A usage reader over parsed JSON events (the native backends' event streams). */
export interface EventUsage {
  event(event: Record<string, unknown>): void;
  usage(): Usage | null;
}

/**
 * A line meter over an event reader: lines matching `worth` (a cheap test before JSON.parse, e.g. /"usage"/)
 * are parsed, and JSON objects go to `reader`; other lines are skipped.
 */
export function jsonLineMeter(reader: EventUsage, worth: RegExp): UsageMeter {
  return {
    line(text) {
      if (!worth.test(text)) return;
      const trimmed = text.trim();
      if (!trimmed.startsWith("{")) return;
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch {
        return; // a line cut by the log cap, or a CLI's non-JSON output that happens to match
      }
      if (value !== null && typeof value === "object" && !Array.isArray(value)) reader.event(value as Record<string, unknown>);
    },
    usage: () => reader.usage(),
  };
}

/** A reported cost that can be trusted: a CLI that reports 0 for tokens it has no price for does not know it. */
export function reportedCost(costUsd: number, tokens: number): number | null {
  return Number.isFinite(costUsd) && costUsd > 0 ? costUsd : tokens === 0 ? 0 : null;
}
