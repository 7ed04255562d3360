// What the actors remember lives in one object per run: two runs in one process (two readers, two workdir
// views) never see each other's caches.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPlanReader } from "../../src/actors/plan-reader.ts";
import { createWorkdirGit } from "../../src/actors/workdir-changes.ts";

const root = mkdtempSync(join(tmpdir(), "seqorch-per-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tasksFile(name: string, text: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "tasks.md");
  writeFileSync(file, text);
  return file;
}

const stampOf = (file: string) => {
  const { ino, size, mtimeMs } = statSync(file);
  return { ino, size, mtimeMs };
};

describe("plan reader", () => {
  test("two readers of two specs, read in turns, each keep their own reading (no re-parse, same generation)", () => {
    const a = createPlanReader(tasksFile("a", "- [ ] 1. One\n- [ ] 2. Two\n"), {});
    const b = createPlanReader(tasksFile("b", "- [ ] 1. Other\n"), {});
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push(a.read([]).generation, b.read([]).generation);
    expect(seen).toEqual([1, 1, 1, 1, 1, 1]);
    expect(a.read(["1"]).next?.id).toBe("2");
    expect(b.read([]).next?.title).toBe("Other");
  });

  test("a tick noted by one run's reader is an outside change for another reader of the same file", () => {
    const file = tasksFile("shared", "- [ ] 1. One\n- [ ] 2. Two\n");
    const mine = createPlanReader(file, {});
    const other = createPlanReader(file, {});
    expect([mine.read([]).generation, other.read([]).generation]).toEqual([1, 1]);
    const before = readFileSync(file, "utf8");
    const after = before.replace("- [ ] 1.", "- [x] 1.");
    writeFileSync(file, after);
    // Same size, same inode: a later mtime is what tells the version apart (file times can be a few ms coarse).
    const later = new Date(statSync(file).mtimeMs + 10_000);
    utimesSync(file, later, later);
    mine.noteMarksWritten(Buffer.from(before), Buffer.from(after), [{ key: "1", id: "1", title: "One", to: "x" }], stampOf(file));
    // Its own write: the same reading, the tick applied without parsing again.
    expect(mine.read([]).generation).toBe(1);
    expect(mine.ticked()).toEqual(new Set(["1"]));
    // The other run did not write it: it reads the file again (a new generation) and sees the tick.
    const view = other.read([]);
    expect(view.generation).toBe(2);
    expect(view.pending.map((u) => u.id)).toEqual(["2"]);
  });
});

describe("workdir git view", () => {
  test("a run whose workdir is not a repository does not stop another run from fingerprinting its own", async () => {
    const plain = join(root, "plain");
    mkdirSync(plain, { recursive: true });
    const repo = join(root, "repo");
    mkdirSync(repo, { recursive: true });
    expect(Bun.spawnSync(["git", "init", "-q"], { cwd: repo }).exitCode).toBe(0);
    const outside = createWorkdirGit(plain, []);
    const inside = createWorkdirGit(repo, []);
    expect(await outside.after()).toBeNull();
    const first = await inside.after();
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    writeFileSync(join(repo, "new.txt"), "x\n");
    expect(await outside.after()).toBeNull();
    const second = await inside.after();
    expect(second).toMatch(/^[0-9a-f]{40}$/);
    expect(second).not.toBe(first);
  });
});
