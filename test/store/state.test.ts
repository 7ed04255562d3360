// The state file's text: the same with or without the per-unit line cache, whatever was touched.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStateStore, emptyState, formatState, loadState, type AttemptRecord } from "../../src/store/state.ts";

const record = (n: number): AttemptRecord => ({
  n, iteration: n, backend: "command", status: "running", reason: null, started_at: "2026-01-01T00:00:00.000Z", ended_at: null,
  duration_ms: null, exit_code: null, counted: true, log: `/x/${n}/out.log`, runner: "direct", window_id: null, session_id: null,
  pid: 1, channel: null, detached: false, attempt_id: "a", agent_session_id: null, agent_usage: null,
});

describe("state file", () => {
  test("updates that name the units they touch write the same text as a full serialisation", () => {
    const dir = mkdtempSync(join(tmpdir(), "seqorch-state-"));
    try {
      const path = join(dir, "SEQUENTIAL_STATE.json");
      const store = createStateStore(path, emptyState("/spec"));
      for (const unit of ["1", "2", "3"]) {
        store.update((s) => void (s.attempts[unit] = [record(1)]), { units: [unit] });
        store.update((s) => void Object.assign(s.attempts[unit]![0]!, { status: "done", ended_at: "2026-01-01T00:01:00.000Z" }), { units: [unit] });
      }
      store.update((s) => void s.attempts["2"]!.push(record(2)), { units: ["2"] });
      store.update((s) => void (s.completed = ["1", "3"]));
      const text = readFileSync(path, "utf8");
      expect(text).toBe(formatState(store.get()));
      expect(loadState(path)).toEqual(store.get());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a deferred change is not written by itself, and reaches the disk with the next update (its unit's line serialised again)", () => {
    const dir = mkdtempSync(join(tmpdir(), "seqorch-state-"));
    try {
      const path = join(dir, "SEQUENTIAL_STATE.json");
      const store = createStateStore(path, emptyState("/spec"));
      store.update((s) => void (s.attempts["1"] = [{ ...record(1), pid: null }]), { units: ["1"] });
      store.update((s) => void (s.attempts["2"] = [{ ...record(1), pid: null }]), { units: ["2"] });
      const before = readFileSync(path, "utf8");
      store.update((s) => void (s.attempts["1"]![0]!.pid = 4242), { defer: true, units: ["1"] });
      expect(store.get().attempts["1"]![0]!.pid).toBe(4242);
      expect(readFileSync(path, "utf8")).toBe(before);
      // The next write names another unit only: the deferred unit's line is written afresh all the same.
      store.update((s) => void (s.attempts["2"]![0]!.status = "done"), { units: ["2"] });
      expect(loadState(path)!.attempts["1"]![0]!.pid).toBe(4242);
      expect(readFileSync(path, "utf8")).toBe(formatState(store.get()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
