// End to end: the compiled binary runs whole specs (hand-made fixtures) in real tmux (and without it) with scripted agents.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, copyFixtureSpec, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir, windowNames } from "./harness.ts";

afterAll(cleanUp);

/** test/fixtures/specs/spike-first: task 0 first, ticked and optional units, sub-tasks, dependencies, a waves block. */
const SPEC = "spike-first";
const DONE = `echo "working on $SEQORCH_TASK_ID"; cat >/dev/null; echo 'All good. <promise>TASK_DONE</promise>'`;

interface PlanJson {
  units: { id: string; key: string; title: string; subtasks: { id: string; key: string }[] }[];
  done: string[];
  optional: string[];
  warnings: string[];
}

async function planOf(spec: string): Promise<PlanJson> {
  const r = await seqorch(["plan", "--spec", spec, "--json"]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
}

function dispatched(log: string): string[] {
  return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : [];
}

function state(spec: string) {
  return JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
}

for (const mode of ["tmux", "direct"] as const) {
  describe(`seqorch run (${mode})`, () => {
    const modeArgs = (socket: string) => (mode === "tmux" ? ["--tmux-socket", socket, "--tmux-session", "e2e"] : ["--no-tmux"]);

    test("a whole spec runs to exit 0, every unit once in file order, checkboxes ticked", async () => {
      const { spec } = copyFixtureSpec(SPEC);
      const socket = privateTmux();
      const before = await planOf(spec);
      expect(before.units.length).toBeGreaterThan(2);
      const agent = scriptedAgent(tempDir(), DONE);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--backend", "command", "--agent-command", agent.command, ...modeArgs(socket)]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(dispatched(agent.dispatchLog)).toEqual(before.units.map((u) => `${u.key} 1`));
      const after = await planOf(spec);
      expect(after.units).toEqual([]);
      const tasks = readFileSync(join(spec, "tasks.md"), "utf8");
      for (const unit of before.units) {
        for (const id of [unit.id, ...unit.subtasks.map((s) => s.id)]) {
          expect(tasks).toMatch(new RegExp(`\\[x\\]\\*?\\s+(\\*\\*)?${id.replace(/\./g, "\\.")}[.:\\s*]`));
        }
      }
      const s = state(spec);
      expect(s.completed).toEqual(expect.arrayContaining(before.units.map((u) => u.key)));
      expect(s.halted).toBe(false);
      expect(s.completed_at).toBeString();
      expect(s.current).toBeNull();
      const progress = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
      expect(progress.match(/^## Iteration \d+$/gm)?.length).toBe(before.units.length);
      expect(progress).toContain("- Status: Completed");
      if (mode === "tmux") {
        expect(windowNames(socket, "e2e").filter((n) => n.startsWith("task-"))).toEqual(before.units.map((u) => `task-${u.key}`));
      }
      const again = await seqorch(["run", "--spec", spec, "--delay", "0", "--backend", "command", "--agent-command", agent.command, ...modeArgs(socket)]);
      expect(again.code).toBe(0);
      expect(dispatched(agent.dispatchLog).length).toBe(before.units.length);
    });

    test("a HALT reply gives exit 2 and a state that says why", async () => {
      const { spec } = copyFixtureSpec(SPEC);
      const socket = privateTmux();
      const agent = scriptedAgent(tempDir(), `echo 'I need the cloud credentials.'; echo '<promise>HALT</promise>'`);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs(socket)]);
      expect(r.code).toBe(2);
      const s = state(spec);
      expect(s.halted).toBe(true);
      expect(s.halted_reason).toBe("agent-halt");
      expect(s.halted_task).toBe("0");
      expect(dispatched(agent.dispatchLog)).toEqual(["0 1"]);
      expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8")).toContain("- Status: Halted");
    });

    test("an agent that never says TASK_DONE uses up its attempts and halts naming the unit", async () => {
      const { spec } = copyFixtureSpec(SPEC);
      const socket = privateTmux();
      const agent = scriptedAgent(tempDir(), `echo 'I did some things but forgot the marker'; exit 0`);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--max-attempts", "2", "--agent-command", agent.command, ...modeArgs(socket)]);
      expect(r.code).toBe(2);
      expect(dispatched(agent.dispatchLog)).toEqual(["0 1", "0 2"]);
      const s = state(spec);
      expect(s.halted_reason).toBe("attempts-exhausted");
      expect(s.halted_task).toBe("0");
      expect(s.attempts["0"].map((a: { status: string }) => a.status)).toEqual(["failed", "failed"]);
      expect(r.stdout + r.stderr).toContain("unit 0 used up its 2 attempts");
      expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [ ] 0. **Spike");
    });

    test("--max-iterations stops with exit 1 and the next run resumes", async () => {
      const { spec } = copyFixtureSpec(SPEC);
      const socket = privateTmux();
      const agent = scriptedAgent(tempDir(), DONE);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--max-iterations", "2", "--agent-command", agent.command, ...modeArgs(socket)]);
      expect(r.code).toBe(1);
      expect(dispatched(agent.dispatchLog).length).toBe(2);
      const rest = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs(socket)]);
      expect(rest.code).toBe(0);
      const log = dispatched(agent.dispatchLog);
      expect(new Set(log).size).toBe(log.length);
      expect(state(spec).iteration).toBe(log.length);
    });
  });
}

describe("--granularity leaf", () => {
  test("one agent run per sub-task, the parent ticked with its last sub-task, the prompt naming the parent", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. One\n  - [ ] 1.1 First part\n  - [ ] 1.2 Second part\n  - [ ]* 1.3 Optional part\n- [ ] 2. Two\n");
    const prompts = join(dir, "prompts");
    const agent = scriptedAgent(tempDir(), `cat "$SEQORCH_PROMPT_FILE" >> '${prompts}'; ${DONE}`);
    const plan = await seqorch(["plan", "--spec", spec, "--json", "--granularity", "leaf"]);
    expect(JSON.parse(plan.stdout).units.map((u: { id: string }) => u.id)).toEqual(["1.1", "1.2", "2"]);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--granularity", "leaf", "--agent-command", agent.command]);
    expect(r.code).toBe(0);
    expect(dispatched(agent.dispatchLog)).toEqual(["1.1 1", "1.2 1", "2 1"]);
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe("- [x] 1. One\n  - [x] 1.1 First part\n  - [x] 1.2 Second part\n  - [ ]* 1.3 Optional part\n- [x] 2. Two\n");
    expect(readFileSync(prompts, "utf8")).toContain("1.1. First part\n(It is part of task 1: One; its other sub-tasks are run separately.)");
  });
});
