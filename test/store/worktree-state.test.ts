// The worktree registry in the state file (`worktrees`, src/store/state.ts): absent in a serial run's file (its text
// unchanged), written and read back whole, and a bad record refused with the field named, the file left as it was.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateFileError } from "../../src/errors.ts";
import { keptWorktreeLines } from "../../src/actors/worktree-registry.ts";
import { createStateStore, emptyState, loadState, type WorktreeRecord } from "../../src/store/state.ts";

const dir = mkdtempSync(join(tmpdir(), "seqorch-worktree-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record: WorktreeRecord = {
  path: "/repo/.kiro/specs/feat/.seqorch/worktrees/1", branch: "seqorch/feat/1", base: "a".repeat(40), status: "merging", integration: "main",
  backup_ref: "refs/seqorch/pre-merge/feat/1", sent_back: 1, aside: [{ path: "/repo/x-kept-1", branch: "seqorch/feat/1-kept-1" }], note: null, updated_at: "2026-12-02T00:00:00.000Z",
};

describe("worktree registry in the state", () => {
  test("a state without worktrees writes no `worktrees` key; one with a record reads back equal", () => {
    const path = join(dir, "a.json");
    const store = createStateStore(path, emptyState("/spec"));
    store.update((s) => void (s.completed = ["1"]));
    expect(readFileSync(path, "utf8")).not.toContain("worktrees");
    expect(loadState(path)?.worktrees).toBeUndefined();
    store.update((s) => void (s.worktrees = { "1": record }));
    expect(loadState(path)?.worktrees).toEqual({ "1": record });
  });

  test("a record with an unknown status is refused naming the field; the file is not touched", () => {
    const path = join(dir, "b.json");
    const text = JSON.stringify({ ...emptyState("/spec"), worktrees: { "1": { ...record, status: "half-merged" } } });
    writeFileSync(path, text);
    const error = (() => {
      try {
        loadState(path);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toContain("worktrees.1.status");
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  test("an older record without the optional fields gets their defaults", () => {
    const path = join(dir, "c.json");
    const { backup_ref: _b, sent_back: _s, aside: _a, note: _n, ...old } = record;
    writeFileSync(path, JSON.stringify({ ...emptyState("/spec"), worktrees: { "1": old } }));
    expect(loadState(path)?.worktrees?.["1"]).toEqual({ ...old, backup_ref: null, sent_back: 0, aside: [], note: null });
  });

  test("the summary's lines: kept worktrees with why, and every try set aside with what to do", () => {
    const state = { ...emptyState("/spec"), worktrees: { "1": { ...record, status: "kept" as const, note: "merge_conflict: conflicted" }, "2": { ...record, status: "removed" as const, aside: [] } } };
    expect(keptWorktreeLines(state)).toEqual([
      "unit 1: worktree kept at /repo/.kiro/specs/feat/.seqorch/worktrees/1 (seqorch/feat/1): merge_conflict: conflicted",
      "unit 1: an earlier try kept at /repo/x-kept-1 (seqorch/feat/1-kept-1); compare it with git -C /repo/x-kept-1 log -p main.., merge or drop it, then seqorch worktrees --prune",
    ]);
    expect(keptWorktreeLines(emptyState("/spec"))).toEqual([]);
  });
});
