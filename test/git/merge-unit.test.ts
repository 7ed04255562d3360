// The merge queue's step against real git: backup ref, scope check, rebase + fast-forward (linear history),
// conflicts aborted with the branch kept, and the "disjoint manifests, one file edited by both" case.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mergeUnit, resetToBackup, type MergeRequest } from "../../src/git/merge-unit.ts";
import { createUnitWorktree, unitWorktree, type UnitWorktree } from "../../src/git/worktree.ts";
import type { Manifest } from "../../src/schedule/manifest.ts";
import { commitAll, git, removeRepos, tempRepo, write } from "./temp-repo.ts";

afterAll(removeRepos);

interface Setup {
  repo: string;
  specRel: string;
  base: string;
  unit(key: string, writes: string[], edits: Record<string, string>): Promise<{ wt: UnitWorktree; manifest: Manifest }>;
  request(u: { wt: UnitWorktree; manifest: Manifest }, lenient?: boolean): MergeRequest;
}

async function setup(): Promise<Setup> {
  const { repo, specDir, specRel, base } = tempRepo();
  return {
    repo,
    specRel,
    base,
    async unit(key, writes, edits) {
      const wt = unitWorktree(specDir, "feat", key);
      await createUnitWorktree(repo, wt, base);
      for (const [file, text] of Object.entries(edits)) write(wt.path, file, text);
      commitAll(wt.path, `feat(feat): ${key}`);
      return { wt, manifest: { writes, reads: [] } };
    },
    request: (u, lenient = false) => ({
      repo,
      worktree: u.wt,
      integrationBranch: "main",
      base,
      manifest: u.manifest,
      specRel,
      lenient,
      specName: "feat",
    }),
  };
}

const log = (repo: string) => git(repo, "log", "--format=%s", "main").trim().split("\n");
const shared = (repo: string) => readFileSync(join(repo, "src/shared.ts"), "utf8");

describe("mergeUnit", () => {
  test("units with disjoint writes merge in order onto a linear history, each commit kept", async () => {
    const s = await setup();
    const one = await s.unit("1", ["src/one.ts"], { "src/one.ts": "one\n" });
    const two = await s.unit("2", ["src/two"], { "src/two/a.ts": "two\n" });
    const first = await mergeUnit(s.request(one));
    expect(first).toMatchObject({ kind: "merged", commits: 1, changed: ["src/one.ts"], outside: [] });
    const second = await mergeUnit(s.request(two));
    expect(second).toMatchObject({ kind: "merged", commits: 1, changed: ["src/two/a.ts"] });
    expect(log(s.repo)).toEqual(["feat(feat): 2", "feat(feat): 1", "first"]);
    expect(git(s.repo, "rev-list", "--merges", "main").trim()).toBe("");
    expect(git(s.repo, "rev-parse", "refs/seqorch/pre-merge/feat/2").trim()).toBe(first.kind === "merged" ? first.head : "");
    expect(readFileSync(join(s.repo, "src/two/a.ts"), "utf8")).toBe("two\n");
    expect(git(s.repo, "status", "--porcelain")).toBe("");
  });

  test("a unit writing outside its manifest is a scope violation: nothing merged, branch kept; --lenient-writes merges and reports", async () => {
    const s = await setup();
    const u = await s.unit("1", ["src/one.ts"], { "src/one.ts": "one\n", "src/sneaky.ts": "x\n" });
    const head = git(s.repo, "rev-parse", "main").trim();
    expect(await mergeUnit(s.request(u))).toEqual({ kind: "scope-violation", outside: ["src/sneaky.ts"], changed: ["src/one.ts", "src/sneaky.ts"] });
    expect(git(s.repo, "rev-parse", "main").trim()).toBe(head);
    expect(git(s.repo, "branch", "--list", "--format=%(refname:short)", u.wt.branch).trim()).toBe(u.wt.branch);
    expect(await mergeUnit(s.request(u, true))).toMatchObject({ kind: "merged", outside: ["src/sneaky.ts"] });
    expect(existsSync(join(s.repo, "src/sneaky.ts"))).toBe(true);
  });

  test("a unit without a manifest (it ran alone) may write anywhere; a reads-only unit may not write", async () => {
    const s = await setup();
    const free = await s.unit("1", [], { "src/any.ts": "x\n", "docs/y.md": "y\n" });
    expect(await mergeUnit(s.request(free))).toMatchObject({ kind: "merged", outside: [] });
    const reader = await s.unit("2", [], { "src/wrote.ts": "x\n" });
    reader.manifest.reads = ["src/any.ts"];
    expect(await mergeUnit(s.request(reader))).toMatchObject({ kind: "scope-violation", outside: ["src/wrote.ts"] });
  });

  describe("two units declare disjoint writes but both edit one file: nothing is lost", () => {
    test("strict: the second is a scope violation (a decision), its commit untouched on its branch", async () => {
      const s = await setup();
      const a = await s.unit("1", ["src/a.ts", "src/shared.ts"], { "src/a.ts": "a\n", "src/shared.ts": shared(s.repo).replace("line 1", "A") });
      const b = await s.unit("2", ["src/b.ts"], { "src/b.ts": "b\n", "src/shared.ts": shared(s.repo).replace("line 8", "B") });
      expect((await mergeUnit(s.request(a))).kind).toBe("merged");
      expect(await mergeUnit(s.request(b))).toMatchObject({ kind: "scope-violation", outside: ["src/shared.ts"] });
      expect(git(s.repo, "show", `${b.wt.branch}:src/shared.ts`)).toContain("B");
      expect(shared(s.repo)).toContain("A");
    });

    test("lenient, separate lines: both changes end up on the branch", async () => {
      const s = await setup();
      const a = await s.unit("1", ["src/a.ts"], { "src/a.ts": "a\n", "src/shared.ts": shared(s.repo).replace("line 1", "A") });
      const b = await s.unit("2", ["src/b.ts"], { "src/b.ts": "b\n", "src/shared.ts": shared(s.repo).replace("line 8", "B") });
      expect((await mergeUnit(s.request(a, true))).kind).toBe("merged");
      expect((await mergeUnit(s.request(b, true))).kind).toBe("merged");
      expect(shared(s.repo)).toBe("A\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nB\n");
      expect(log(s.repo)).toEqual(["feat(feat): 2", "feat(feat): 1", "first"]);
    });

    test("lenient, same line: a conflict outcome; rebase aborted, branch and worktree kept as they were", async () => {
      const s = await setup();
      const a = await s.unit("1", ["src/a.ts"], { "src/a.ts": "a\n", "src/shared.ts": shared(s.repo).replace("line 4", "A") });
      const b = await s.unit("2", ["src/b.ts"], { "src/b.ts": "b\n", "src/shared.ts": shared(s.repo).replace("line 4", "B") });
      const tipB = git(s.repo, "rev-parse", b.wt.branch).trim();
      const merged = await mergeUnit(s.request(a, true));
      expect(merged.kind).toBe("merged");
      const afterA = git(s.repo, "rev-parse", "main").trim();
      const outcome = await mergeUnit(s.request(b, true));
      expect(outcome).toEqual({ kind: "conflict", files: ["src/shared.ts"], backupRef: "refs/seqorch/pre-merge/feat/2" });
      expect(git(s.repo, "rev-parse", "main").trim()).toBe(afterA);
      expect(git(s.repo, "rev-parse", b.wt.branch).trim()).toBe(tipB);
      expect(existsSync(join(b.wt.path, ".git"))).toBe(true);
      expect(git(b.wt.path, "status", "--porcelain")).toBe("");
      expect(readFileSync(join(b.wt.path, "src/shared.ts"), "utf8")).toContain("B");
      expect(shared(s.repo)).toContain("A");
    });
  });

  test("a unit commit that changed tasks.md never reaches the integration branch; seqorch's uncommitted tick survives", async () => {
    const s = await setup();
    const u = await s.unit("1", ["src/one.ts"], { "src/one.ts": "one\n", [`${".kiro/specs/feat"}/tasks.md`]: "- [x] 1. One\n- [x] 2. Two\n" });
    write(s.repo, `${s.specRel}/tasks.md`, "- [x] 1. One\n- [ ] 2. Two\n");
    const outcome = await mergeUnit(s.request(u));
    expect(outcome).toMatchObject({ kind: "merged", changed: ["src/one.ts"], commits: 2 });
    expect(git(s.repo, "diff", "--name-only", s.base, "main").trim()).toBe("src/one.ts");
    expect(readFileSync(join(s.repo, s.specRel, "tasks.md"), "utf8")).toBe("- [x] 1. One\n- [ ] 2. Two\n");
  });

  test("leftover uncommitted edits in the worktree are stashed, not lost, and the merge goes on", async () => {
    const s = await setup();
    const u = await s.unit("1", ["src/one.ts"], { "src/one.ts": "one\n" });
    write(u.wt.path, "src/one.ts", "one, edited after the commit\n");
    const outcome = await mergeUnit(s.request(u));
    expect(outcome).toMatchObject({ kind: "merged", stashed: ["src/one.ts"] });
    expect(git(s.repo, "stash", "list")).toContain("seqorch: unit 1 uncommitted at merge");
    expect(git(s.repo, "show", "stash@{0}:src/one.ts")).toBe("one, edited after the commit\n");
  });

  test("a unit that committed nothing merges as a no-op (zero commits), the integration branch unchanged", async () => {
    const s = await setup();
    const wt = unitWorktree(join(s.repo, s.specRel), "feat", "1");
    await createUnitWorktree(s.repo, wt, s.base);
    const outcome = await mergeUnit(s.request({ wt, manifest: { writes: ["src/one.ts"], reads: [] } }));
    expect(outcome).toMatchObject({ kind: "merged", commits: 0, changed: [], head: s.base });
  });

  test("an untracked file in the main checkout in the way: refused, integration branch unchanged", async () => {
    const s = await setup();
    const u = await s.unit("1", ["src/one.ts"], { "src/one.ts": "one\n" });
    write(s.repo, "src/one.ts", "the user's own untracked file\n");
    const outcome = await mergeUnit(s.request(u));
    expect(outcome.kind).toBe("refused");
    expect(git(s.repo, "rev-parse", "main").trim()).toBe(s.base);
    expect(readFileSync(join(s.repo, "src/one.ts"), "utf8")).toBe("the user's own untracked file\n");
  });

  test("resetToBackup undoes a merge whose gate failed; the unit's commits stay on its branch", async () => {
    const s = await setup();
    const u = await s.unit("1", ["src/one.ts"], { "src/one.ts": "one\n" });
    write(s.repo, `${s.specRel}/tasks.md`, "- [x] 1. One\n- [ ] 2. Two\n");
    const outcome = await mergeUnit(s.request(u));
    if (outcome.kind !== "merged") throw new Error(`expected a merge, got ${outcome.kind}`);
    await resetToBackup(s.repo, outcome.backupRef);
    expect(git(s.repo, "rev-parse", "main").trim()).toBe(s.base);
    expect(existsSync(join(s.repo, "src/one.ts"))).toBe(false);
    expect(git(s.repo, "show", `${u.wt.branch}:src/one.ts`)).toBe("one\n");
    expect(readFileSync(join(s.repo, s.specRel, "tasks.md"), "utf8")).toBe("- [x] 1. One\n- [ ] 2. Two\n");
  });
});
