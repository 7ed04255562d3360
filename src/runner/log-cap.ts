// Keeping an attempt's log under a size limit while the agent still writes to it: the tail is kept.
//
// The kept tail is moved to the front of the file in fixed-size chunks (memory stays flat whatever the cap), from
// front to back, so the copy never overwrites bytes it has yet to read. Writers append (O_APPEND: both runners),
// so what they write meanwhile lands after the end and is copied too. Only the last step, copying what came in
// since and truncating, must not race a writer: for it the writers' process group is paused (SIGSTOP, then
// SIGCONT), which holds no write half-done: a write to a regular file completes before a stop takes effect.
import { closeSync, fstatSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from "node:fs";

/** Bytes moved per read/write while trimming. */
const CHUNK = 256 * 1024;
/** The first line break within this many bytes of the cut starts the kept tail at a whole line. */
const LINE_SEARCH = 4096;
/** Below this many bytes still to copy, the writers are paused for the rest. */
const PAUSE_BELOW = 1024 * 1024;
/** How long to wait for the writers to stop, ms. */
const STOP_WAIT_MS = 200;

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** How much of the tail is kept: the cap less an eighth (so the next trim is not due at once), less the note. */
function keptBytes(maxBytes: number): number {
  return Math.max(1, maxBytes - Math.floor(maxBytes / 8) - 128);
}

/** Pids of the members of process group `pgid` (from /proc). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return members; // no /proc: the stop is not waited for
    throw error;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) members.push(Number(entry));
    } catch (error) {
      if (errnoOf(error) !== "ENOENT" && errnoOf(error) !== "ESRCH") throw error;
    }
  }
  return members;
}

/** The state letter of `pid`, or null when gone. */
function stateOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] ?? null;
  } catch (error) {
    if (errnoOf(error) === "ENOENT" || errnoOf(error) === "ESRCH") return null;
    throw error;
  }
}

/** Stop process group `pgid` and wait until each member is stopped (or gone). False when there is no such group. */
function pauseGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, "SIGSTOP");
  } catch (error) {
    if (errnoOf(error) === "ESRCH" || errnoOf(error) === "EPERM") return false;
    throw error;
  }
  const deadline = Date.now() + STOP_WAIT_MS;
  for (const pid of groupMembers(pgid)) {
    for (let state = stateOf(pid); state !== null && state !== "T" && state !== "t" && state !== "Z" && state !== "X"; state = stateOf(pid)) {
      if (Date.now() > deadline) return true;
      Bun.sleepSync(1);
    }
  }
  return true;
}

function resumeGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGCONT");
  } catch (error) {
    if (errnoOf(error) !== "ESRCH") throw error;
  }
}

/** Copy bytes from `src` to `dst` (< src) until `until` (or the end of the file when null); returns the new offsets. */
function copyDown(fd: number, buffer: Buffer, src: number, dst: number, until: number | null): { src: number; dst: number } {
  for (;;) {
    const want = until === null ? buffer.length : Math.min(buffer.length, until - src);
    if (want <= 0) break;
    const n = readSync(fd, buffer, 0, want, src);
    if (n === 0) break;
    writeSync(fd, buffer, 0, n, dst);
    src += n;
    dst += n;
  }
  return { src, dst };
}

/**
 * When `path` is larger than `maxBytes`, keep its last bytes (about `maxBytes`, from a line start when one is
 * near the cut) behind a one-line note of how much was cut. `writers`: the process group that appends to the
 * file, paused for the final step so that nothing it writes is lost; without it, bytes written in that step's
 * microseconds may be. Memory used: one 256 KiB buffer. Returns the bytes cut (0: nothing to do or no file yet).
 */
export function capLog(path: string, maxBytes: number, writers: number | null = null): number {
  let fd: number;
  try {
    if (statSync(path).size <= maxBytes) return 0; // the usual case: one stat, no open
    fd = openSync(path, "r+");
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return 0; // not created yet
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= maxBytes) return 0;
    const buffer = Buffer.allocUnsafe(CHUNK);
    let start = size - keptBytes(maxBytes);
    const peek = readSync(fd, buffer, 0, Math.min(LINE_SEARCH, size - start), start);
    const newline = buffer.subarray(0, peek).indexOf(10);
    if (newline >= 0 && newline < peek - 1) start += newline + 1;
    const note = Buffer.from(`[seqorch: ${start} bytes of earlier output cut (--max-log-bytes ${maxBytes})]\n`);
    if (start < note.length) return 0; // a cap this small is refused by the flag's own minimum
    let at = copyDown(fd, buffer, start, note.length, size);
    // Catch up with what the writers added meanwhile, while they run, until little is left.
    for (let round = 0; round < 8 && fstatSync(fd).size - at.src > PAUSE_BELOW; round++) at = copyDown(fd, buffer, at.src, at.dst, fstatSync(fd).size);
    const paused = writers !== null && writers > 1 && pauseGroup(writers);
    try {
      at = copyDown(fd, buffer, at.src, at.dst, null);
      ftruncateSync(fd, at.dst);
      writeSync(fd, note, 0, note.length, 0);
    } finally {
      if (paused) resumeGroup(writers);
    }
    return start;
  } finally {
    closeSync(fd);
  }
}
