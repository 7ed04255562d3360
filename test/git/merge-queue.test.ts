// A merge-queue turn against real git: merged and cleaned up; gate failure reset and re-run alone; a second
// conflict kept for a decision; a merge killed mid-rebase recovered on adoption.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runMergeTurn } from "../../src/git/merge-queue.ts";
import type { MergeRequest } from "../../src/git/merge-unit.ts";
import { createUnitWorktree, rebaseInProgress, unitWorktree, type UnitWorktree } from "../../src/git/worktree.ts";
import { commitAll, git, removeRepos, tempRepo, write } from "./temp-repo.ts";

afterAll(removeRepos);

const pass = async () => true;
const fail = async () => false;
const refs = (repo: string) => git(repo, "for-each-ref", "--format=%(refname)").trim().split("\n");

function scene() {
  const { repo, specDir, specRel, base } = tempRepo();
  const request = (wt: UnitWorktree, writes: string[], from: string): MergeRequest => ({
    repo,
    worktree: wt,
    integrationBranch: "main",
    base: from,
    manifest: { writes, reads: [] },
    specRel,
    lenient: false,
    specName: "feat",
  });
  const unit = async (key: string, edits: Record<string, string>, from = git(repo, "rev-parse", "main").trim()) => {
    const wt = unitWorktree(specDir, "feat", key);
    await createUnitWorktree(repo, wt, from);
    for (const [file, text] of Object.entries(edits)) write(wt.path, file, text);
    commitAll(wt.path, `feat(feat): ${key}`);
    return { wt, from };
  };
  return { repo, specDir, base, request, unit };
}

describe("runMergeTurn", () => {
  test("merged and gate passed: completed; worktree, branch and backup ref removed", async () => {
    const s = scene();
    const { wt, from } = await s.unit("1", { "src/one.ts": "one\n" });
    const turn = await runMergeTurn(s.request(wt, ["src/one.ts"], from), pass, 0);
    expect(turn.verdict.status).toBe("completed");
    expect(turn.kept).toBeNull();
    expect(existsSync(wt.path)).toBe(false);
    expect(refs(s.repo)).toEqual(["refs/heads/main"]);
    expect(git(s.repo, "log", "--format=%s", "-1").trim()).toBe("feat(feat): 1");
  });

  test("gate fails on the integrated tree: reset to the backup, set aside, run again alone, then merged", async () => {
    const s = scene();
    const { wt, from } = await s.unit("1", { "src/one.ts": "one\n" });
    const turn = await runMergeTurn(s.request(wt, ["src/one.ts"], from), fail, 0);
    expect(turn.gatePassed).toBe(false);
    expect(turn.verdict).toMatchObject({ status: "pending", alone: true, resetToBackup: true, sentBack: 1 });
    expect(git(s.repo, "rev-parse", "main").trim()).toBe(s.base);
    expect(turn.kept?.branch).toBe("seqorch/feat/1-kept-1");
    expect(git(s.repo, "show", "seqorch/feat/1-kept-1:src/one.ts")).toBe("one\n");
    expect(readFileSync(join(turn.kept?.path ?? "", "src/one.ts"), "utf8")).toBe("one\n");
    const again = await s.unit("1", { "src/one.ts": "one, second run\n" });
    const second = await runMergeTurn(s.request(again.wt, ["src/one.ts"], again.from), pass, turn.verdict.sentBack);
    expect(second.verdict.status).toBe("completed");
    expect(readFileSync(join(s.repo, "src/one.ts"), "utf8")).toBe("one, second run\n");
  });

  test("a conflict sends the unit back once; the second one is a merge_conflict decision with the worktree kept", async () => {
    const s = scene();
    const shared = readFileSync(join(s.repo, "src/shared.ts"), "utf8");
    const clash = async (key: string, text: string) => {
      const u = await s.unit(key, { "src/shared.ts": shared.replace("line 4", text) });
      write(s.repo, "src/shared.ts", shared.replace("line 4", `main ${text}`));
      commitAll(s.repo, `main moves under ${key} (${text})`);
      return u;
    };
    const first = await clash("1", "first");
    const turn = await runMergeTurn(s.request(first.wt, ["src/shared.ts"], first.from), pass, 0);
    expect(turn.outcome).toMatchObject({ kind: "conflict", files: ["src/shared.ts"] });
    expect(turn.verdict).toMatchObject({ status: "pending", alone: true, sentBack: 1 });
    expect(turn.kept?.branch).toBe("seqorch/feat/1-kept-1");
    const second = await clash("1", "second");
    const last = await runMergeTurn(s.request(second.wt, ["src/shared.ts"], second.from), pass, turn.verdict.sentBack);
    expect(last.verdict).toMatchObject({ status: "blocked", decision: "merge_conflict" });
    expect(last.kept).toEqual(second.wt);
    expect(existsSync(second.wt.path)).toBe(true);
    expect(git(s.repo, "show", `${second.wt.branch}:src/shared.ts`)).toContain("second");
    expect(git(s.repo, "show", "seqorch/feat/1-kept-1:src/shared.ts")).toContain("first");
  });

  test("a scope violation is a decision at once; nothing merged, nothing set aside", async () => {
    const s = scene();
    const { wt, from } = await s.unit("1", { "src/one.ts": "one\n", "src/other.ts": "x\n" });
    const turn = await runMergeTurn(s.request(wt, ["src/one.ts"], from), pass, 0);
    expect(turn.gatePassed).toBeNull();
    expect(turn.verdict).toMatchObject({ status: "blocked", decision: "scope_violation" });
    expect(turn.kept).toEqual(wt);
    expect(git(s.repo, "rev-parse", "main").trim()).toBe(s.base);
  });
});

describe("kill -9 in the middle of a merge", () => {
  test("a worktree left mid-rebase is put back on its branch when the next run adopts it", async () => {
    const s = scene();
    const shared = readFileSync(join(s.repo, "src/shared.ts"), "utf8");
    const { wt } = await s.unit("1", { "src/shared.ts": shared.replace("line 2", "unit") });
    const tip = git(s.repo, "rev-parse", wt.branch).trim();
    write(s.repo, "src/shared.ts", shared.replace("line 2", "main"));
    commitAll(s.repo, "main moves");
    expect(Bun.spawnSync(["git", "rebase", "-q", "main"], { cwd: wt.path, stdout: "pipe", stderr: "pipe" }).exitCode).not.toBe(0);
    expect(await rebaseInProgress(wt.path)).toBe(true);
    expect(await createUnitWorktree(s.repo, wt, s.base)).toBe("adopted");
    expect(await rebaseInProgress(wt.path)).toBe(false);
    expect(git(wt.path, "symbolic-ref", "--short", "HEAD").trim()).toBe(wt.branch);
    expect(git(wt.path, "rev-parse", "HEAD").trim()).toBe(tip);
    expect(git(wt.path, "status", "--porcelain")).toBe("");
  });
});
