// Reading the end of an attempt's log without loading the whole file (agents can print gigabytes).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** The last `maxBytes` bytes of `path` as UTF-8 text ("" when the file is missing); a split first character is dropped. */
export function readTail(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, size - length + read);
      if (n === 0) break;
      read += n;
    }
    let start = 0;
    // Skip UTF-8 continuation bytes at the cut.
    if (size > length) while (start < read && (buffer[start]! & 0xc0) === 0x80) start++;
    return buffer.subarray(start, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
