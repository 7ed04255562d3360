// The git folder and HEAD commit read from git's files (src/git/git-dir.ts) against what git itself says, in a main
// checkout, a linked worktree, on a detached HEAD, with packed refs and with GIT_DIR set (the last two ask git).
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { headCommit, worktreeGitDir } from "../../src/git/git-dir.ts";
import { commitAll, git, removeRepos, tempRepo, write } from "./temp-repo.ts";

afterAll(removeRepos);

describe("worktreeGitDir and headCommit", () => {
  test("main checkout and linked worktree: the same answers as git rev-parse", async () => {
    const { repo } = tempRepo();
    expect(await worktreeGitDir(repo)).toBe(git(repo, "rev-parse", "--absolute-git-dir").trim());
    expect(await headCommit(repo)).toBe(git(repo, "rev-parse", "HEAD").trim());
    const wt = join(repo, ".kiro/specs/feat/.seqorch/worktrees/1");
    git(repo, "worktree", "add", "-q", "-b", "seqorch/feat/1", wt);
    write(wt, "src/one.ts", "one\n");
    const made = commitAll(wt, "unit 1");
    expect(await worktreeGitDir(wt)).toBe(git(wt, "rev-parse", "--absolute-git-dir").trim());
    expect(await headCommit(wt)).toBe(made);
    expect(await headCommit(repo)).not.toBe(made);
  });

  test("detached HEAD, a ref only in packed-refs, a sub-folder and GIT_DIR: still git's answer", async () => {
    const { repo } = tempRepo();
    write(repo, "src/two.ts", "two\n");
    const second = commitAll(repo, "second");
    git(repo, "pack-refs", "--all"); // refs/heads/main now only in packed-refs
    expect(await headCommit(repo)).toBe(second);
    git(repo, "checkout", "-q", "--detach", "HEAD~1");
    expect(await headCommit(repo)).toBe(git(repo, "rev-parse", "HEAD").trim());
    expect(await worktreeGitDir(join(repo, "src"))).toBe(join(repo, ".git"));
    const other = tempRepo();
    process.env.GIT_DIR = join(other.repo, ".git");
    try {
      expect(await headCommit(repo)).toBe(other.base);
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});
