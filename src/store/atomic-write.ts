// Atomic file replacement: write a temporary file beside the target, fsync it, rename it over the target.
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { WriteError } from "../errors.ts";
import { crashPoint } from "../fault-injection.ts";

let counter = 0;

/**
 * Replace `path` with `data` so that a reader (or a crash) sees either the old or the new file, never a mix.
 * Keeps the file's mode when it exists. `durable: false` skips the fsync (still atomic against a killed
 * process; a power cut may then keep the old file). Throws WriteError (and leaves the old file intact)
 * when the disk is read-only or full.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { durable?: boolean } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${(++counter).toString(36)}.tmp`);
  let mode = 0o644;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // no previous file: default mode
  }
  let fd: number | null = null;
  try {
    fd = openSync(tmp, "wx", mode);
    fchmodSync(fd, mode);
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
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
    throw new WriteError(path, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
}
