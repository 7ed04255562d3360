// Atomic file replacement: write a temporary file beside the target, fsync it, rename it over the target.
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { WriteError } from "../errors.ts";
import { crashPoint } from "../fault-injection.ts";

let counter = 0;

/** The permission bits of `path`, or null when it does not exist (or cannot be looked at). */
function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return null;
  }
}

/** Write all of `bytes` to `fd` (from offset 0 when `positioned`, else at the file's position). */
function writeAll(fd: number, bytes: Uint8Array, positioned: boolean): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, positioned ? written : null);
}

/** `error` as the WriteError of `path` (its errno code, or its message). */
function writeErrorOf(path: string, error: unknown): WriteError {
  return new WriteError(path, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
}

/**
 * Run `op` on `path`; when it fails with ENOENT (its folder is missing), make the folder and run it once more.
 * Throws what `op` throws.
 */
export function inFolder<T>(path: string, op: () => T): T {
  try {
    return op();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dirname(path), { recursive: true });
    return op();
  }
}

/**
 * Replace `path` with `data` so that a reader (or a crash) sees either the old or the new file, never a mix.
 * Keeps the file's mode when it exists. `durable: false` skips the fsync (still atomic against a killed
 * process; a power cut may then keep the old file). Throws WriteError (and leaves the old file intact)
 * when the disk is read-only or full.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { durable?: boolean } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${(++counter).toString(36)}.tmp`);
  const mode = modeOf(path) ?? 0o644; // no previous file: default mode
  let fd: number | null = null;
  try {
    fd = openSync(tmp, "wx", mode);
    fchmodSync(fd, mode);
    writeAll(fd, typeof data === "string" ? Buffer.from(data) : data, false);
    if (options.durable !== false) fsyncSync(fd);
    closeSync(fd);
    fd = null;
    crashPoint(`atomic.${basename(path)}`);
    renameSync(tmp, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file was never created
    }
    throw writeErrorOf(path, error);
  }
}

/**
 * The spare file {@link createAtomicWriter} keeps for `path` while it writes it: `.seqorch/<name>.swap` in its
 * folder (which git ignores; the same filesystem, as an exchange needs).
 */
export function spareOf(path: string): string {
  return join(dirname(path), ".seqorch", `${basename(path)}.swap`);
}

/** A file replaced atomically again and again: {@link createAtomicWriter}. */
export interface AtomicWriter {
  /** Replace the file with `data`, as {@link writeFileAtomic} does (same guarantees, same errors). */
  write(data: Uint8Array, options?: { durable?: boolean }): void;
  /** Remove the spare file (the previous content); nothing else. Throws nothing. */
  close(): void;
}

/**
 * A writer for a file replaced many times by one process (a run's state file, under its lock): each write fills
 * one spare file ({@link spareOf}, written over and cut to length, fsynced) and exchanges the two names
 * atomically (`exchange`, src/store/rename-exchange.ts), so no write allocates or frees an inode. On a filesystem
 * without a journal ext4 looks through every inode freed in the last minutes at each create: a rename over the
 * file frees one per write, and the creates of a long run grew slower with each. Without `exchange`, or while
 * the file does not exist yet, a write is a rename of the spare over the file (and after a failed exchange of an
 * existing file, every write is {@link writeFileAtomic}). Throws WriteError; the file is then left as it was.
 */
export function createAtomicWriter(path: string, exchange: ((a: string, b: string) => boolean) | null): AtomicWriter {
  const spare = spareOf(path);
  let swapping = exchange !== null;
  return {
    write(data, options = {}) {
      if (!swapping) return writeFileAtomic(path, data, options);
      const existing = modeOf(path);
      const exists = existing !== null;
      const mode = existing ?? 0o644;
      let fd: number | null = null;
      try {
        // Written over in place, cut to length: a truncation would free its blocks and the fsync allocate them
        // again (about a third of the fsync's time here). The spare is never the live file, so a torn one is harmless.
        fd = inFolder(spare, () => openSync(spare, constants.O_WRONLY | constants.O_CREAT, mode));
        fchmodSync(fd, mode);
        writeAll(fd, data, true);
        if (fstatSync(fd).size > data.length) ftruncateSync(fd, data.length);
        if (options.durable !== false) fsyncSync(fd);
        closeSync(fd);
        fd = null;
        crashPoint(`atomic.${basename(path)}`);
        if (exists && exchange!(spare, path)) return;
        if (exists) swapping = false; // this filesystem cannot exchange: plain renames from now on
        renameSync(spare, path);
      } catch (error) {
        if (fd !== null) closeSync(fd);
        throw writeErrorOf(path, error);
      }
    },
    close() {
      try {
        unlinkSync(spare);
      } catch {
        // never written, or already gone
      }
    },
  };
}
