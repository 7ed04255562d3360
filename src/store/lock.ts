// The per-spec run lock: one run per spec at a time; a lock left by a dead process is taken over.
//
// Taking it: the lock's content is written to a private temporary file first, which is then hard-linked to the
// lock's name (link(2) fails with EEXIST when the name exists), so no run ever sees a lock file without its
// content. Taking over a stale lock: each lock carries a random token; only the run that exclusively creates
// `<lock>.takeover-<token>` may replace that lock (by rename, atomically), and only while the lock still holds
// that token. Two runs that both found the same stale lock cannot both win, and a token is never reused, so a
// late run cannot replace a newer lock. A takeover file left by a run that died mid-takeover is itself taken over
// the same way (its own token, one level deeper).
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { LockHeldError, WriteError } from "../errors.ts";
import { bootId, isAlive, processStartTicks } from "../runner/process-tree.ts";

/** Contents of a lock file (and of a takeover file). `token`: random, unique to one acquisition. */
export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  token?: string;
  /** The holder's start time (clock ticks after boot, /proc/<pid>/stat field 22) and boot id: tell a reused pid. */
  start?: number;
  boot?: string;
}

/** A held lock; `release` removes the file (only if it is still ours). */
export interface Lock {
  path: string;
  /** Set when a stale lock of a dead process was taken over. */
  tookOverFrom: LockInfo | null;
  release(): void;
}

/** How long a lock file whose content cannot be read counts as being written (old seqorch versions), ms. */
const UNREADABLE_GRACE_MS = 2_000;
/** How deep a chain of takeover files left by crashed runs is followed. */
const MAX_TAKEOVER_DEPTH = 8;

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A lock file's content and identity; null when it does not exist. `info` is null when unparsable. */
interface Found {
  info: LockInfo | null;
  /** What identifies this very file for a takeover: its token, else its inode and mtime. */
  key: string;
  mtimeMs: number;
}

function readLockFile(path: string): Found | null {
  let text: string;
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return null;
    throw new WriteError(path, errnoOf(error) ?? String(error));
  }
  let info: LockInfo | null = null;
  try {
    const data = JSON.parse(text) as Partial<LockInfo>;
    if (typeof data.pid === "number" && typeof data.host === "string" && typeof data.since === "string") {
      info = { pid: data.pid, host: data.host, since: data.since };
      if (typeof data.token === "string") info.token = data.token;
      if (typeof data.start === "number") info.start = data.start;
      if (typeof data.boot === "string") info.boot = data.boot;
    }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error; // half-written by an old version, or not ours: judged below
  }
  const key = info?.token && /^[a-z0-9]+$/.test(info.token) ? info.token : `i${stat.ino}m${Math.floor(stat.mtimeMs)}`;
  return { info, key, mtimeMs: stat.mtimeMs };
}

/** True when the file's owner is a live process (or one on another host, which cannot be checked). */
function isHeld(found: Found, me: LockInfo): boolean {
  if (found.info === null) return Date.now() - found.mtimeMs < UNREADABLE_GRACE_MS;
  const { info } = found;
  if (info.host !== me.host) return true;
  // Our own pid in a lock we did not take: left by an earlier process (a container restarted with the same pid).
  if (info.pid === me.pid || !isAlive(info.pid)) return false;
  if (info.boot !== undefined && me.boot !== undefined && info.boot !== me.boot) return false; // from before a reboot
  return info.start === undefined || processStartTicks(info.pid) === info.start;
}

/** Create `path` holding `text`, atomically: false when it exists. Falls back to O_EXCL where hard links fail. */
function createWithContent(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644, flag: "wx" });
  } catch (error) {
    throw new WriteError(path, errnoOf(error) ?? String(error)); // named by the lock, not the temporary file
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if (errnoOf(error) === "EEXIST") return false;
    if (errnoOf(error) !== "EPERM" && errnoOf(error) !== "ENOTSUP" && errnoOf(error) !== "EOPNOTSUPP") throw new WriteError(path, errnoOf(error) ?? String(error));
    return createExclusive(path, text); // no hard links here: readers allow a moment for the write
  } finally {
    rmSync(tmp, { force: true });
  }
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (error) {
    if (errnoOf(error) === "EEXIST") return false;
    throw new WriteError(path, errnoOf(error) ?? String(error));
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Win the right to replace the stale file whose identity is `key`: exclusively create `<base>.takeover-<key>`,
 * or take over that file when its creator died. Returns the takeover files created (to remove afterwards), or
 * the live holder of the takeover when another run is replacing it right now.
 */
function winTakeover(base: string, key: string, me: LockInfo, text: string, depth = 0): { files: string[] } | { holder: LockInfo } {
  const file = `${base}.takeover-${key}`;
  if (createWithContent(file, text)) return { files: [file] };
  const other = readLockFile(file);
  if (other === null) return winTakeover(base, key, me, text, depth); // removed meanwhile: that takeover is over
  if (isHeld(other, me) || depth >= MAX_TAKEOVER_DEPTH) return { holder: other.info ?? { pid: 0, host: "?", since: "?" } };
  const deeper = winTakeover(base, other.key, me, text, depth + 1);
  return "files" in deeper ? { files: [file, ...deeper.files] } : deeper;
}

/**
 * Take the lock at `path`. Throws LockHeldError (exit 75) naming the live process on this host (or any process
 * on another host) that holds it; a lock whose process is dead is taken over and reported in `tookOverFrom`.
 * Throws WriteError when the folder cannot be written.
 */
export function acquireLock(path: string): Lock {
  const me: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: Math.random().toString(36).slice(2) + Date.now().toString(36) };
  const start = processStartTicks(process.pid);
  const boot = bootId();
  if (start !== null) me.start = start;
  if (boot !== null) me.boot = boot;
  const text = `${JSON.stringify(me)}\n`;
  let tookOverFrom: LockInfo | null = null;
  const deadline = Date.now() + UNREADABLE_GRACE_MS + 1_000;
  for (;;) {
    if (createWithContent(path, text)) break;
    const found = readLockFile(path);
    if (found === null) continue; // released meanwhile
    if (isHeld(found, me)) {
      if (found.info !== null) throw new LockHeldError(path, found.info.pid, found.info.since, found.info.host);
      if (Date.now() > deadline) throw new LockHeldError(path, 0, "?", "?");
      Bun.sleepSync(20); // being written by an old version of seqorch
      continue;
    }
    const won = winTakeover(path, found.key, me, text);
    if ("holder" in won) throw new LockHeldError(path, won.holder.pid, won.holder.since, won.holder.host);
    try {
      // Only the winner for this key may replace the file, and only while it is still the stale one.
      if (readLockFile(path)?.key !== found.key) continue;
      const tmp = `${path}.${process.pid}.takeover.tmp`;
      writeFileSync(tmp, text, { mode: 0o644 });
      renameSync(tmp, path);
      tookOverFrom = found.info ?? { pid: 0, host: "?", since: "?" };
      break;
    } finally {
      for (const file of won.files) rmSync(file, { force: true });
    }
  }
  return {
    path,
    tookOverFrom,
    release() {
      const found = readLockFile(path);
      if (found?.info?.token === me.token) unlinkSync(path);
    },
  };
}
