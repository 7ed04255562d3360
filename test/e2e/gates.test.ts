// End to end: --verify and --commit on the compiled binary, in a real git repository, with and without tmux.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir, GIT_ENV, git } from "./harness.ts";

afterAll(cleanUp);

const TASKS = "# Tasks\n\n- [ ] 1. First unit\n  - Write one.txt\n- [ ] 2. Second unit\n  - Write two.txt\n";


/** A spec in a fresh repository with one commit; a user's uncommitted edit and untracked file sit beside it. */
function repoWithSpec(tasks = TASKS) {
  const { root, spec } = makeSpec(tasks);
  writeFileSync(join(root, "user.txt"), "user\n");
  git(root, "init", "-q", "-b", "main");
  git(root, "add", "-A");
  git(root, "commit", "-qm", "init");
  writeFileSync(join(root, "user.txt"), "the user's uncommitted edit\n");
  writeFileSync(join(root, "scratch.txt"), "the user's untracked file\n");
  return { root, spec };
}

const run = (spec: string, agent: string, extra: string[]) =>
  seqorch(["run", "--spec", spec, "--delay", "0", "--backend", "command", "--agent-command", agent, ...extra], { env: GIT_ENV });

for (const mode of ["tmux", "direct"] as const) {
  describe(`--verify and --commit (${mode})`, () => {
    const modeArgs = () => (mode === "tmux" ? ["--tmux-socket", privateTmux(), "--tmux-session", "gates"] : ["--no-tmux"]);

    test("one commit per unit with only its files; a failed check is a failed attempt whose output reaches the next prompt", async () => {
      const { root, spec } = repoWithSpec();
      const dir = tempDir();
      // Unit 1 writes one.txt; unit 2 writes two.txt, but its first attempt writes a file the check rejects.
      const agent = scriptedAgent(
        dir,
        [
          `cat > '${dir}/prompt-'"$SEQORCH_TASK_ID"'-'"$SEQORCH_ATTEMPT"'.md'`,
          `if [ "$SEQORCH_TASK_ID" = 1 ]; then echo one > one.txt; fi`,
          `if [ "$SEQORCH_TASK_ID" = 2 ]; then if [ "$SEQORCH_ATTEMPT" = 1 ]; then echo BROKEN > two.txt; else echo two > two.txt; fi; fi`,
          `echo 'Done. <promise>TASK_DONE</promise>'`,
        ].join("\n"),
      );
      const check = `if grep -q BROKEN two.txt 2>/dev/null; then echo "line before"; echo "two.txt is BROKEN"; exit 3; fi; echo checked`;
      const r = await run(spec, agent.command, ["--verify", "test -f one.txt", "--verify", check, "--commit", ...modeArgs()]);
      expect(r.code).toBe(0);
      const log = git(root, "log", "--format=%s", "-3");
      expect(log.trim().split("\n")).toEqual(["feature: 2 Second unit", "feature: 1 First unit", "init"]);
      expect(git(root, "show", "--name-only", "--format=", "HEAD~1").trim()).toBe("one.txt");
      expect(git(root, "show", "--name-only", "--format=", "HEAD").trim()).toBe("two.txt");
      expect(git(root, "show", "HEAD:two.txt")).toBe("two\n");
      // The user's edit and file, tasks.md and seqorch's files stay out of every commit.
      const status = git(root, "status", "--porcelain");
      expect(status).toContain(" M user.txt");
      expect(status).toContain("?? scratch.txt");
      expect(status).toContain(" M .kiro/specs/feature/tasks.md");
      expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [x] 2. Second unit");
      // Attempt 2 of unit 2 was told what failed, with the check's last lines.
      const second = readFileSync(join(dir, "prompt-2-2.md"), "utf8");
      expect(second).toContain("two.txt is BROKEN");
      expect(second).toContain("line before");
      expect(second).toContain("exit 3");
      expect(readFileSync(join(dir, "prompt-1-1.md"), "utf8")).toContain("Do not commit: seqorch commits");
      const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
      expect(state.attempts["2"].map((a: { status: string }) => a.status)).toEqual(["failed", "done"]);
      expect(state.attempts["2"][0].reason).toContain("verify failed: `" + check + "` exited 3");
      expect(state.pipeline["2"].commits).toHaveLength(1);
      expect(state.pipeline["2"].status).toBe("completed");
      const progress = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
      expect(progress).toContain(`- Commit: ${git(root, "rev-parse", "HEAD").trim()} (1 files)`);
      expect(progress).toContain("- Verify: `test -f one.txt` passed");
    });
  });
}

describe("--commit refuses a repository that cannot take commits", () => {
  test.each([
    ["a detached HEAD", (root: string) => git(root, "checkout", "-q", "--detach"), "HEAD is detached"],
    [
      "a merge in progress",
      (root: string) => {
        git(root, "checkout", "-q", "-b", "side");
        writeFileSync(join(root, "user.txt"), "side\n");
        git(root, "commit", "-qam", "side");
        git(root, "checkout", "-q", "main");
        writeFileSync(join(root, "user.txt"), "main\n");
        git(root, "commit", "-qam", "main");
        Bun.spawnSync(["git", "merge", "side"], { cwd: root, env: { ...process.env, ...GIT_ENV } });
      },
      "a merge is in progress",
    ],
  ])("%s: one clear line, nothing run", async (_, prepare, message) => {
    const { root, spec } = makeSpec(TASKS);
    writeFileSync(join(root, "user.txt"), "user\n");
    git(root, "init", "-q", "-b", "main");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "init");
    prepare(root);
    const agent = scriptedAgent(tempDir(), "echo '<promise>TASK_DONE</promise>'");
    const r = await run(spec, agent.command, ["--commit", "--no-tmux"]);
    expect(r.code).toBe(75);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(Bun.file(agent.dispatchLog).size).toBe(0);
  });

  test("--verify from the config file as a list; --verify-timeout ends a hanging check and fails the attempt", async () => {
    const { root, spec } = repoWithSpec("# Tasks\n\n- [ ] 1. Only unit\n");
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ verify: ["true", "sleep 30"], verifyTimeout: 1 }));
    const agent = scriptedAgent(tempDir(), "echo '<promise>TASK_DONE</promise>'");
    const started = Date.now();
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--max-attempts", "1", "--agent-command", agent.command, "--no-tmux"], { cwd: root, env: GIT_ENV });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(2);
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.attempts["1"][0].reason).toContain("timed out after 1 s (--verify-timeout)");
  });
});
