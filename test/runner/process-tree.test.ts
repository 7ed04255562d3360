// The look for an attempt's processes after it ended: the first look reads only the pids allocated since the
// attempt began (when the pid allocator's counters can tell), and every process that carries the attempt id is
// still found, whether it started before or after that first process.
import { afterAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { findAttemptTree, pidMark } from "../../src/runner/process-tree.ts";

const started: Subprocess[] = [];
afterAll(() => {
  for (const proc of started) proc.kill("SIGKILL");
});

/** A `sleep` in its own session carrying `SEQORCH_ATTEMPT_ID=id`: what a daemon an agent left looks like. */
function daemon(id: string): Subprocess {
  const proc = Bun.spawn(["sleep", "30"], { env: { ...process.env, SEQORCH_ATTEMPT_ID: id }, detached: true, stdio: ["ignore", "ignore", "ignore"] });
  started.push(proc);
  return proc;
}

/** Wait until `pid` has exec'd `sleep` (its environment is then the one given). */
async function execd(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await Bun.file(`/proc/${pid}/comm`).text().catch(() => "")).trim() === "sleep") return;
    await Bun.sleep(10);
  }
  throw new Error(`process ${pid} never ran sleep`);
}

test.skipIf(process.platform !== "linux")("a process forked after the mark is found by the first look; one older than the attempt's first process is not read by it", async () => {
  const id = `test-${process.pid}-${Date.now()}`;
  const older = daemon(id);
  const mark = pidMark();
  expect(mark).not.toBeNull();
  const first = daemon(id);
  const later = daemon(id);
  await Promise.all([execd(older.pid), execd(first.pid), execd(later.pid)]);
  const tree = { pgid: null, rootPid: null, attemptId: id, newSince: { firstPid: first.pid, mark: mark! } };
  const firstLook = findAttemptTree(tree, true).map((p) => p.pid).sort((a, b) => a - b);
  expect(firstLook).toEqual([first.pid, later.pid].sort((a, b) => a - b));
  // Every later look reads all of /proc.
  expect(findAttemptTree(tree).map((p) => p.pid).sort((a, b) => a - b)).toEqual([older.pid, first.pid, later.pid].sort((a, b) => a - b));
});

test.skipIf(process.platform !== "linux")("when the pids may have wrapped round since the mark, the first look reads all of /proc", async () => {
  const id = `test-${process.pid}-${Date.now()}-wrap`;
  const older = daemon(id);
  const mark = pidMark()!;
  const first = daemon(id);
  await Promise.all([execd(older.pid), execd(first.pid)]);
  // A mark taken when more tasks existed than pids can be told apart from: no range can be trusted.
  const tree = { pgid: null, rootPid: null, attemptId: id, newSince: { firstPid: first.pid, mark: { ...mark, tasks: 1e9 } } };
  expect(findAttemptTree(tree, true).map((p) => p.pid).sort((a, b) => a - b)).toEqual([older.pid, first.pid].sort((a, b) => a - b));
  // So does a mark from after the look (a fork count going backwards).
  const later = { pgid: null, rootPid: null, attemptId: id, newSince: { firstPid: first.pid, mark: { ...mark, forks: mark.forks + 1e9 } } };
  expect(findAttemptTree(later, true)).toHaveLength(2);
});
