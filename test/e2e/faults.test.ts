// End to end: faults injected into real runs of the compiled binary (timeouts, rate limits, signals, locks).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir } from "./harness.ts";

const TWO = "- [ ] 1. First task\n- [ ] 2. Second task\n";
const DONE = "cat >/dev/null; echo '<promise>TASK_DONE</promise>'";

function state(spec: string) {
  return JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
}
function progress(spec: string): string {
  return readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
}
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
function pidsIn(file: string): number[] {
  return existsSync(file) ? readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number) : [];
}
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await Bun.sleep(20);
  }
}

for (const mode of ["tmux", "direct"] as const) {
  describe(`hangs (${mode})`, () => {
    const modeArgs = () => (mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"]);

    test("--task-timeout ends the agent's whole process tree and records a timed-out attempt", async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const agent = scriptedAgent(dir, `sleep 300 & echo "$$ $!" >> '${pids}'; echo working; wait`);
      const started = Date.now();
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--max-attempts", "1", "--task-timeout", "1", "--agent-command", agent.command, ...modeArgs()]);
      expect(r.code).toBe(2);
      expect(Date.now() - started).toBeLessThan(15_000);
      const recorded = pidsIn(pids);
      expect(recorded).toHaveLength(2);
      for (const pid of recorded) expect(alive(pid)).toBe(false);
      const s = state(spec);
      expect(s.attempts["1"][0].status).toBe("timeout");
      expect(s.halted_reason).toBe("attempts-exhausted");
      expect(progress(spec)).toContain("- Status: Timed out (timed out after 1 s (--task-timeout))");
    });

    test("--idle-timeout ends an agent that stops printing", async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const agent = scriptedAgent(dir, `echo "$$" >> '${pids}'; echo 'thinking...'; sleep 300`);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--max-attempts", "1", "--idle-timeout", "1", "--agent-command", agent.command, ...modeArgs()]);
      expect(r.code).toBe(2);
      for (const pid of pidsIn(pids)) expect(alive(pid)).toBe(false);
      expect(state(spec).attempts["1"][0].status).toBe("timeout");
      expect(progress(spec)).toContain("no output for 1 s (--idle-timeout)");
    });
  });
}

describe("rate limits", () => {
  test("a limit reported on stderr waits until the reset time, retries the same unit, and costs no attempt", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const flag = join(dir, "limited-once");
    const agent = scriptedAgent(
      dir,
      `if [ ! -e '${flag}' ]; then touch '${flag}'; echo 'Error: rate limit exceeded, try again in 1 seconds' >&2; exit 1; fi; ${DONE}`,
    );
    const started = Date.now();
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-attempts", "1", "--agent-command", agent.command]);
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(readFileSync(agent.dispatchLog, "utf8")).toBe("1 1\n1 1\n2 1\n");
    const s = state(spec);
    expect(s.attempts["1"].map((a: { status: string; counted: boolean }) => [a.status, a.counted])).toEqual([
      ["rate-limited", false],
      ["done", true],
    ]);
    expect(s.waiting).toBeNull();
    expect(progress(spec)).toContain("- Status: Rate limited (rate limited: Error: rate limit exceeded, try again in 1 seconds)");
    expect(r.stdout + r.stderr).toContain("not counted as an attempt");
  });

  test("a limit that outlasts --max-wait halts with reason rate-limit", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const agent = scriptedAgent(dir, `echo "You've hit your usage limit" >&2; exit 1`);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-wait", "1", "--agent-command", agent.command], {
      env: { SEQORCH_RATE_LIMIT_BACKOFF_MS: "300" },
    });
    expect(r.code).toBe(2);
    const s = state(spec);
    expect(s.halted_reason).toBe("rate-limit");
    expect(s.attempts["1"].every((a: { status: string }) => a.status === "rate-limited")).toBe(true);
    expect(s.attempts["1"].length).toBeGreaterThanOrEqual(2);
  });

  test("text that merely mentions rate limiting (a package named ratelimit) is an ordinary failure", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const agent = scriptedAgent(dir, `printf '%s\\n' 'import { Ratelimit } from "@upstash/ratelimit";' '// rate limit exceeded handling lives here' 'done editing'; exit 0`);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-attempts", "1", "--agent-command", agent.command]);
    expect(r.code).toBe(2);
    const s = state(spec);
    expect(s.attempts["1"][0].status).toBe("failed");
    expect(s.halted_reason).toBe("attempts-exhausted");
  });
});

describe("signals and locks", () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130], ["SIGHUP", 129]] as const) {
    test(`${signal} stops cleanly: agent ended, attempt recorded as interrupted, exit ${code}, and a later run resumes`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const flag = join(dir, "slow-once");
      const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; echo "$$" >> '${pids}'; sleep 300; fi; ${DONE}`);
      const proc = Bun.spawn([binary, "run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command], {
        env: { ...process.env, CI: "true" },
        stdout: "pipe",
        stderr: "pipe",
      });
      await until(() => pidsIn(pids).length === 1);
      proc.kill(signal);
      expect(await proc.exited).toBe(code);
      expect(alive(pidsIn(pids)[0]!)).toBe(false);
      const s = state(spec);
      expect(s.current).toBeNull();
      expect(s.attempts["1"][0].status).toBe("interrupted");
      expect(progress(spec)).toContain("- Status: Interrupted");
      expect(existsSync(join(spec, "SEQUENTIAL_STATE.json.lock"))).toBe(false);
      const again = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
      expect(again.code).toBe(0);
      expect(state(spec).completed).toEqual(["1", "2"]);
    });
  }

  test("a second run on the same spec refuses at once with the first one's pid; a dead run's lock is taken over", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const started = join(dir, "started");
    const agent = scriptedAgent(dir, `touch '${started}'; sleep 2; ${DONE}`);
    const first = Bun.spawn([binary, "run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command], {
      env: { ...process.env, CI: "true" },
      stdout: "ignore",
      stderr: "ignore",
    });
    await until(() => existsSync(started));
    const second = await seqorch(["run", "--spec", spec, "--no-tmux", "--agent-command", agent.command]);
    expect(second.code).toBe(75);
    expect(second.stderr).toContain(`pid ${first.pid}`);
    first.kill("SIGKILL");
    await first.exited;
    const third = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", "cat >/dev/null; echo '<promise>TASK_DONE</promise>'"]);
    expect(third.code).toBe(0);
    expect(third.stdout + third.stderr).toContain(`took over the lock of a run that is gone (pid ${first.pid}`);
    expect(third.stdout + third.stderr).toContain("attempt 1 was left running by an earlier run");
  });
});

describe("the orchestrator killed with SIGKILL", () => {
  for (const mode of ["tmux", "direct"] as const) {
    test(`(${mode}) the next run ends the orphaned agent, counts its attempt, and finishes every unit exactly once`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const flag = join(dir, "hang-once");
      const socket = privateTmux();
      const modeArgs = mode === "tmux" ? ["--tmux-socket", socket] : ["--no-tmux"];
      const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; echo "$$" >> '${pids}'; sleep 300; fi; ${DONE}`);
      const proc = Bun.spawn([binary, "run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs], {
        env: { ...process.env, CI: "true" },
        stdout: "ignore",
        stderr: "ignore",
      });
      await until(() => pidsIn(pids).length === 1);
      proc.kill("SIGKILL");
      await proc.exited;
      const orphan = pidsIn(pids)[0]!;
      expect(alive(orphan)).toBe(true);
      expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [-] 1. First task");
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs]);
      expect(r.code).toBe(0);
      expect(alive(orphan)).toBe(false);
      const s = state(spec);
      expect(s.attempts["1"].map((a: { status: string }) => a.status)).toEqual(["interrupted", "done"]);
      expect(s.completed).toEqual(["1", "2"]);
      expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe("- [x] 1. First task\n- [x] 2. Second task\n");
      writeFileSync(join(dir, "ok"), "");
    });
  }
});
