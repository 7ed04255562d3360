// The run lock's edge cases, in-process: stale locks, takeover files left by crashed runs, pid reuse, old formats.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { LockHeldError } from "../../src/errors.ts";
import { acquireLock } from "../../src/store/lock.ts";

function deadPid(): number {
  return Number(Bun.spawnSync(["/bin/sh", "-c", "echo $$"]).stdout.toString().trim());
}
function lockPath(): string {
  return join(mkdtempSync(join(tmpdir(), "seqorch-lock-")), "STATE.json.lock");
}
const info = (pid: number, extra: object = {}) => `${JSON.stringify({ pid, host: hostname(), since: "2020-01-01T00:00:00Z", ...extra })}\n`;

describe("acquireLock", () => {
  test("a live holder makes a second taker throw LockHeldError with its pid; release frees it", () => {
    const path = lockPath();
    const sleeper = Bun.spawn(["sleep", "30"]);
    writeFileSync(path, info(sleeper.pid, { token: "abc" }));
    expect(() => acquireLock(path)).toThrow(LockHeldError);
    expect(() => acquireLock(path)).toThrow(`pid ${sleeper.pid}`);
    sleeper.kill();
    return sleeper.exited.then(() => {
      const lock = acquireLock(path);
      expect(lock.tookOverFrom?.pid).toBe(sleeper.pid);
      lock.release();
      expect(existsSync(path)).toBe(false);
    });
  });

  test("a stale lock is taken over and no takeover or temporary file is left beside it", () => {
    const path = lockPath();
    writeFileSync(path, info(deadPid(), { token: "stale1" }));
    const lock = acquireLock(path);
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
    expect(readdirSync(join(path, ".."))).toEqual(["STATE.json.lock"]);
    lock.release();
  });

  test("a takeover file left by a run that died mid-takeover is taken over too", () => {
    const path = lockPath();
    writeFileSync(path, info(deadPid(), { token: "stale2" }));
    writeFileSync(`${path}.takeover-stale2`, info(deadPid(), { token: "dead3" }));
    const lock = acquireLock(path);
    expect(lock.tookOverFrom).not.toBeNull();
    expect(readdirSync(join(path, ".."))).toEqual(["STATE.json.lock"]);
    lock.release();
  });

  test("a live run in the middle of a takeover holds the lock", () => {
    const path = lockPath();
    const sleeper = Bun.spawn(["sleep", "30"]);
    writeFileSync(path, info(deadPid(), { token: "stale4" }));
    writeFileSync(`${path}.takeover-stale4`, info(sleeper.pid, { token: "busy" }));
    expect(() => acquireLock(path)).toThrow(`pid ${sleeper.pid}`);
    sleeper.kill();
  });

  test("a live pid with another start time (a reused pid) does not hold the lock; nor does our own pid", () => {
    const path = lockPath();
    const sleeper = Bun.spawn(["sleep", "30"]);
    writeFileSync(path, info(sleeper.pid, { token: "reused", start: 1 }));
    acquireLock(path).release();
    writeFileSync(path, info(process.pid, { token: "mine-before" }));
    acquireLock(path).release();
    sleeper.kill();
  });

  test("an unreadable lock (written by an old version) counts as held for a moment, then as stale", () => {
    const path = lockPath();
    writeFileSync(path, "");
    const started = Date.now();
    const lock = acquireLock(path);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    lock.release();
  });
});
