// What makes the bytes of a tasks.md plannable at all: UTF-8 text, not empty, with at least one task.
// Rules: the README's parsing section ("Unreadable files").
import { EmptySpecError, SpecParseError } from "../errors.ts";
import type { TasksFile } from "./types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** 1-based line of byte `offset` (LF count before it, plus one). */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence (the file is known to be invalid). */
function firstInvalid(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const size = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 0) return i;
    try {
      utf8.decode(bytes.subarray(i, i + size));
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      return i;
    }
    i += size;
  }
  return bytes.length;
}

/**
 * The text of tasks.md from its bytes (a UTF-8 BOM is kept; parseTasks drops it). Throws SpecParseError (exit 65)
 * for UTF-16/UTF-32 (by byte-order mark), a NUL byte (binary data) or bytes that are not UTF-8, naming the line.
 */
export function decodeTasks(bytes: Uint8Array, file: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const order = bytes[0] === 0xff ? "little-endian" : "big-endian";
    throw new SpecParseError(file, 0, `is UTF-16 (${order} byte-order mark), not UTF-8: save it as UTF-8`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new SpecParseError(file, lineAt(bytes, nul), "holds a NUL byte: not a text file (tasks.md must be UTF-8 text)");
  try {
    return utf8.decode(bytes);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const at = firstInvalid(bytes);
    const byte = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    throw new SpecParseError(file, lineAt(bytes, at), `not UTF-8 (byte 0x${byte} at offset ${at}): save the file as UTF-8`);
  }
}

/**
 * Rejects a parse with nothing to plan: EmptySpecError (exit 66) for an empty or blank file, SpecParseError
 * (exit 65) for a non-empty file without a single task line or numbered item, saying what was found instead.
 */
export function requireTasks(parsed: TasksFile, text: string): void {
  if (parsed.tasks.length > 0) return;
  if (text.replace(/^\uFEFF/, "").trim() === "") throw new EmptySpecError(parsed.file);
  const ignored = parsed.ignored.length;
  const seen = ignored > 0 ? `; ${ignored} checkbox or task-like line(s) ignored (first at line ${parsed.ignored[0]!.line}: ${parsed.ignored[0]!.reason})` : "";
  throw new SpecParseError(parsed.file, 0, `no tasks found (a task is a line like "- [ ] 1. Title")${seen}`);
}
