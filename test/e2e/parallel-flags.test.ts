// The compiled binary's --parallel, --worktree-setup and --lenient-writes: validated with one-line errors (--parallel
// needs --commit); a parallel run outside git or on a dirty tree refuses with the preflight's line and touches
// nothing. (Parallel runs themselves: test/e2e/parallel.test.ts.)
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, seqorch } from "./harness.ts";

afterAll(cleanUp);

const TASKS = "- [ ] 1. One\n  - _writes: src/a.ts_\n- [ ] 2. Two\n  - _writes: src/b.ts_\n";

function git(root: string, ...args: string[]): void {
  const proc = Bun.spawnSync(["git", "-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: root, stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${proc.stderr.toString()}`);
}

function repoSpec(): { root: string; spec: string } {
  const made = makeSpec(TASKS);
  writeFileSync(join(made.root, "tracked.txt"), "one\n");
  git(made.root, "init", "-q", "-b", "main");
  git(made.root, "add", "-A");
  git(made.root, "commit", "-qm", "init");
  return made;
}

const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("seqorch: "));

describe("--parallel", () => {
  test("bad values: one line naming the flag, exit 64", async () => {
    const { spec } = makeSpec(TASKS);
    for (const [value, reason] of [["0", "must be at least 1"], ["two", "must be a number"], ["1.5", "must be a whole number"], ["33", "must be at most 32"]] as const) {
      const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--parallel", value]);
      expect(r.code, r.stderr).toBe(64);
      expect(errorLines(r.stderr)).toEqual([`seqorch: --parallel: ${reason} (got "${value}")`]);
    }
    const setup = await seqorch(["run", "--spec", spec, "--no-tmux", "--worktree-setup", ""]);
    expect(errorLines(setup.stderr)).toEqual(["seqorch: --worktree-setup: needs a value"]);
  });

  test("without --commit, outside git, on a dirty tracked tree, on a detached HEAD: one line, nothing written", async () => {
    const plain = makeSpec(TASKS);
    const uncommitted = await seqorch(["run", "--spec", plain.spec, "--no-tmux", "--parallel", "2"]);
    expect(uncommitted.code, uncommitted.stderr).toBe(64);
    expect(errorLines(uncommitted.stderr)).toEqual(["seqorch: --parallel: 2 needs --commit (each unit's work merges as its own commits; orchestrate has it on)"]);
    const outside = await seqorch(["run", "--spec", plain.spec, "--no-tmux", "--commit", "--parallel", "2"]);
    expect(outside.code, outside.stderr).not.toBe(0);
    expect(errorLines(outside.stderr)).toEqual([`seqorch: ${plain.root}: --commit needs a git repository, and this workdir is not in one`]);
    const dirty = repoSpec();
    writeFileSync(join(dirty.root, "tracked.txt"), "changed\n");
    const refused = await seqorch(["orchestrate", "--spec", dirty.spec, "--no-tmux", "--parallel", "3"]);
    expect(refused.code, refused.stderr).toBe(75);
    expect(errorLines(refused.stderr)).toEqual([expect.stringContaining("tracked files have uncommitted changes (tracked.txt): commit or stash them first")]);
    const detached = repoSpec();
    git(detached.root, "checkout", "-q", "--detach");
    const head = await seqorch(["run", "--spec", detached.spec, "--no-tmux", "--commit", "--parallel", "2"]);
    expect(errorLines(head.stderr)).toEqual([expect.stringContaining("HEAD is detached")]);
    expect(readFileSync(join(detached.spec, "tasks.md"), "utf8")).toBe(TASKS);
  });

  test("--detach-on-stop and --fallback-backend are refused with --parallel, one line each; nothing written", async () => {
    const { spec } = repoSpec();
    const base = ["run", "--spec", spec, "--no-tmux", "--commit", "--parallel", "2", "--agent-command", "true"];
    const detach = await seqorch([...base, "--detach-on-stop"]);
    expect(detach.code, detach.stderr).toBe(64);
    expect(errorLines(detach.stderr)).toEqual(["seqorch: --detach-on-stop: cannot be used with --parallel 2 (a stop ends every unit's agent)"]);
    const fallback = await seqorch([...base, "--fallback-backend", "codex"]);
    expect(fallback.code, fallback.stderr).toBe(64);
    expect(errorLines(fallback.stderr)).toEqual(["seqorch: --fallback-backend: cannot be used with --parallel 2 yet (a rate-limited unit waits out its limit)"]);
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe(TASKS);
  });

  test("orchestrate's default --parallel 3 on a checkout that is not clean: one unit at a time, with a warning naming why", async () => {
    const { root, spec } = repoSpec();
    writeFileSync(join(root, "tracked.txt"), "a person's edit\n");
    const r = await seqorch(["orchestrate", "--spec", spec, "--no-tmux", "--delay", "0", "--no-review", "--agent-command", "cat >/dev/null; echo '<promise>TASK_DONE</promise>'"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/running one unit at a time \(orchestrate's default --parallel 3 needs a clean git checkout\): .*tracked\.txt/);
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe(TASKS.replaceAll("[ ]", "[x]"));
    expect(Bun.spawnSync(["git", "worktree", "list"], { cwd: root }).stdout.toString().trim().split("\n")).toHaveLength(1);
    expect(readFileSync(join(root, "tracked.txt"), "utf8")).toBe("a person's edit\n");
  });

  test("--parallel 1 runs as before: no worktree, each box ticked by the recorder", async () => {
    const { root, spec } = repoSpec();
    const serial = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--parallel", "1", "--agent-command", "cat >/dev/null; echo '<promise>TASK_DONE</promise>'"]);
    expect(serial.code, serial.stderr).toBe(0);
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe(TASKS.replaceAll("[ ]", "[x]"));
    expect(Bun.spawnSync(["git", "worktree", "list"], { cwd: root }).stdout.toString().trim().split("\n")).toHaveLength(1);
    expect(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).not.toContain("worktrees");
  });
});
