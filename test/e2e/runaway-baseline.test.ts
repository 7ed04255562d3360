// "TASK_DONE but nothing changed" from the first unit of a fresh run on: seqorch's own files (tasks.md, state,
// progress) are not the agent's change. Outside a git repository --require-changes says it cannot check.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, scriptedAgent, seqorch, tempDir } from "./harness.ts";

afterAll(cleanUp);

const DONE = "cat >/dev/null; echo '<promise>TASK_DONE</promise>'";

/** A git repository at `root` with everything in it (the spec too) committed. */
function commitAll(root: string): void {
  for (const args of [["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"]]) {
    expect(Bun.spawnSync(["git", ...args], { cwd: root }).exitCode).toBe(0);
  }
}

describe("the first unit of a fresh run", () => {
  test("an agent that changes nothing is flagged on unit 1 too, with the spec tracked by git", async () => {
    const { root, spec } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n");
    commitAll(root);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", scriptedAgent(tempDir(), DONE).command]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("unit 1: the agent said TASK_DONE but nothing changed in the workdir (git)");
    expect(r.stderr).toContain("unit 2: the agent said TASK_DONE but nothing changed in the workdir (git)");
    expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8").match(/- Warning: the agent said TASK_DONE but nothing changed/g)).toHaveLength(2);
  });

  test("--require-changes fails unit 1 when nothing changed, and accepts an agent that made a file", async () => {
    const idle = makeSpec("- [ ] 1. One\n");
    commitAll(idle.root);
    const r = await seqorch(["run", "--spec", idle.spec, "--no-tmux", "--max-attempts", "1", "--require-changes", "--agent-command", DONE]);
    expect(r.code).toBe(2);
    const state = JSON.parse(readFileSync(join(idle.spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.attempts["1"][0].reason).toContain("runaway (--require-changes)");
    const busy = makeSpec("- [ ] 1. One\n");
    commitAll(busy.root);
    const ok = await seqorch(["run", "--spec", busy.spec, "--no-tmux", "--require-changes", "--agent-command", `echo hi > made.txt; ${DONE}`]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain("nothing changed");
  });
});

describe("--require-changes outside a git repository", () => {
  test("says it cannot check, and does not fail the unit", async () => {
    const { root, spec } = makeSpec("- [ ] 1. One\n");
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--require-changes", "--agent-command", DONE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`unit 1: --require-changes cannot check for changes: ${root} is not in a git repository`);
    expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8")).toContain("- Warning: --require-changes cannot check for changes");
  });
});
