// The agent's whole process tree is ended: on a stop (SIGTERM, SIGINT, SIGHUP; a second Ctrl-C), after a
// --task-timeout before the next attempt starts, and at the end of every attempt (what it left behind, found by
// SEQORCH_ATTEMPT_ID), including grandchildren that ignore SIGTERM and ones that moved to their own process group.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { binary, cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir } from "../e2e/harness.ts";
import { alive, pidsIn, until } from "./processes.ts";

afterAll(cleanUp);

const TWO = "- [ ] 1. First task\n- [ ] 2. Second task\n";
const DONE = "echo '<promise>TASK_DONE</promise>'";

function killAll(pids: number[]): void {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
}

/** Shell lines that start a grandchild ignoring SIGTERM in the agent's group, and one in a new session (setsid). */
function stubbornTree(pids: string): string {
  return [
    `sh -c 'trap "" TERM; echo $$ >> "${pids}"; while :; do sleep 0.1; done' &`,
    `setsid sh -c 'trap "" TERM; echo $$ >> "${pids}"; while :; do sleep 0.1; done' &`,
  ].join("\n");
}

const modes = [
  ["direct", ["--no-tmux"]],
  ["tmux", null],
] as const;

for (const [mode, fixed] of modes) {
  const modeArgs = () => fixed ?? ["--tmux-socket", privateTmux()];
  describe(`a stop ends the whole tree (${mode})`, () => {
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
      test(`${signal}: grandchildren that ignore SIGTERM (one with setsid) are dead when seqorch exits`, async () => {
        const dir = tempDir();
        const { spec } = makeSpec(TWO);
        const pids = join(dir, "pids");
        const agent = scriptedAgent(dir, `${stubbornTree(pids)}\nwait`);
        const proc = Bun.spawn([binary, "run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs()], {
          env: { ...process.env, CI: "true", SEQORCH_KILL_GRACE_MS: "800" },
          stdout: "ignore",
          stderr: "ignore",
        });
        await until(() => pidsIn(pids).length === 2, 15_000);
        proc.kill(signal);
        await proc.exited;
        const survivors = pidsIn(pids).filter(alive);
        killAll(survivors);
        expect(survivors).toEqual([]);
        const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
        expect(state.attempts["1"][0].status).toBe("interrupted");
      }, 30_000);
    }

    test("a second Ctrl-C shortens the grace but still kills what ignores SIGTERM", async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const agent = scriptedAgent(dir, `${stubbornTree(pids)}\ntrap '' TERM; echo $$ >> '${pids}'; while :; do sleep 0.1; done`);
      const proc = Bun.spawn([binary, "run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs()], {
        env: { ...process.env, CI: "true", SEQORCH_KILL_GRACE_MS: "20000" },
        stdout: "ignore",
        stderr: "ignore",
      });
      await until(() => pidsIn(pids).length === 3, 15_000);
      proc.kill("SIGINT");
      await Bun.sleep(300);
      const second = Date.now();
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      expect(Date.now() - second).toBeLessThan(3_000);
      const survivors = pidsIn(pids).filter(alive);
      killAll(survivors);
      expect(survivors).toEqual([]);
    }, 30_000);

    test("after --task-timeout nothing of attempt 1 is alive when attempt 2 starts", async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const seen = join(dir, "seen-at-attempt-2");
      const agent = scriptedAgent(
        dir,
        `if [ "$SEQORCH_TASK_ID$SEQORCH_ATTEMPT" = 11 ]; then\n${stubbornTree(pids)}\nwait; fi\nfor p in $(cat '${pids}'); do if kill -0 $p 2>/dev/null && ! grep -q '^State:.*Z' /proc/$p/status; then echo $p >> '${seen}'; fi; done\n${DONE}`,
      );
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--task-timeout", "1", "--agent-command", agent.command, ...modeArgs()], {
        env: { SEQORCH_KILL_GRACE_MS: "800" },
      });
      const survivors = pidsIn(pids).filter(alive);
      killAll(survivors);
      expect(r.code).toBe(0);
      expect(pidsIn(seen)).toEqual([]);
      expect(survivors).toEqual([]);
    }, 60_000);
  });

  describe(`what an attempt leaves behind is ended and named (${mode})`, () => {
    test("a background child in its own process group and a setsid daemon: ended at the attempt's end, named in the progress log", async () => {
      const dir = tempDir();
      const { spec } = makeSpec("- [ ] 1. Only task\n");
      const pids = join(dir, "pids");
      const agent = scriptedAgent(
        dir,
        // The daemon keeps the agent's stdout open (in tmux: the pipe into the log), the other does not.
        `setsid sh -c 'echo $$ >> "${pids}"; exec sleep 15' &\n` +
          `(set -m; sh -c 'echo $$ >> "${pids}"; exec sleep 15' >/dev/null 2>&1 &)\n` +
          // (`cat | wc`: 0 while the file does not exist yet, where `wc -l <` gave "" and ended the wait at once.)
          `while [ "$(cat '${pids}' 2>/dev/null | wc -l)" -lt 2 ]; do sleep 0.05; done\n` +
          // Each wrote its pid before its exec: wait until both are sleep, so the name the log gives is known.
          `for p in $(cat '${pids}'); do while [ "$(cat /proc/$p/comm 2>/dev/null)" != sleep ]; do sleep 0.02; done; done\n${DONE}`,
      );
      const started = Date.now();
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs()], {
        env: { SEQORCH_KILL_GRACE_MS: "800" },
      });
      const left = pidsIn(pids);
      const survivors = left.filter(alive);
      killAll(survivors);
      expect(r.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(left).toHaveLength(2);
      expect(survivors).toEqual([]);
      const progress = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
      for (const pid of left) expect(progress).toContain(`pid ${pid} (sleep)`);
    }, 30_000);

    test("a daemon with threads is ended and named once (a thread's id is not taken for a process)", async () => {
      const dir = tempDir();
      const { spec } = makeSpec("- [ ] 1. Only task\n");
      const pids = join(dir, "pids");
      const threadCount = join(dir, "threads");
      // Bun itself (the test's runtime) starts several threads; it writes how many, then its pid.
      const write = `const fs = require("fs"); await fs.promises.readFile("/proc/self/stat"); Bun.gc(true); await Bun.sleep(50); fs.writeFileSync(${JSON.stringify(threadCount)}, String(fs.readdirSync("/proc/self/task").length)); fs.appendFileSync(${JSON.stringify(pids)}, process.pid + "\\n")`;
      const daemon = `setsid ${JSON.stringify(process.execPath)} -e '${write.replaceAll("'", "")}; setInterval(() => {}, 1000)' </dev/null >/dev/null 2>&1 &`;
      const agent = scriptedAgent(dir, `${daemon}\nwhile [ ! -s '${pids}' ]; do sleep 0.05; done\n${DONE}`);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs()], { env: { SEQORCH_KILL_GRACE_MS: "800" } });
      const left = pidsIn(pids);
      const survivors = left.filter(alive);
      killAll(survivors);
      expect(r.code).toBe(0);
      expect(left).toHaveLength(1);
      expect(Number(readFileSync(threadCount, "utf8"))).toBeGreaterThan(1);
      expect(survivors).toEqual([]);
      const progress = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
      const named = /ended what the agent left running: (.*)/.exec(progress)?.[1] ?? "";
      expect(named).toMatch(new RegExp(`^pid ${left[0]} \\(bun[^)]*\\)$`));
    }, 30_000);
  });
}
