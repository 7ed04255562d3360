// Unit worktrees against real git repositories: paths and branches, exclusion, adoption after a kill -9,
// .worktreeinclude, --worktree-setup, and the spec folder restored before a commit.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { restoreSpecFolder } from "../../src/git/spec-restore.ts";
import {
  createUnitWorktree,
  listWorktrees,
  parseWorktreeList,
  refComponent,
  removeMergedWorktree,
  removeUnitWorktree,
  setAsideUnitWorktree,
  unitWorktree,
} from "../../src/git/worktree.ts";
import { worktreeIncludeFiles } from "../../src/git/worktree-include.ts";
import { setUpWorktree } from "../../src/git/worktree-setup.ts";
import { isAlive } from "../../src/runner/process-tree.ts";
import { commitAll, git, removeRepos, tempRepo, write } from "./temp-repo.ts";

afterAll(removeRepos);

describe("refComponent and unitWorktree", () => {
  test.each([
    ["2.1", "2.1"],
    ["3#2", "3#2"],
    ["a b", "a-b"],
    ["x..y", "x.y"],
    ["feat/sub", "feat-sub"],
    ["x.lock", "x-lock"],
    [".hidden", "hidden"],
    ["a~b^c:d?e*f[g\\h", "a-b-c-d-e-f-g-h"],
    ["@{x", "x"],
    ["", "unit"],
  ])("%p → %p", (raw, expected) => {
    expect(refComponent(raw)).toBe(expected);
    expect(Bun.spawnSync(["git", "check-ref-format", `refs/heads/seqorch/s/${expected}`]).exitCode).toBe(0);
  });

  test("a unit's worktree lives under the spec's .seqorch/worktrees, on seqorch/<spec>/<unit>", () => {
    expect(unitWorktree("/r/.kiro/specs/feat", "feat", "2.1")).toEqual({
      unit: "2.1",
      path: "/r/.kiro/specs/feat/.seqorch/worktrees/2.1",
      branch: "seqorch/feat/2.1",
    });
  });
});

describe("parseWorktreeList", () => {
  test("reads porcelain -z records: branch, detached, prunable, locked", () => {
    const out = [
      "worktree /r", "HEAD aaaa", "branch refs/heads/main", "",
      "worktree /r/wt1", "HEAD bbbb", "detached", "locked reason here", "",
      "worktree /r/wt2", "HEAD cccc", "branch refs/heads/seqorch/f/2", "prunable gitdir file points to non-existent location", "", "",
    ].join("\0");
    expect(parseWorktreeList(out)).toEqual([
      { path: "/r", head: "aaaa", branch: "main", prunable: false, locked: false },
      { path: "/r/wt1", head: "bbbb", branch: null, prunable: false, locked: true },
      { path: "/r/wt2", head: "cccc", branch: "seqorch/f/2", prunable: true, locked: false },
    ]);
  });
});

describe("createUnitWorktree / removeUnitWorktree", () => {
  test("creates the branch at the base, keeps the main checkout's status clean, excludes the folder once", async () => {
    const { repo, specDir, base } = tempRepo();
    const one = unitWorktree(specDir, "feat", "1");
    const two = unitWorktree(specDir, "feat", "2");
    expect(await createUnitWorktree(repo, one, base)).toBe("created");
    expect(await createUnitWorktree(repo, two, base)).toBe("created");
    expect(git(one.path, "rev-parse", "HEAD").trim()).toBe(base);
    expect(git(one.path, "symbolic-ref", "--short", "HEAD").trim()).toBe("seqorch/feat/1");
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
    const exclude = readFileSync(join(repo, ".git", "info", "exclude"), "utf8");
    expect(exclude.split("\n").filter((l) => l === "/.kiro/specs/feat/.seqorch/worktrees/")).toHaveLength(1);
    const listed = (await listWorktrees(repo)).map((e) => e.branch);
    expect(listed).toEqual(["main", "seqorch/feat/1", "seqorch/feat/2"]);
  });

  test("six worktrees made, set aside and removed at once in one repository all succeed (the registry is serialised)", async () => {
    const { repo, specDir, base } = tempRepo();
    const all = ["1", "2", "3", "4", "5", "6"].map((key) => unitWorktree(specDir, "feat", key));
    expect(await Promise.all(all.map((wt) => createUnitWorktree(repo, wt, base)))).toEqual(Array(6).fill("created"));
    const aside = await Promise.all(all.slice(0, 3).map((wt) => setAsideUnitWorktree(repo, wt)));
    expect(aside.map((wt) => wt.branch)).toEqual(["seqorch/feat/1-kept-1", "seqorch/feat/2-kept-1", "seqorch/feat/3-kept-1"]);
    await Promise.all([...aside, ...all.slice(3)].map((wt) => removeUnitWorktree(repo, wt, true)));
    expect((await listWorktrees(repo)).map((e) => e.branch)).toEqual(["main"]);
  });

  test("after a kill -9 a live worktree is adopted, and a lost folder is checked out again from its branch", async () => {
    const { repo, specDir, base } = tempRepo();
    const wt = unitWorktree(specDir, "feat", "1");
    await createUnitWorktree(repo, wt, base);
    write(wt.path, "src/one.ts", "one\n");
    const work = commitAll(wt.path, "unit 1 work");
    write(wt.path, "scratch.txt", "uncommitted\n");
    expect(await createUnitWorktree(repo, wt, base)).toBe("adopted");
    expect(readFileSync(join(wt.path, "scratch.txt"), "utf8")).toBe("uncommitted\n");
    rmSync(wt.path, { recursive: true, force: true });
    expect(await createUnitWorktree(repo, wt, base)).toBe("reattached");
    expect(git(wt.path, "rev-parse", "HEAD").trim()).toBe(work);
  });

  test("a folder git still registers but whose branch is gone: the new branch is made anyway (the first try fails, the full look prunes)", async () => {
    const { repo, specDir, base } = tempRepo();
    const wt = unitWorktree(specDir, "feat", "1");
    await createUnitWorktree(repo, wt, base);
    rmSync(wt.path, { recursive: true, force: true });
    git(repo, "update-ref", "-d", `refs/heads/${wt.branch}`);
    expect((await listWorktrees(repo)).find((e) => e.path === wt.path)?.prunable).toBe(true);
    expect(["created", "reattached"]).toContain(await createUnitWorktree(repo, wt, base));
    expect(git(wt.path, "rev-parse", "HEAD").trim()).toBe(base);
    expect(git(wt.path, "status", "--porcelain")).toBe("");
    expect((await listWorktrees(repo)).filter((e) => e.path === wt.path).length).toBe(1);
  });

  test("killed between registering the worktree and checking out its files: adoption checks them out", async () => {
    const { repo, specDir, base } = tempRepo();
    const wt = unitWorktree(specDir, "feat", "1");
    git(repo, "worktree", "add", "-q", "--no-checkout", "-b", wt.branch, wt.path, base);
    expect(existsSync(join(wt.path, "src/shared.ts"))).toBe(false);
    expect(await createUnitWorktree(repo, wt, base)).toBe("adopted");
    expect(readFileSync(join(wt.path, "src/shared.ts"), "utf8")).toStartWith("line 1");
    expect(git(wt.path, "status", "--porcelain")).toBe("");
  });

  test("a spec folder outside the repository: one clear line", async () => {
    const { repo, base } = tempRepo();
    const other = tempRepo();
    const wt = unitWorktree(other.specDir, "feat", "1");
    await expect(createUnitWorktree(repo, wt, base)).rejects.toThrow(`${dirname(wt.path)} is outside this repository`);
  });

  test("removal deletes the folder and the git entry; the branch is deleted only when asked and merged", async () => {
    const { repo, specDir, base } = tempRepo();
    const wt = unitWorktree(specDir, "feat", "1");
    await createUnitWorktree(repo, wt, base);
    write(wt.path, "src/one.ts", "one\n");
    write(wt.path, ".env", "ignored leftovers are no obstacle\n");
    commitAll(wt.path, "unit 1 work");
    await removeUnitWorktree(repo, wt, false);
    expect(existsSync(wt.path)).toBe(false);
    expect((await listWorktrees(repo)).length).toBe(1);
    expect(git(repo, "branch", "--list", wt.branch).trim()).toBe(wt.branch);
    await createUnitWorktree(repo, wt, base);
    git(repo, "merge", "--ff-only", "-q", wt.branch);
    await removeUnitWorktree(repo, wt, true);
    expect(git(repo, "branch", "--list", wt.branch).trim()).toBe("");
  });
});

describe("removeMergedWorktree", () => {
  test("at its tip: folder, branch and backup ref gone in one go; moved past it: the branch and its new commit are kept", async () => {
    const { repo, specDir, base } = tempRepo();
    const wt = unitWorktree(specDir, "feat", "1");
    await createUnitWorktree(repo, wt, base);
    write(wt.path, "src/one.ts", "one\n");
    const tip = commitAll(wt.path, "unit 1 work");
    git(repo, "merge", "--ff-only", "-q", wt.branch);
    git(repo, "update-ref", "refs/seqorch/pre-merge/feat/1", base);
    await removeMergedWorktree(repo, wt, tip, ["refs/seqorch/pre-merge/feat/1"]);
    expect(existsSync(wt.path)).toBe(false);
    expect((await listWorktrees(repo)).length).toBe(1);
    expect(git(repo, "for-each-ref", "refs/heads/seqorch", "refs/seqorch").trim()).toBe("");

    const two = unitWorktree(specDir, "feat", "2");
    await createUnitWorktree(repo, two, tip);
    write(two.path, "src/two.ts", "two\n");
    const merged = commitAll(two.path, "unit 2 work");
    git(repo, "merge", "--ff-only", "-q", two.branch);
    write(two.path, "src/two.ts", "two, later\n");
    const later = commitAll(two.path, "a later commit on the unit branch, never merged");
    git(repo, "update-ref", "refs/seqorch/pre-merge/feat/2", tip);
    await expect(removeMergedWorktree(repo, two, merged, ["refs/seqorch/pre-merge/feat/2"])).rejects.toThrow("branch -d");
    expect(git(repo, "rev-parse", two.branch).trim()).toBe(later);
    expect(git(repo, "for-each-ref", "refs/seqorch").trim()).toBe("");
  });
});

describe(".worktreeinclude and --worktree-setup", () => {
  test("copies only the git-ignored files the include list matches, never the worktrees folder", async () => {
    const { repo, specDir, specRel, base } = tempRepo({
      ".gitignore": ".env\nsecrets/\nbuild/\n.kiro/specs/feat/.seqorch/\n",
      ".worktreeinclude": ".env\nsecrets/\nnotes.txt\ntracked.txt\n.kiro/\n",
      "tracked.txt": "tracked\n",
    });
    write(repo, ".env", "TOKEN=1\n");
    write(repo, "secrets/key.pem", "KEY\n");
    write(repo, "build/out.js", "big\n");
    write(repo, "notes.txt", "untracked, not ignored\n");
    write(repo, `${specRel}/.seqorch/state-of-run.json`, "{}\n");
    const wt = unitWorktree(specDir, "feat", "1");
    await createUnitWorktree(repo, wt, base);
    const files = await worktreeIncludeFiles(repo, [`${specRel}/.seqorch`]);
    expect(files.sort()).toEqual([".env", "secrets/key.pem"]);
    const result = await setUpWorktree(repo, wt.path, { log: join(repo, "setup.log"), skip: [`${specRel}/.seqorch`] });
    expect(result).toEqual({ ok: true, copied: expect.arrayContaining([".env", "secrets/key.pem"]) });
    expect(readFileSync(join(wt.path, ".env"), "utf8")).toBe("TOKEN=1\n");
    expect(readFileSync(join(wt.path, "secrets/key.pem"), "utf8")).toBe("KEY\n");
    expect(existsSync(join(wt.path, "build/out.js"))).toBe(false);
    expect(existsSync(join(wt.path, "notes.txt"))).toBe(false);
  });

  test("no .worktreeinclude: nothing copied; the set-up command runs in the worktree, its failure is reported", async () => {
    const { repo, specDir, base } = tempRepo();
    const wt = unitWorktree(specDir, "feat", "1");
    await createUnitWorktree(repo, wt, base);
    const log = join(repo, "..", `${wt.unit}-setup-${Date.now()}.log`);
    const ok = await setUpWorktree(repo, wt.path, { setupCommand: 'pwd > where.txt; echo "set up"', log });
    expect(ok).toEqual({ ok: true, copied: [] });
    expect(readFileSync(join(wt.path, "where.txt"), "utf8").trim()).toBe(wt.path);
    const failed = await setUpWorktree(repo, wt.path, { setupCommand: "echo installing; exit 7", log });
    expect(failed).toEqual({ ok: false, copied: [], exitCode: 7, log });
    expect(readFileSync(log, "utf8")).toContain("installing");
    rmSync(log);
  });
});

describe("--worktree-setup stopped", () => {
  test("aborting ends the set-up's whole process group, its background children too", async () => {
    const { repo, specDir, base } = tempRepo();
    const wt = unitWorktree(specDir, "feat", "1");
    await createUnitWorktree(repo, wt, base);
    const stop = new AbortController();
    const log = join(repo, "..", `setup-stop-${Date.now()}.log`);
    const running = setUpWorktree(repo, wt.path, { setupCommand: "sleep 30 & echo $! > child.pid; wait", log, signal: stop.signal });
    const childFile = join(wt.path, "child.pid");
    while (!existsSync(childFile) || readFileSync(childFile, "utf8").trim() === "") await Bun.sleep(20);
    const child = Number(readFileSync(childFile, "utf8"));
    stop.abort();
    const result = await running;
    expect(result.ok).toBe(false);
    expect(result.ok ? 0 : result.exitCode).toBeGreaterThan(128);
    expect(isAlive(child)).toBe(false);
    rmSync(log);
  });
});

describe("restoreSpecFolder", () => {
  test("an agent's edits to the spec folder in its worktree are stashed before the commit, not deleted", async () => {
    const { repo, specDir, specRel, base } = tempRepo();
    const wt = unitWorktree(specDir, "feat", "1");
    await createUnitWorktree(repo, wt, base);
    write(wt.path, `${specRel}/tasks.md`, "- [x] 1. One\n- [x] 2. Two\n");
    write(wt.path, `${specRel}/notes.md`, "agent notes\n");
    write(wt.path, "src/one.ts", "work\n");
    const put = await restoreSpecFolder(wt.path, specRel, "1");
    expect(put.sort()).toEqual([`${specRel}/notes.md`, `${specRel}/tasks.md`]);
    expect(readFileSync(join(wt.path, specRel, "tasks.md"), "utf8")).toBe("- [ ] 1. One\n- [ ] 2. Two\n");
    expect(existsSync(join(wt.path, specRel, "notes.md"))).toBe(false);
    expect(readFileSync(join(wt.path, "src/one.ts"), "utf8")).toBe("work\n");
    expect(git(repo, "stash", "list")).toContain("seqorch: unit 1 edits to the spec folder");
    expect(git(repo, "show", "stash@{0}:.kiro/specs/feat/tasks.md")).toContain("[x] 1. One");
    expect(git(repo, "show", "stash@{0}^3:.kiro/specs/feat/notes.md")).toBe("agent notes\n");
    expect(await restoreSpecFolder(wt.path, specRel, "1")).toEqual([]);
  });
});
