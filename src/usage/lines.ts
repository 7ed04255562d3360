// Reads the lines a growing file gained since the last read (an agent's stdout, for its usage while it runs),
// without reading it again from the start and without holding more than one line in memory.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Lines longer than this (bytes) are skipped: no usage report is that long (a huge tool output is). */
const MAX_LINE_BYTES = 10 * 1024 * 1024;
const CHUNK = 64 * 1024;
const MIN_CHUNK = 4 * 1024;
const NEWLINE = 0x0a;

/** Where the last read stopped in a file, and the start of a line not yet ended. */
export interface LineCursor {
  offset: number;
  partial: Buffer[];
  partialBytes: number;
  /** The current line is over MAX_LINE_BYTES: drop it up to its newline. */
  skipping: boolean;
  /** Only lines holding these bytes are decoded and passed on (null: every line). */
  needle: Buffer | null;
}

/** A cursor at the start of a file; with `needle`, only lines containing it are read (cheaper for big logs). */
export const newCursor = (needle?: string): LineCursor => ({ offset: 0, partial: [], partialBytes: 0, skipping: false, needle: needle ? Buffer.from(needle) : null });

/**
 * Call `onLine` for each line `path` gained since `cursor` (which is moved on). A file that shrank (the log cap
 * cut its head) is read on from its new end: the lines moved, and counting them again would count twice.
 * A missing file reads as empty. Throws other read errors.
 */
export function readNewLines(path: string, cursor: LineCursor, onLine: (line: string) => void): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < cursor.offset) {
      cursor.offset = size;
      cursor.partial = [];
      cursor.partialBytes = 0;
      cursor.skipping = true;
    }
    // Sized to what is new, from 4 KiB to 64 KiB (most reads are of a few lines: a 64 KiB buffer each time was
    // most of a run's garbage outside the JS heap, freed only at a full collection; a file that grows while it is
    // read is still read in pieces of at least 4 KiB).
    if (size <= cursor.offset) return;
    const length = Math.min(CHUNK, Math.max(MIN_CHUNK, size - cursor.offset));
    const buffer = Buffer.allocUnsafe(length);
    for (;;) {
      const n = readSync(fd, buffer, 0, length, cursor.offset);
      if (n === 0) break;
      cursor.offset += n;
      splitLines(buffer.subarray(0, n), cursor, onLine);
    }
  } finally {
    closeSync(fd);
  }
}

/** The line left without a newline at the end of the file (an agent that exited mid-line), then forgotten. */
export function flushLine(cursor: LineCursor, onLine: (line: string) => void): void {
  if (!cursor.skipping && cursor.partialBytes > 0) {
    const line = cursor.partial.length === 1 ? cursor.partial[0]! : Buffer.concat(cursor.partial, cursor.partialBytes);
    if (cursor.needle === null || line.includes(cursor.needle)) onLine(line.toString("utf8"));
  }
  cursor.partial = [];
  cursor.partialBytes = 0;
  cursor.skipping = false;
}

/** Pass on a whole line found inside one chunk, without copying it (it is read before the chunk is reused). */
function passWhole(line: Buffer, cursor: LineCursor, onLine: (line: string) => void): void {
  if (line.length > 0 && (cursor.needle === null || line.includes(cursor.needle))) onLine(line.toString("utf8"));
}

function splitLines(chunk: Buffer, cursor: LineCursor, onLine: (line: string) => void): void {
  let start = 0;
  for (;;) {
    // Looking for a needle: the whole lines before the next line that holds it (all of them, when none does)
    // are skipped at once, none looked at; a line left open at the chunk's end is kept, as the needle may come
    // in the next chunk. (Cutting each of a 1 GiB output's lines out of its chunk grew the heap by 10 MB.)
    if (cursor.needle !== null && cursor.partialBytes === 0 && !cursor.skipping) {
      const at = chunk.indexOf(cursor.needle, start);
      const lineStart = chunk.lastIndexOf(NEWLINE, at < 0 ? chunk.length - 1 : at) + 1;
      if (lineStart > start) start = lineStart;
    }
    const end = chunk.indexOf(NEWLINE, start);
    const piece = end < 0 ? chunk.subarray(start) : chunk.subarray(start, end);
    // The usual case: a line that starts and ends in this chunk. No copy (a 1 GiB output would allocate 1 GiB).
    if (end >= 0 && !cursor.skipping && cursor.partialBytes === 0 && piece.length <= MAX_LINE_BYTES) {
      passWhole(piece, cursor, onLine);
      start = end + 1;
      continue;
    }
    if (!cursor.skipping) {
      if (cursor.partialBytes + piece.length > MAX_LINE_BYTES) {
        cursor.skipping = true;
        cursor.partial = [];
        cursor.partialBytes = 0;
      } else if (piece.length > 0) {
        // Copied: the read buffer is reused for the next chunk.
        cursor.partial.push(Buffer.from(piece));
        cursor.partialBytes += piece.length;
      }
    }
    if (end < 0) return;
    flushLine(cursor, onLine);
    start = end + 1;
  }
}

/** Every line of `path` (for a whole finished log); with `needle`, only the lines holding it. */
export function readAllLines(path: string, onLine: (line: string) => void, needle?: string): void {
  const cursor = newCursor(needle);
  readNewLines(path, cursor, onLine);
  flushLine(cursor, onLine);
}
