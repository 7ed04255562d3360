// The orchestrator killed (SIGKILL) at 22 exact points of a real run; after each, a new run must finish the spec
// with every unit recorded done exactly once, a state file that always parses, and no lost progress entries.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeSpec, privateTmux, scriptedAgent, seqorch, tempDir, cleanUp } from "../e2e/harness.ts";

afterAll(cleanUp);

const TASKS = "- [ ] 1. One\n- [ ] 2. Two\n  - [ ] 2.1 Two a\n  - [ ] 2.2 Two b\n- [ ] 3. Three\n- [ ] 4. Four\n";
const UNITS = ["1", "2", "3", "4"];

/** SEQORCH_CRASH_AT points (src/fault-injection.ts): dispatch, wait, recording, sleep and state writes. */
const POINTS = [
  "dispatch.prompt#1",
  "dispatch.intent#1",
  "dispatch.intent#3",
  "dispatch.prompt#3",
  "dispatch.marks#2",
  "dispatch.started#1",
  "dispatch.started#4",
  "dispatch.recorded#2",
  "wait#1",
  "wait#3",
  "record.state#1",
  "record.state#4",
  "record.marks#2",
  "record.progress#1",
  "record.progress#3",
  "sleep#1",
  "sleep#3",
  "atomic.SEQUENTIAL_STATE.json#1",
  "atomic.SEQUENTIAL_STATE.json#3",
  "atomic.SEQUENTIAL_STATE.json#6",
  "marks.written#2",
  "marks.written#5",
];

function parseState(spec: string) {
  const text = readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8");
  return JSON.parse(text);
}

for (const mode of ["direct", "tmux"] as const) {
  describe(`killed at 22 points (${mode})`, () => {
    for (const point of POINTS) {
      test(point, async () => {
        const dir = tempDir();
        const { spec } = makeSpec(TASKS);
        const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
        const agent = scriptedAgent(dir, "cat >/dev/null; sleep 0.05; echo '<promise>TASK_DONE</promise>'");
        const args = ["run", "--spec", spec, "--delay", "0.05", "--agent-command", agent.command, ...modeArgs];
        const crashed = await seqorch(args, { env: { SEQORCH_CRASH_AT: point } });
        expect(crashed.code).toBe(137); // killed by SIGKILL: 128 + 9
        if (existsSync(join(spec, "SEQUENTIAL_STATE.json"))) expect(() => parseState(spec)).not.toThrow();
        const resumed = await seqorch(args);
        expect(resumed.stderr).not.toContain("internal error");
        expect(resumed.code).toBe(0);
        const state = parseState(spec);
        // Every unit (and its sub-tasks) recorded done exactly once.
        for (const key of [...UNITS, "2.1", "2.2"]) expect(state.completed.filter((k: string) => k === key)).toHaveLength(1);
        for (const unit of UNITS) expect(state.attempts[unit].filter((a: { status: string }) => a.status === "done")).toHaveLength(1);
        // No attempt left running, and every ended attempt has its progress entry.
        const progress = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
        const logged = new Set([...progress.matchAll(/^## Iteration (\d+)$/gm)].map((m) => Number(m[1])));
        for (const records of Object.values(state.attempts) as { status: string; iteration: number }[][]) {
          for (const r of records) {
            expect(r.status).not.toBe("running");
            expect(logged.has(r.iteration)).toBe(true);
          }
        }
        expect(progress.match(/- Status: Completed/g)?.length ?? 0).toBe(UNITS.length);
        expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe(TASKS.replaceAll("[ ]", "[x]"));
      });
    }
  });
}
