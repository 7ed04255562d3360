// The per-spec run lock: one run per spec at a time; a lock left by a dead process is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { LockHeldError, WriteError } from "../errors.ts";
import { isAlive } from "../runner/process-tree.ts";

/** Contents of a lock file. */
export interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** A held lock; `release` removes the file (only if it is still ours). */
export interface Lock {
  path: string;
  /** Set when a stale lock of a dead process was taken over. */
  tookOverFrom: LockInfo | null;
  release(): void;
}

function readLock(path: string): LockInfo | null {
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    if (typeof data.pid === "number" && typeof data.host === "string" && typeof data.since === "string") {
      return { pid: data.pid, host: data.host, since: data.since };
    }
  } catch {
    // unreadable or half-written lock: treated as stale below
  }
  return null;
}

/**
 * Take the lock at `path`. Throws LockHeldError when a live process on this host holds it;
 * a lock whose process is dead (or unreadable) is taken over and reported in `tookOverFrom`.
 */
export function acquireLock(path: string): Lock {
  const me: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  let tookOverFrom: LockInfo | null = null;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      return {
        path,
        tookOverFrom,
        release() {
          if (readLock(path)?.pid === me.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new WriteError(path, (error as NodeJS.ErrnoException).code ?? String(error));
      }
      const holder = readLock(path);
      if (holder && (holder.host !== me.host || isAlive(holder.pid)) && holder.pid !== me.pid) {
        throw new LockHeldError(path, holder.pid, holder.since, holder.host);
      }
      tookOverFrom = holder ?? { pid: 0, host: "?", since: "?" };
      unlinkSync(path);
    }
  }
  throw new WriteError(path, "could not take the lock");
}
