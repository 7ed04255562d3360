// An attempt cut short because seqorch itself was killed (SIGKILL, OOM, a reboot) is not the agent's failure: the
// next run ends what is left of it and records it interrupted, not counted towards --max-attempts, up to a cap of
// killed runs per unit (so an agent that kills seqorch every time cannot make a restarted seqorch loop forever).
// An agent that ended on its own without TASK_DONE while no seqorch ran did fail: that attempt still counts.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FORGIVEN_KILLS_PER_UNIT } from "../../src/actors/recover-run.ts";
import { cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir } from "../e2e/harness.ts";

afterAll(cleanUp);

const ONE = "- [ ] 1. Only task\n";
const DONE = "echo '<promise>TASK_DONE</promise>'";
const KILL_ENV = { SEQORCH_KILL_GRACE_MS: "300" };

interface Record {
  status: string;
  counted: boolean;
  reason: string | null;
}
/** The unit's attempt records; a failed one's reason is printed (it should not happen here: say why it did). */
function attemptsOf(spec: string, unit = "1"): Record[] {
  const records: Record[] = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).attempts[unit] ?? [];
  for (const r of records) if (r.status === "failed") console.log(`unit ${unit}: a failed attempt: ${r.reason}`);
  return records;
}
const dispatches = (log: string) => readFileSync(log, "utf8").split("\n").filter(Boolean).length;

/** An agent that hangs (until ended) on its first `hangs` runs and then says TASK_DONE; counts its runs in `dir`. */
function hangingAgent(dir: string, hangs: number) {
  const count = join(dir, "runs");
  const agent = scriptedAgent(dir, `cat >/dev/null; n=$(($(cat '${count}' 2>/dev/null || echo 0) + 1)); echo $n > '${count}'; if [ $n -le ${hangs} ]; then exec sleep 300; fi; ${DONE}`);
  return { ...agent, runs: () => (existsSync(count) ? Number(readFileSync(count, "utf8")) : 0) };
}

/**
 * Run seqorch killed at its first wait, `times` times; after each, wait until that run's agent has counted itself
 * (the run dies right after starting it: the next run's recovery could otherwise end it before its first line).
 */
async function killedRuns(args: string[], agent: ReturnType<typeof hangingAgent>, times: number): Promise<void> {
  for (let i = 1; i <= times; i++) {
    expect((await seqorch(args, { env: { ...KILL_ENV, SEQORCH_CRASH_AT: "wait#1" } })).code).toBe(137);
    for (const end = Date.now() + 10_000; agent.runs() < i && Date.now() < end; ) await Bun.sleep(20);
    expect(agent.runs()).toBe(i);
  }
}

for (const mode of ["direct", "tmux"] as const) {
  describe(`(${mode}) attempts cut short by a killed seqorch`, () => {
    test(`--max-attempts 3 and 3 runs killed while unit 1's agent runs: the next run still finishes the unit`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec(ONE);
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const agent = hangingAgent(dir, 3);
      const args = ["run", "--spec", spec, "--delay", "0", "--max-attempts", "3", "--agent-command", agent.command, ...modeArgs];
      await killedRuns(args, agent, 3);
      const r = await seqorch(args, { env: KILL_ENV });
      expect(r.stderr).not.toContain("used up");
      expect(r.code).toBe(0);
      expect(dispatches(agent.dispatchLog)).toBe(4);
      const attempts = attemptsOf(spec);
      expect(attempts.map((a) => [a.status, a.counted])).toEqual([
        ["interrupted", false],
        ["interrupted", false],
        ["interrupted", false],
        ["done", true],
      ]);
      expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe("- [x] 1. Only task\n");
    }, 60_000);

    test(`an agent that "kills seqorch" every time: ${FORGIVEN_KILLS_PER_UNIT} killed runs are forgiven, later ones count, then the unit halts`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec(ONE);
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const killed = FORGIVEN_KILLS_PER_UNIT + 1;
      // It would succeed on the run after the last kill: the halt must come from the cap, not from the agent.
      const agent = hangingAgent(dir, killed);
      const args = ["run", "--spec", spec, "--delay", "0", "--max-attempts", "1", "--agent-command", agent.command, ...modeArgs];
      await killedRuns(args, agent, killed);
      const r = await seqorch(args, { env: KILL_ENV });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("unit 1 used up its 1 attempts");
      expect(dispatches(agent.dispatchLog)).toBe(killed);
      const attempts = attemptsOf(spec);
      expect(attempts.map((a) => [a.status, a.counted])).toEqual([...Array.from({ length: FORGIVEN_KILLS_PER_UNIT }, () => ["interrupted", false]), ["interrupted", true]]);
      expect(attempts.at(-1)!.reason).toContain(`more than ${FORGIVEN_KILLS_PER_UNIT} runs were killed during this unit`);
      // Nobody works on the unit any more: its box is not left "in progress".
      expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe(ONE);
    }, 60_000);
  });
}

describe("(direct) killed between recording the attempt and starting its agent", () => {
  test("the agent never ran: with --max-attempts 1 the next run still dispatches the unit", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(ONE);
    const agent = scriptedAgent(dir, `cat >/dev/null; ${DONE}`);
    const args = ["run", "--spec", spec, "--delay", "0", "--max-attempts", "1", "--no-tmux", "--agent-command", agent.command];
    expect((await seqorch(args, { env: { SEQORCH_CRASH_AT: "dispatch.intent#1" } })).code).toBe(137);
    const r = await seqorch(args);
    expect(r.code).toBe(0);
    expect(attemptsOf(spec).map((a) => [a.status, a.counted])).toEqual([
      ["interrupted", false],
      ["done", true],
    ]);
  }, 30_000);
});

describe("(tmux) an agent that failed on its own while no seqorch ran", () => {
  test("its exit file was there before recovery: the attempt counts, and --max-attempts 1 halts", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(ONE);
    const flag = join(dir, "fail-once");
    const agent = scriptedAgent(dir, `cat >/dev/null; if [ ! -e '${flag}' ]; then touch '${flag}'; sleep 0.3; exit 1; fi; ${DONE}`);
    const args = ["run", "--spec", spec, "--delay", "0", "--max-attempts", "1", "--tmux-socket", privateTmux(), "--agent-command", agent.command];
    expect((await seqorch(args, { env: { SEQORCH_CRASH_AT: "wait#1" } })).code).toBe(137);
    for (let i = 0; i < 200 && !agentExited(spec); i++) await Bun.sleep(25);
    expect(agentExited(spec)).toBe(true);
    const r = await seqorch(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unit 1 used up its 1 attempts");
    expect(attemptsOf(spec).map((a) => [a.status, a.counted])).toEqual([["interrupted", true]]);
  }, 30_000);
});

/** Has the first attempt's pane script written its exit file (the agent ended)? */
function agentExited(spec: string): boolean {
  const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
  const log: string = state.attempts["1"][0].log;
  const exit = join(log, "..", "exit");
  return existsSync(exit) && readFileSync(exit, "utf8").trim() !== "";
}
