// Reads an agent's output files: its JSONL event stream one object at a time (never the whole file), and the
// meaningful end of its stderr.
import { createReadStream, statSync } from "node:fs";
import { readTail } from "./log-tail.ts";

/** Lines longer than this (bytes) are skipped, like the reference wrapper does (a 10 MiB tool output, say). */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/** A parsed JSON object from one line. */
export type JsonEvent = Record<string, unknown>;

const NEWLINE = 0x0a;

/** The size of `path` in bytes; 0 when it is missing (the read then yields nothing). */
function sizeOf(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

/**
 * The JSON objects of `path`, one per line, in order. Lines over `maxLineBytes`, lines that are not JSON,
 * and JSON values that are not objects are skipped. A missing file yields nothing. Reads in chunks, so
 * memory stays bounded by the longest kept line.
 */
export async function* readJsonl(path: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<JsonEvent> {
  const decoder = new TextDecoder();
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  // Chunks of at most 64 KiB, no larger than the file (a short stream needs no 64 KiB buffer).
  const stream = createReadStream(path, { highWaterMark: Math.max(1024, Math.min(64 * 1024, sizeOf(path))) });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const end = chunk.indexOf(NEWLINE, start);
        const piece = end < 0 ? chunk.subarray(start) : chunk.subarray(start, end);
        if (!skipping) {
          if (size + piece.length > maxLineBytes) {
            skipping = true;
            parts = [];
            size = 0;
          } else if (piece.length > 0) {
            parts.push(piece);
            size += piece.length;
          }
        }
        if (end < 0) break;
        if (!skipping && size > 0) {
          const event = parseLine(decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts, size)));
          if (event) yield event;
        }
        parts = [];
        size = 0;
        skipping = false;
        start = end + 1;
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  } finally {
    stream.destroy();
  }
  if (!skipping && size > 0) {
    const event = parseLine(decoder.decode(Buffer.concat(parts, size)));
    if (event) yield event;
  }
}

/** One line as a JSON object, or null when it is not one. */
function parseLine(line: string): JsonEvent | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonEvent) : null;
  } catch {
    // Not JSON (a CLI's plain-text warning on stdout): skipped, like the reference wrapper does.
    return null;
  }
}

/** `value` as a string when it is one, else undefined. */
export const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** `value` as a finite number when it is one, else 0. */
export const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** `value` as an object when it is one, else an empty object. */
export const obj = (value: unknown): JsonEvent => (value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonEvent) : {});

/** Lines of CLI noise on stderr that say nothing about a failure. */
const NOISE = /^(warning:|\[startup\]|ripgrep is not available|yolo mode is enabled|approval mode overridden|reading additional input from stdin)/i;

/**
 * The last few meaningful lines of an agent's stderr (at most `maxLines`, from its last 8 KiB), joined with
 * " | ", for a failure reason; "" when there is nothing. Stack-trace lines and known warnings are dropped.
 */
export function stderrSummary(errLog: string, maxLines = 3): string {
  const lines = readTail(errLog, 8 * 1024)
    .split(/\r?\n/)
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, "").trim())
    .filter((l) => l !== "" && !NOISE.test(l) && !/^at\s/.test(l) && l !== "}" && l !== "{");
  return lines.slice(-maxLines).join(" | ");
}
