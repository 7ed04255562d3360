// Preflight before parallel units: the pure judgement (table) and the facts read from real repositories.
import { afterAll, describe, expect, test } from "bun:test";
import { WorktreePreflightError, formatError } from "../../src/errors.ts";
import { preflightParallel, preflightProblems, readRepoFacts, type RepoFacts } from "../../src/git/preflight.ts";
import { commitAll, git, removeRepos, tempRepo, write } from "./temp-repo.ts";

afterAll(removeRepos);

const clean: RepoFacts = { branch: "main", dirty: [], inProgress: [], unmerged: [], freeBytes: 10 * 1024 ** 3 };

describe("preflightProblems", () => {
  test.each([
    ["a clean branch", {}, []],
    ["a detached HEAD", { branch: null }, ["HEAD is detached"]],
    ["a merge in progress", { inProgress: ["merge"] }, ["a merge is in progress"]],
    ["a rebase in progress (either folder)", { inProgress: ["rebase", "rebase"] }, ["a rebase is in progress"]],
    ["unresolved conflicts", { unmerged: ["a.ts"] }, ["unresolved conflicts in a.ts"]],
    ["modified tracked files", { dirty: [" M src/a.ts"] }, ["tracked files have uncommitted changes (src/a.ts)"]],
    ["seqorch's own spec folder may be modified", { dirty: [" M .kiro/specs/feat/tasks.md"] }, []],
    ["too little disk", { freeBytes: 100 * 1024 * 1024 }, ["only 100 MiB free on disk"]],
  ] as const)("%s", (_name, change, expected) => {
    const problems = preflightProblems({ ...clean, ...change } as RepoFacts, [".kiro/specs/feat"]);
    expect(problems.length).toBe(expected.length);
    expected.forEach((start, i) => expect(problems[i]).toStartWith(start));
    for (const p of problems) expect(p).not.toContain("\n");
  });
});

/** A repository whose branches `other` and `main` each change src/shared.ts differently; main checked out. */
function divergedRepo(): string {
  const { repo } = tempRepo();
  git(repo, "checkout", "-q", "-b", "other");
  write(repo, "src/shared.ts", "other\n");
  commitAll(repo, "other");
  git(repo, "checkout", "-q", "main");
  write(repo, "src/shared.ts", "main\n");
  commitAll(repo, "main");
  return repo;
}

describe("preflightParallel on real repositories", () => {
  test("a clean repository passes and names its branch", async () => {
    const { repo, specRel } = tempRepo();
    expect(await preflightParallel(repo, [specRel])).toBe("main");
  });

  test("detached HEAD, dirty tracked file and too little disk: one line each, in one error", async () => {
    const { repo, specRel, base } = tempRepo();
    git(repo, "checkout", "-q", "--detach", base);
    write(repo, "src/shared.ts", "changed\n");
    write(repo, `${specRel}/tasks.md`, "- [x] 1. One\n");
    write(repo, "untracked.txt", "fine\n");
    let error: unknown;
    try {
      await preflightParallel(repo, [specRel], Number.MAX_SAFE_INTEGER);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorktreePreflightError);
    const lines = formatError(error).split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`seqorch: ${repo}: HEAD is detached: check out the branch the units should merge onto (git switch <branch>)`);
    expect(lines[1]).toStartWith(`seqorch: ${repo}: tracked files have uncommitted changes (src/shared.ts)`);
    expect(lines[2]).toStartWith(`seqorch: ${repo}: only `);
  });

  test("a merge stopped on a conflict: merge in progress and the unresolved file", async () => {
    const repo = divergedRepo();
    expect(Bun.spawnSync(["git", "merge", "-q", "other"], { cwd: repo, stdout: "pipe", stderr: "pipe" }).exitCode).not.toBe(0);
    const facts = await readRepoFacts(repo);
    expect(facts.inProgress).toEqual(["merge"]);
    expect(facts.unmerged).toEqual(["src/shared.ts"]);
    await expect(preflightParallel(repo, [])).rejects.toThrow("a merge is in progress");
  });

  test("a rebase stopped on a conflict", async () => {
    const repo = divergedRepo();
    git(repo, "checkout", "-q", "other");
    expect(Bun.spawnSync(["git", "rebase", "-q", "main"], { cwd: repo, stdout: "pipe", stderr: "pipe" }).exitCode).not.toBe(0);
    const facts = await readRepoFacts(repo);
    expect(facts.inProgress).toContain("rebase");
    expect(preflightProblems(facts, [])).toContainEqual(expect.stringContaining("a rebase is in progress"));
  });
});
