// End to end: what `seqorch plan` and `seqorch run` make of the fixture specs: keys in the text form, warnings
// naming file and line, and tasks.md files that cannot be planned (empty, not UTF-8, no task in them).
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { badFixtures } from "../fixtures/expectations.ts";
import { cleanUp, makeSpec, repoRoot, scriptedAgent, seqorch, tempDir } from "./harness.ts";

afterAll(cleanUp);

const DONE = `cat >/dev/null; echo '<promise>TASK_DONE</promise>'`;

describe("seqorch plan (text form)", () => {
  test("a repeated ID is printed by its key (6#2), as in --json and the state file", async () => {
    const { spec } = makeSpec("- [ ] 6. First six\n  - [ ] 6.1 Inner\n- [ ] 6. Second six\n  - [ ] 6.1 Inner again\n");
    const r = await seqorch(["plan", "--spec", spec]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("    1. 6 First six");
    expect(lines).toContain("         6.1 Inner");
    expect(lines).toContain("    2. 6#2 Second six");
    expect(lines).toContain("         6.1#2 Inner again");
    const json = JSON.parse((await seqorch(["plan", "--spec", spec, "--json"])).stdout);
    expect(json.units.map((u: { key: string }) => u.key)).toEqual(["6", "6#2"]);
  });

  test("a dependency seqorch cannot read is a warning naming file and line", async () => {
    const { spec } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n  - _Depends on: T2.1_\n");
    const r = await seqorch(["plan", "--spec", spec]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Warning: ${join(spec, "tasks.md")}:3: dependency "T2.1" of task 2 is not a task ID seqorch can read`);
    const json = JSON.parse((await seqorch(["plan", "--spec", spec, "--json"])).stdout);
    expect(json.warnings).toEqual([expect.stringContaining(`tasks.md:3: dependency "T2.1"`)]);
    expect(json.units.map((u: { dependsOn: string[] }) => u.dependsOn)).toEqual([[], []]);
  });
});

describe("a tasks.md that cannot be planned", () => {
  for (const bad of badFixtures) {
    test(`${bad.folder}: plan and run exit ${bad.exitCode} with one line, run dispatches nothing and writes no state`, async () => {
      const root = tempDir();
      const spec = join(root, ".kiro", "specs", "feature");
      cpSync(join(repoRoot, "test", "fixtures", "bad", bad.folder), spec, { recursive: true });
      const plan = await seqorch(["plan", "--spec", spec]);
      expect(plan.code).toBe(bad.exitCode);
      expect(plan.stdout).toBe("");
      expect(plan.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(plan.stderr).toMatch(bad.message);
      const agent = scriptedAgent(tempDir(), DONE);
      const run = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
      expect(run.code).toBe(bad.exitCode);
      expect(run.stdout + run.stderr).not.toContain("All units done");
      expect(run.stderr).toMatch(bad.message);
      expect(existsSync(agent.dispatchLog)).toBe(false);
      expect(readdirSync(spec)).toEqual(["tasks.md"]);
    });
  }
});
