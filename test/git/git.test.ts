// src/git against real git repositories in temporary folders: status parsing, selective commit, diff file, stash.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commitMessage, commitUnitFiles, findRoundCommit, roundMark, unitFiles } from "../../src/git/commit.ts";
import { diffFiles, writeUnitDiff } from "../../src/git/diff.ts";
import { gitOk, runGit } from "../../src/git/exec.ts";

const runGitCode = async (cwd: string, argv: string[]) => (await runGit(cwd, argv)).code;
import { stashReviewerEdits } from "../../src/git/stash.ts";
import { changedPaths, parseStatus, parseStatusV2, pathsOf, repoProblem, snapshot, STATUS_ARGV } from "../../src/git/status.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
Object.assign(process.env, ENV);

/** A repository with one commit holding `files`. */
async function repo(files: Record<string, string>): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "seqorch-git-"));
  dirs.push(root);
  await gitOk(root, ["init", "-q", "-b", "main"]);
  for (const [path, text] of Object.entries(files)) write(root, path, text);
  await gitOk(root, ["add", "-A"]);
  await gitOk(root, ["commit", "-q", "-m", "init"]);
  return root;
}

function write(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
}

const scope = (dirtyAtStart: string[] = []) => ({
  dirtyAtStart,
  excluded: [".kiro/specs/f/tasks.md", ".kiro/specs/f/SEQUENTIAL_STATE.json", ".kiro/specs/f/SEQUENTIAL_PROGRESS.md", ".kiro/specs/f/PROJECT_PULSE.md"],
  excludedDirs: [".kiro/specs/f/.seqorch/"],
});

describe("status", () => {
  test("parses porcelain -z entries, renames with their old path, odd file names", () => {
    const out = " M a.ts\0?? dir/new file.ts\0R  new.ts\0old.ts\0?? line\nbreak.txt\0";
    expect(parseStatus(out)).toEqual([
      { xy: " M", path: "a.ts" },
      { xy: "??", path: "dir/new file.ts" },
      { xy: "R ", path: "new.ts", from: "old.ts" },
      { xy: "??", path: "line\nbreak.txt" },
    ]);
  });

  test("porcelain v2 (the snapshot's one status, HEAD included) gives the entries v1 gives: staged, unstaged, deleted, untracked, odd names, conflicts, renames", async () => {
    const root = await repo({ "a.txt": "a\n", "gone.txt": "g\n", "staged.txt": "s\n", "both.txt": "1\n", "old name.txt": "o\n" });
    await gitOk(root, ["checkout", "-q", "-b", "side"]);
    write(root, "both.txt", "side\n");
    await gitOk(root, ["commit", "-qam", "side"]);
    await gitOk(root, ["checkout", "-q", "main"]);
    write(root, "both.txt", "main\n");
    await gitOk(root, ["commit", "-qam", "main"]);
    expect((await runGitCode(root, ["merge", "-q", "side"])) !== 0).toBe(true); // both.txt conflicted ("UU")
    write(root, "a.txt", "a2\n");
    rmSync(join(root, "gone.txt"));
    write(root, "staged.txt", "s2\n");
    await gitOk(root, ["add", "staged.txt"]);
    await gitOk(root, ["mv", "old name.txt", "new name.txt"]);
    write(root, "d/new file.txt", "n\n");
    write(root, "line\nbreak.txt", "b\n");
    const head = (await gitOk(root, ["rev-parse", "HEAD"])).trim();
    const v1 = parseStatus(await gitOk(root, [...STATUS_ARGV]));
    const snap = await snapshot(root);
    expect(snap.head).toBe(head);
    const byPath = (entries: { path: string }[]) => [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(byPath(snap.entries)).toEqual(byPath(v1)); // v2 lists unmerged paths last
    expect(v1.map((e) => e.xy).sort()).toEqual([" D", " M", "??", "??", "A ", "D ", "M ", "UU"].sort());
    // with renames found (a `2` line), the old path follows as in v1
    const renames = (args: string[]) => args.filter((a) => a !== "--no-renames");
    const v2 = parseStatusV2(await gitOk(root, ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all"]));
    expect(byPath(v2.entries)).toEqual(byPath(parseStatus(await gitOk(root, renames([...STATUS_ARGV])))));
    expect(v2.entries.find((e) => e.xy === "R ")).toEqual({ xy: "R ", path: "new name.txt", from: "old name.txt" });
  });

  test("a snapshot before the first commit has no HEAD", async () => {
    const root = mkdtempSync(join(tmpdir(), "seqorch-git-"));
    dirs.push(root);
    await gitOk(root, ["init", "-q", "-b", "main"]);
    write(root, "x.txt", "x\n");
    expect(await snapshot(root)).toEqual({ head: null, entries: [{ xy: "??", path: "x.txt" }] });
  });

  test("a snapshot of a real repository lists each untracked file, and content changes of a dirty file", async () => {
    const root = await repo({ "a.txt": "a\n" });
    write(root, "a.txt", "a2\n");
    write(root, "d/e/f.txt", "f\n");
    const first = await snapshot(root, { contents: true });
    expect([...pathsOf(first)].sort()).toEqual(["a.txt", "d/e/f.txt"]);
    expect(first.head).toMatch(/^[0-9a-f]{40}$/);
    write(root, "a.txt", "a3\n"); // still " M": only the content says it changed
    const second = await snapshot(root, { contents: true });
    expect(changedPaths(first, second)).toEqual(["a.txt"]);
  });

  test("repoProblem names a detached HEAD and a merge in progress", async () => {
    const root = await repo({ "a.txt": "a\n" });
    expect(await repoProblem(root)).toBeNull();
    const outside = mkdtempSync(join(tmpdir(), "seqorch-nogit-"));
    dirs.push(outside);
    expect(await repoProblem(outside)).toBe("not-a-repository");
    await gitOk(root, ["checkout", "-q", "--detach"]);
    expect(await repoProblem(root)).toBe("detached-head");
    await gitOk(root, ["checkout", "-q", "main"]);
    await gitOk(root, ["checkout", "-q", "-b", "side"]);
    write(root, "a.txt", "side\n");
    await gitOk(root, ["commit", "-qam", "side"]);
    await gitOk(root, ["checkout", "-q", "main"]);
    write(root, "a.txt", "main\n");
    await gitOk(root, ["commit", "-qam", "main"]);
    await gitOk(root, ["merge", "side"]).catch(() => undefined); // conflicts: the merge stays in progress
    expect(await repoProblem(root)).toBe("merge");
  });
});

describe("selective commit", () => {
  test("commits only the unit's files: never seqorch's files, never what was dirty at the start, nor what the user staged", async () => {
    const root = await repo({ "keep.txt": "k\n", "gone.txt": "g\n", "user.txt": "u\n", "staged.txt": "s\n", ".kiro/specs/f/tasks.md": "- [ ] 1. A\n" });
    write(root, "user.txt", "user edit\n"); // the user's uncommitted work, before the unit
    write(root, "scratch.txt", "mine\n"); // the user's untracked file
    const start = await snapshot(root);
    // The unit's work, and seqorch's own writes.
    write(root, "src/new.ts", "export {};\n");
    write(root, "keep.txt", "k2\n");
    rmSync(join(root, "gone.txt"));
    write(root, "user.txt", "user edit, then the agent\n");
    write(root, ".kiro/specs/f/tasks.md", "- [x] 1. A\n");
    write(root, ".kiro/specs/f/SEQUENTIAL_STATE.json", "{}\n");
    write(root, ".kiro/specs/f/.seqorch/attempts/1.1/out.log", "log\n");
    write(root, "staged.txt", "s2\n");
    await gitOk(root, ["add", "staged.txt"]);
    const s = scope([...pathsOf(start)]);
    expect(unitFiles(await snapshot(root), s)).toEqual(["gone.txt", "keep.txt", "src/new.ts", "staged.txt"]);
    // staged.txt was staged by someone else after the start: it is not in the start's dirty set, so the unit owns it.
    const commit = await commitUnitFiles(root, { ...s, dirtyAtStart: [...s.dirtyAtStart, "staged.txt"] }, commitMessage("f", "1", "A  task\n", "1", 0));
    expect(commit?.files).toEqual(["gone.txt", "keep.txt", "src/new.ts"]);
    const shown = await gitOk(root, ["show", "--name-status", "--format=%s%n%b", "HEAD"]);
    expect(shown).toContain("f: 1 A task\n");
    expect(shown).toContain("Seqorch-Round: f/1/0");
    expect(shown.trim().split("\n").slice(-3).sort()).toEqual(["A\tsrc/new.ts", "D\tgone.txt", "M\tkeep.txt"]);
    const after = await gitOk(root, ["status", "--porcelain"]);
    expect(after).toContain(" M user.txt");
    expect(after).toContain("M  staged.txt"); // still staged, not committed
    expect(after).toContain(" M .kiro/specs/f/tasks.md");
    expect(await findRoundCommit(root, roundMark("f", "1", 0))).toBe(commit!.sha);
    expect(await findRoundCommit(root, roundMark("f", "1", 1))).toBeNull();
  });

  test("nothing to commit gives null and no commit", async () => {
    const root = await repo({ "a.txt": "a\n" });
    write(root, ".kiro/specs/f/tasks.md", "- [x] 1. A\n");
    const head = await gitOk(root, ["rev-parse", "HEAD"]);
    expect(await commitUnitFiles(root, scope(), commitMessage("f", "1", "A", "1", 1))).toBeNull();
    expect(await gitOk(root, ["rev-parse", "HEAD"])).toBe(head);
  });

  test("file names with spaces, quotes, globs and leading dashes are committed literally", async () => {
    const root = await repo({ "a.txt": "a\n" });
    for (const name of ["with space.txt", "-dash.txt", "*.txt", "quote\"'.txt"]) write(root, name, "x\n");
    write(root, "other.txt", "not mine\n");
    const commit = await commitUnitFiles(root, scope(["other.txt"]), "m");
    expect(commit?.files.sort()).toEqual(["*.txt", "-dash.txt", "quote\"'.txt", "with space.txt"]);
    expect(await gitOk(root, ["status", "--porcelain"])).toBe("?? other.txt\n");
  });
});

describe("diff file", () => {
  test("committed: the diff from the start commit; uncommitted: the unit's files with new files whole", async () => {
    const root = await repo({ "a.txt": "a\n", "user.txt": "u\n" });
    const start = (await snapshot(root)).head!;
    write(root, "a.txt", "a changed\n");
    write(root, "new.txt", "brand new\n");
    write(root, "user.txt", "user's\n");
    write(root, ".kiro/specs/f/tasks.md", "- [x] 1\n");
    const out = join(root, "..", `${Math.random()}.patch`);
    dirs.push(out);
    const text = await writeUnitDiff(root, start, false, scope(["user.txt"]), out);
    expect(readFileSync(out, "utf8")).toBe(text);
    expect(diffFiles(text).sort()).toEqual(["a.txt", "new.txt"]);
    expect(text).toContain("+brand new");
    await commitUnitFiles(root, scope(["user.txt"]), "m");
    const committed = await writeUnitDiff(root, start, true, scope(), out);
    expect(diffFiles(committed).sort()).toEqual(["a.txt", "new.txt"]);
  });
});

describe("stash of a reviewer's edits", () => {
  test("edits, new files and a commit are kept (stash and ref), the tree is as before, the user's own edit survives", async () => {
    const root = await repo({ "a.txt": "a\n", "b.txt": "b\n" });
    write(root, "b.txt", "user's uncommitted b\n");
    const before = await snapshot(root, { contents: true });
    // The reviewer: edits a.txt, edits the user's dirty b.txt again, adds a file, commits one change.
    write(root, "c.txt", "reviewer's commit\n");
    await gitOk(root, ["add", "c.txt"]);
    await gitOk(root, ["commit", "-qm", "reviewer"]);
    write(root, "a.txt", "reviewer edit\n");
    write(root, "b.txt", "reviewer on top\n");
    write(root, "new.txt", "reviewer's new file\n");
    const kept = await stashReviewerEdits(root, before, "1-r1", "seqorch reviewer edits 1 (reviewer 1)");
    expect(kept.paths).toEqual(["a.txt", "b.txt", "c.txt", "new.txt"]);
    expect(kept.ref).toBe("refs/seqorch/reviewer-edits/1-r1");
    expect(await snapshot(root).then((s) => s.head)).toBe(before.head);
    expect(readFileSync(join(root, "a.txt"), "utf8")).toBe("a\n");
    expect(readFileSync(join(root, "b.txt"), "utf8")).toBe("user's uncommitted b\n");
    expect(existsSync(join(root, "new.txt"))).toBe(false);
    expect(await gitOk(root, ["stash", "list"])).toContain("seqorch reviewer edits 1 (reviewer 1)");
    expect(await gitOk(root, ["show", "stash@{0}^3:new.txt"])).toBe("reviewer's new file\n");
    expect(await gitOk(root, ["show", "stash@{0}:b.txt"])).toBe("reviewer on top\n");
    expect(await gitOk(root, ["log", "-1", "--format=%s", kept.ref!])).toBe("reviewer\n");
  });

  test("no change: nothing stashed", async () => {
    const root = await repo({ "a.txt": "a\n" });
    const before = await snapshot(root, { contents: true });
    expect(await stashReviewerEdits(root, before, "x", "m")).toEqual({ ref: null, stash: null, paths: [] });
  });
});
