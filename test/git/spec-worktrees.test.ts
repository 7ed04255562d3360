// `seqorch worktrees`: listing a spec's unit worktrees and branches with their state, and pruning without losing work.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pruneSpecWorktrees, specWorktrees } from "../../src/git/spec-worktrees.ts";
import { createUnitWorktree, removeUnitWorktree, unitWorktree } from "../../src/git/worktree.ts";
import { commitAll, git, removeRepos, tempRepo, write } from "./temp-repo.ts";

afterAll(removeRepos);

const binary = join(import.meta.dir, "..", "..", "dist", "seqorch");
if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npm run build\` first (npm test does)`);

/** Five units in every state: merged, unmerged, dirty, missing folder, branch without a worktree. */
async function scene() {
  const { repo, specDir, base } = tempRepo();
  const wt = (key: string) => unitWorktree(specDir, "feat", key);
  for (const key of ["1", "2", "3", "4", "5"]) await createUnitWorktree(repo, wt(key), base);
  write(wt("1").path, "one.ts", "1\n");
  commitAll(wt("1").path, "unit 1");
  git(repo, "merge", "--ff-only", "-q", wt("1").branch);
  write(wt("2").path, "two.ts", "2\n");
  commitAll(wt("2").path, "unit 2");
  write(wt("3").path, "three.ts", "uncommitted\n");
  write(wt("5").path, "five.ts", "5\n");
  commitAll(wt("5").path, "unit 5");
  await removeUnitWorktree(repo, wt("5"), false);
  rmSync(wt("4").path, { recursive: true, force: true });
  return { repo, specDir, wt };
}

describe("specWorktrees / pruneSpecWorktrees", () => {
  test("lists each unit with what it holds, then prunes only what loses nothing", async () => {
    const { repo, specDir, wt } = await scene();
    const rows = await specWorktrees(repo, specDir, "feat");
    expect(rows.map((r) => [r.unit, r.state, r.ahead])).toEqual([
      ["1", "merged", 0],
      ["2", "unmerged", 1],
      ["3", "dirty", 0],
      ["4", "missing", 0],
      ["5", "branch-only", 1],
    ]);
    const results = await pruneSpecWorktrees(repo, rows);
    expect(results.map((r) => [r.row.unit, r.action])).toEqual([
      ["1", "removed"],
      ["2", "removed"],
      ["3", "kept"],
      ["4", "removed"],
      ["5", "kept"],
    ]);
    expect(existsSync(wt("1").path)).toBe(false);
    expect(existsSync(wt("2").path)).toBe(false);
    expect(existsSync(join(wt("3").path, "three.ts"))).toBe(true);
    const branches = git(repo, "branch", "--format=%(refname:short)").trim().split("\n").sort();
    expect(branches).toEqual(["main", "seqorch/feat/2", "seqorch/feat/3", "seqorch/feat/4", "seqorch/feat/5"]);
    const after = await specWorktrees(repo, specDir, "feat");
    expect(after.map((r) => [r.unit, r.state])).toEqual([
      ["3", "dirty"],
      ["2", "branch-only"],
      ["4", "merged"],
      ["5", "branch-only"],
    ]);
  });
});

describe("seqorch worktrees (compiled binary)", () => {
  test("lists, prunes, and exits 1 while something is kept", async () => {
    const { specDir } = await scene();
    const list = Bun.spawnSync([binary, "worktrees", "--spec", specDir, "--json"], { stdout: "pipe", stderr: "pipe" });
    expect(list.exitCode).toBe(0);
    const data = JSON.parse(list.stdout.toString()) as { worktrees: { unit: string; state: string }[] };
    expect(data.worktrees.map((w) => w.state)).toEqual(["merged", "unmerged", "dirty", "missing", "branch-only"]);
    const text = Bun.spawnSync([binary, "worktrees", "--spec", specDir], { stdout: "pipe", stderr: "pipe" });
    expect(text.stdout.toString()).toContain("  3  dirty  seqorch/feat/3");
    const prune = Bun.spawnSync([binary, "worktrees", "--spec", specDir, "--prune"], { stdout: "pipe", stderr: "pipe" });
    expect(prune.exitCode).toBe(1);
    expect(prune.stdout.toString()).toContain("3: kept: uncommitted changes");
  });

  test("outside a git repository: one clear line", () => {
    const dir = mkdtempSync(join(tmpdir(), "seqorch-nogit-"));
    writeFileSync(join(dir, "tasks.md"), "- [ ] 1. One\n");
    const proc = Bun.spawnSync([binary, "worktrees", "--spec", dir], { stdout: "pipe", stderr: "pipe", env: { ...process.env, GIT_CEILING_DIRECTORIES: dir } });
    expect(proc.exitCode).toBe(66);
    expect(proc.stderr.toString().trim()).toBe(`seqorch: ${dir}: not inside a git repository (worktrees need one)`);
    rmSync(dir, { recursive: true, force: true });
  });
});
