// Changes to tasks.md during a run, by someone other than seqorch, through the compiled binary: the planner
// compares plans only after tasks.md was read from disk, so what it compares with must include seqorch's own ticks.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, scriptedAgent, seqorch, tempDir } from "./harness.ts";

afterAll(cleanUp);

test("a box seqorch ticked and an agent unticked later is noted, and the unit is not run again", async () => {
  const { spec } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n- [ ] 3. Three\n");
  const tasks = join(spec, "tasks.md");
  // Unit 2's agent unticks unit 1, which seqorch ticked after unit 1 (no state of the file was read from disk since).
  const agent = scriptedAgent(tempDir(), `cat >/dev/null; if [ "$SEQORCH_TASK_ID" = 2 ]; then sed -i 's/- \\[x\\] 1\\./- [ ] 1./' '${tasks}'; fi; echo '<promise>TASK_DONE</promise>'`);
  const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
  expect(r.code).toBe(0);
  expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8")).toContain("unticked by hand: 1 (recorded done in the state file: not run again)");
  expect(readFileSync(agent.dispatchLog, "utf8").split("\n").filter(Boolean)).toEqual(["1 1", "2 1", "3 1"]);
});
