// Keeping an attempt's log under a size limit while the agent still writes to it: the tail is kept.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from "node:fs";

/**
 * When `path` is larger than `maxBytes`, keep its last half (whole lines where possible) behind a one-line
 * note of how much was cut. Writers must use O_APPEND (both runners do), so their next write lands after the
 * kept tail; bytes written between the read and the truncation are lost (a few ms' worth). Returns the bytes cut.
 */
export function capLog(path: string, maxBytes: number): number {
  let fd: number;
  try {
    if (statSync(path).size <= maxBytes) return 0; // the usual case: one stat, no open
    fd = openSync(path, "r+");
  } catch {
    return 0; // not created yet
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= maxBytes) return 0;
    const keep = Math.max(1, Math.floor(maxBytes / 2));
    const tail = Buffer.alloc(keep);
    const read = readSync(fd, tail, 0, keep, size - keep);
    let start = tail.indexOf(10);
    start = start >= 0 && start < read - 1 ? start + 1 : 0;
    const cut = size - (read - start);
    ftruncateSync(fd, 0);
    const note = Buffer.from(`[seqorch: ${cut} bytes of earlier output cut (--max-log-bytes ${maxBytes})]\n`);
    writeSync(fd, note, 0, note.length, 0);
    writeSync(fd, tail, start, read - start, note.length);
    return cut;
  } finally {
    closeSync(fd);
  }
}
