// End to end: faults injected into real runs of the compiled binary (timeouts, rate limits, signals, locks).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir, cleanUp } from "./harness.ts";
import { alive, pidsIn, until } from "../faults/processes.ts";

afterAll(cleanUp);

const TWO = "- [ ] 1. First task\n- [ ] 2. Second task\n";
const DONE = "cat >/dev/null; echo '<promise>TASK_DONE</promise>'";

function state(spec: string) {
  return JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
}
function progress(spec: string): string {
  return readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
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

  test("a second Ctrl-C exits at once, even while an agent that ignores SIGTERM is being ended", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const pids = join(dir, "pids");
    const agent = scriptedAgent(dir, `trap '' TERM; echo "$$" >> '${pids}'; while :; do sleep 0.1; done`);
    const proc = Bun.spawn([binary, "run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command], {
      env: { ...process.env, CI: "true" },
      stdout: "ignore",
      stderr: "ignore",
    });
    await until(() => pidsIn(pids).length === 1);
    proc.kill("SIGINT");
    await Bun.sleep(300);
    const second = Date.now();
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    expect(Date.now() - second).toBeLessThan(2_000);
    Bun.spawnSync(["kill", "-9", String(pidsIn(pids)[0])]);
  });

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

describe("the orchestrator killed with SIGKILL while its pane's agent finishes", () => {
  test("(tmux) the pane still ends (its line into the unread FIFO never blocks), and the next run takes the attempt's result", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const started = join(dir, "started");
    const socket = privateTmux();
    const agent = scriptedAgent(dir, `if [ "$SEQORCH_TASK_ID" = 1 ]; then touch '${started}'; sleep 1; fi; ${DONE}`);
    const args = ["run", "--spec", spec, "--delay", "0", "--tmux-socket", socket, "--agent-command", agent.command];
    const proc = Bun.spawn([binary, ...args], { env: { ...process.env, CI: "true" }, stdout: "ignore", stderr: "ignore" });
    await until(() => existsSync(started));
    proc.kill("SIGKILL");
    await proc.exited;
    // The agent ends by itself a second later; its pane's script writes the exit file and its line, and ends.
    const exitFile = join(spec, ".seqorch", "attempts", "1.1", "exit");
    await until(() => existsSync(exitFile), 10_000);
    const panes = () => Bun.spawnSync(["tmux", "-L", socket, "list-panes", "-a", "-F", "#{window_name} #{pane_dead}"]).stdout.toString();
    await until(() => panes().includes("task-1 1"), 10_000);
    expect(lstatSync(join(spec, ".seqorch", "tmux-signals")).isFIFO()).toBe(true);
    const r = await seqorch(args);
    expect(r.code).toBe(0);
    const s = state(spec);
    expect(s.attempts["1"].map((a: { status: string }) => a.status)).toEqual(["done"]);
    expect(s.completed).toEqual(["1", "2"]);
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toBe("- [x] 1. First task\n- [x] 2. Second task\n");
  });
});

describe("tmux trouble", () => {
  test("an already running tmux server started with another environment: the agent still gets seqorch's", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const socket = privateTmux();
    expect(Bun.spawnSync(["tmux", "-L", socket, "new-session", "-d", "-s", "mine"], { env: { PATH: process.env.PATH ?? "" } }).exitCode).toBe(0);
    const seen = join(dir, "seen");
    const agent = scriptedAgent(dir, `printf '%s|%s\\n' "$SEQORCH_SECRET_FOR_AGENT" "$SEQORCH_TASK_ID" >> '${seen}'; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--tmux-socket", socket, "--agent-command", agent.command], {
      env: { SEQORCH_SECRET_FOR_AGENT: "it's $(not) expanded" },
    });
    expect(r.code).toBe(0);
    expect(readFileSync(seen, "utf8")).toBe("it's $(not) expanded|1\nit's $(not) expanded|2\n");
    expect(readdirSync(join(spec, ".seqorch", "attempts", "1.1"))).not.toContain("env.sh");
  });

  test("the tmux server killed mid-attempt: the attempt fails cleanly, the session is recreated, the run goes on", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const socket = privateTmux();
    const flag = join(dir, "killed-once");
    const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; tmux -L '${socket}' kill-server; sleep 5; fi; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--tmux-socket", socket, "--agent-command", agent.command]);
    expect(r.code).toBe(0);
    const s = state(spec);
    expect(s.attempts["1"].map((a: { status: string }) => a.status)).toEqual(["failed", "done"]);
    expect(s.completed).toEqual(["1", "2"]);
  });

  test("the unit's window closed by the user: the attempt fails cleanly and is retried", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const socket = privateTmux();
    const flag = join(dir, "closed-once");
    const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; tmux -L '${socket}' kill-window -t "$TMUX_PANE"; sleep 5; fi; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--tmux-socket", socket, "--agent-command", agent.command]);
    expect(r.code).toBe(0);
    expect(state(spec).attempts["1"].map((a: { status: string }) => a.status)).toEqual(["failed", "done"]);
  });
});

describe("the spec changes under the run", () => {
  test("a unit added, a box ticked by hand and a unit removed are honoured and logged", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. First\n- [ ] 2. Second\n- [ ] 3. Third\n- [ ] 4. Fourth\n");
    const tasks = join(spec, "tasks.md");
    // While unit 1 runs, "the user" ticks 2, removes 3 and adds 5.
    const agent = scriptedAgent(
      dir,
      `if [ "$SEQORCH_TASK_ID" = 1 ]; then sed -i -e 's/- \\[ \\] 2\\./- [x] 2./' -e '/3\\. Third/d' '${tasks}'; echo '- [ ] 5. Fifth' >> '${tasks}'; fi; ${DONE}`,
    );
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(r.code).toBe(0);
    expect(readFileSync(agent.dispatchLog, "utf8")).toBe("1 1\n4 1\n5 1\n");
    const log = progress(spec);
    expect(log).toContain("unit(s) added: 5");
    expect(log).toContain("unit(s) removed: 3");
    expect(log).toContain("ticked by hand (will not run): 2");
    expect(readFileSync(tasks, "utf8")).toBe("- [x] 1. First\n- [x] 2. Second\n- [x] 4. Fourth\n- [x] 5. Fifth\n");
  });
});

describe("runaways", () => {
  const gitRepo = (root: string) => {
    for (const args of [["init", "-q"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "init"]]) {
      expect(Bun.spawnSync(["git", ...args], { cwd: root }).exitCode).toBe(0);
    }
  };

  test("a TASK_DONE with no change in the workdir is flagged; --require-changes makes it a failed attempt", async () => {
    const dir = tempDir();
    const { root, spec } = makeSpec("- [ ] 1. One\n");
    writeFileSync(join(root, ".gitignore"), ".kiro/\n");
    gitRepo(root);
    Bun.spawnSync(["git", "add", ".gitignore"], { cwd: root });
    Bun.spawnSync(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "ignore"], { cwd: root });
    const agent = scriptedAgent(dir, DONE);
    const flagged = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(flagged.code).toBe(0);
    expect(progress(spec)).toContain("- Warning: the agent said TASK_DONE but nothing changed in the workdir (git)");
    const strict = makeSpec("- [ ] 1. One\n");
    writeFileSync(join(strict.root, ".gitignore"), ".kiro/\n");
    gitRepo(strict.root);
    const r = await seqorch(["run", "--spec", strict.spec, "--no-tmux", "--delay", "0", "--max-attempts", "1", "--require-changes", "--agent-command", agent.command]);
    expect(r.code).toBe(2);
    expect(state(strict.spec).attempts["1"][0].reason).toContain("runaway (--require-changes)");
    const working = makeSpec("- [ ] 1. One\n");
    writeFileSync(join(working.root, ".gitignore"), ".kiro/\n");
    gitRepo(working.root);
    const worker = scriptedAgent(tempDir(), `echo hi > made.txt; ${DONE}`);
    const ok = await seqorch(["run", "--spec", working.spec, "--no-tmux", "--delay", "0", "--require-changes", "--agent-command", worker.command]);
    expect(ok.code).toBe(0);
    expect(progress(working.spec)).not.toContain("Warning");
  });

  test("a done unit whose agent unticked other done boxes is flagged", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [x] 1. Done before\n- [ ] 2. Two\n");
    const agent = scriptedAgent(dir, `sed -i 's/- \\[x\\] 1\\./- [ ] 1./' '${join(spec, "tasks.md")}'; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(progress(spec)).toContain("- Warning: the agent unticked done task(s) in tasks.md: 1");
    expect(r.stdout + r.stderr).toContain("unit 2: the agent unticked done task(s)");
  });
});

describe("hooks and reset", () => {
  test("--on-complete and --on-halt run with the outcome in their environment and never block the run", async () => {
    const dir = tempDir();
    const out = join(dir, "hook.txt");
    const hook = `printf '%s|%s|%s\\n' "$SEQORCH_EVENT" "$SEQORCH_REASON" "$SEQORCH_UNIT" >> '${out}'; sleep 30`;
    const done = makeSpec("- [ ] 1. One\n");
    const started = Date.now();
    const r1 = await seqorch(["run", "--spec", done.spec, "--no-tmux", "--delay", "0", "--on-complete", hook, "--agent-command", DONE]);
    expect(r1.code).toBe(0);
    const halted = makeSpec("- [ ] 1. One\n");
    const r2 = await seqorch(["run", "--spec", halted.spec, "--no-tmux", "--delay", "0", "--on-halt", hook, "--agent-command", "echo '<promise>HALT</promise>'"]);
    expect(r2.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    await until(() => existsSync(out) && readFileSync(out, "utf8").split("\n").length >= 3);
    expect(readFileSync(out, "utf8").split("\n").filter(Boolean).sort()).toEqual(["complete|complete|", "halt|agent-halt|1"]);
    const broken = await seqorch(["run", "--spec", makeSpec("- [ ] 1. One\n").spec, "--no-tmux", "--on-complete", "exit 3", "--agent-command", DONE]);
    expect(broken.code).toBe(0);
  });

  test("seqorch reset backs up the state file and the next run starts over", async () => {
    const { spec } = makeSpec("- [ ] 1. One\n");
    expect((await seqorch(["run", "--spec", spec, "--no-tmux", "--no-writeback", "--agent-command", DONE])).code).toBe(0);
    const before = readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8");
    const r = await seqorch(["reset", "--spec", spec]);
    expect(r.code).toBe(0);
    expect(existsSync(join(spec, "SEQUENTIAL_STATE.json"))).toBe(false);
    const backups = readdirSync(spec).filter((f) => f.startsWith("SEQUENTIAL_STATE.json.bak-"));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(spec, backups[0]!), "utf8")).toBe(before);
    const again = await seqorch(["run", "--spec", spec, "--no-tmux", "--no-writeback", "--agent-command", DONE]);
    expect(again.code).toBe(0);
    expect(state(spec).attempts["1"]).toHaveLength(1);
  });
});

describe("--detach-on-stop", () => {
  for (const mode of ["tmux", "direct"] as const) {
    test(`(${mode}) a stop leaves the agent running; the next run adopts it and records its result once`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const release = join(dir, "release");
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const agent = scriptedAgent(dir, `echo "$$" >> '${pids}'; while [ ! -e '${release}' ]; do sleep 0.1; done; ${DONE}`);
      const args = ["run", "--spec", spec, "--delay", "0", "--detach-on-stop", "--agent-command", agent.command, ...modeArgs];
      const first = Bun.spawn([binary, ...args], { env: { ...process.env, CI: "true" }, stdout: "ignore", stderr: "ignore" });
      await until(() => pidsIn(pids).length === 1);
      first.kill("SIGTERM");
      expect(await first.exited).toBe(143);
      const agentPid = pidsIn(pids)[0]!;
      expect(alive(agentPid)).toBe(true);
      const s = state(spec);
      expect(s.attempts["1"][0]).toMatchObject({ status: "running", detached: true });
      expect(progress(spec)).toContain("keeps running (--detach-on-stop)");
      const second = Bun.spawn([binary, ...args], { env: { ...process.env, CI: "true" }, stdout: "pipe", stderr: "pipe" });
      await Bun.sleep(500);
      Bun.spawnSync(["touch", release]);
      expect(await second.exited).toBe(0);
      const out = await new Response(second.stdout).text();
      expect(out).toMatch(/attempt 1 of 3 on command, adopted (tmux window @\d+|pid \d+)/);
      expect(await new Response(second.stderr).text()).toContain("adopting attempt 1");
      expect(readFileSync(agent.dispatchLog, "utf8")).toBe("1 1\n2 1\n");
      const after = state(spec);
      expect(after.attempts["1"].map((a: { status: string }) => a.status)).toEqual(["done"]);
      expect(after.completed).toEqual(["1", "2"]);
    });
  }
});

describe("quoted markers", () => {
  test("a TASK_DONE inside a fenced code block (``` or ~~~) does not complete the unit", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. One\n");
    const agent = scriptedAgent(dir, `cat >/dev/null; if [ "$SEQORCH_ATTEMPT" = 1 ]; then printf '%s\\n' 'The protocol:' '~~~text' '<promise>TASK_DONE</promise>' '~~~'; else printf '%s\\n' '\`\`\`' '<promise>TASK_DONE</promise>' '\`\`\`'; fi`);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-attempts", "2", "--agent-command", agent.command]);
    expect(r.code).toBe(2);
    const s = state(spec);
    expect(s.attempts["1"].map((a: { status: string }) => a.status)).toEqual(["failed", "failed"]);
    expect(s.completed).toEqual([]);
  });
});

describe("rate-limit edge cases", () => {
  /** "7:05pm": a wall-clock time as agents print it, in `zone`. */
  const clockText = (t: number, zone: string) =>
    new Intl.DateTimeFormat("en-US", { timeZone: zone, hour: "numeric", minute: "2-digit", hour12: true }).format(new Date(t)).replace(/\s/g, "").toLowerCase();

  test("a reset time already past is retried after a short wait, not taken as tomorrow", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. One\n");
    const flag = join(dir, "limited-once");
    const past = clockText(Date.now() - 3_600_000, "UTC");
    const agent = scriptedAgent(dir, `cat >/dev/null; if [ ! -e '${flag}' ]; then touch '${flag}'; echo "Error: rate limit exceeded, resets ${past} (UTC)" >&2; exit 1; fi; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-wait", "30", "--agent-command", agent.command], {
      env: { SEQORCH_RATE_LIMIT_BACKOFF_MS: "200" },
    });
    expect(r.stderr + r.stdout).not.toContain("past --max-wait");
    expect(r.code).toBe(0);
    expect(state(spec).attempts["1"].map((a: { status: string }) => a.status)).toEqual(["rate-limited", "done"]);
  });

  test("a named zone is honoured: the halt says when the limit resets, in UTC, whatever the local zone", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. One\n");
    const reset = Math.floor((Date.now() + 3 * 3_600_000) / 60_000) * 60_000;
    const agent = scriptedAgent(dir, `echo "You've hit your limit · resets ${clockText(reset, "America/New_York")} (America/New_York)"; exit 1`);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-wait", "60", "--agent-command", agent.command], {
      env: { TZ: "Asia/Tokyo" },
    });
    expect(r.code).toBe(2);
    expect(state(spec).halted_reason).toBe("rate-limit");
    expect(r.stdout + r.stderr).toContain(`until ${new Date(reset).toISOString()}`);
  });

  test("--max-wait below the first backoff: the backoff is capped by what is left, and the halt says what was waited", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. One\n");
    const agent = scriptedAgent(dir, `echo 'Error: 429 Too Many Requests' >&2; exit 1`);
    const started = Date.now();
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-wait", "1", "--agent-command", agent.command], {
      env: { SEQORCH_RATE_LIMIT_BACKOFF_MS: "60000" },
    });
    const elapsed = Date.now() - started;
    expect(r.code).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(10_000);
    expect(state(spec).attempts["1"]).toHaveLength(2);
    expect(r.stdout + r.stderr).toContain("still after --max-wait (1 s): waited 1 s over 1 retry");
  });
});

describe("foreign files", () => {
  test("a spec folder copied with another spec's state file: exit 65 naming both, nothing runs; seqorch reset still works", async () => {
    const dir = tempDir();
    const { root, spec } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n", "template");
    const agent = scriptedAgent(dir, DONE);
    expect((await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--no-writeback", "--agent-command", agent.command])).code).toBe(0);
    const copy = join(root, ".kiro", "specs", "copied");
    Bun.spawnSync(["cp", "-r", spec, copy]);
    const r = await seqorch(["run", "--spec", copy, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(spec);
    expect(r.stderr).toContain(copy);
    expect(readFileSync(agent.dispatchLog, "utf8")).toBe("1 1\n2 1\n");
    expect((await seqorch(["reset", "--spec", copy])).code).toBe(0);
    const again = await seqorch(["run", "--spec", copy, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(again.code).toBe(0);
    expect(readFileSync(agent.dispatchLog, "utf8")).toBe("1 1\n2 1\n1 1\n2 1\n");
  });

  test("a symlinked --spec: the agent runs in the repository the spec really lives in, not the current folder", async () => {
    const dir = tempDir();
    const { root, spec } = makeSpec("- [ ] 1. One\n");
    const other = join(tempDir(), "other-repo");
    Bun.spawnSync(["mkdir", "-p", join(other, ".git")]);
    Bun.spawnSync(["ln", "-s", spec, join(other, "the-spec")]);
    const where = join(dir, "where");
    const agent = scriptedAgent(dir, `pwd -P > '${where}'; ${DONE}`);
    const r = await seqorch(["run", "--spec", "the-spec", "--no-tmux", "--delay", "0", "--agent-command", agent.command], { cwd: other });
    expect(r.code).toBe(0);
    expect(readFileSync(where, "utf8").trim()).toBe(Bun.spawnSync(["realpath", root]).stdout.toString().trim());
  });
});

describe("hook limit", () => {
  test("a hook that runs on is ended at its limit with what it started, though seqorch has exited", async () => {
    const dir = tempDir();
    const pids = join(dir, "hook-pids");
    const hook = `sleep 300 & echo "$$ $!" > '${pids}'; wait`;
    const r = await seqorch(["run", "--spec", makeSpec("- [ ] 1. One\n").spec, "--no-tmux", "--delay", "0", "--on-complete", hook, "--agent-command", DONE], {
      env: { SEQORCH_HOOK_LIMIT_MS: "1500" },
    });
    expect(r.code).toBe(0);
    await until(() => pidsIn(pids).length === 2);
    const started = pidsIn(pids);
    expect(started.every(alive)).toBe(true);
    await Bun.sleep(3_000);
    const survivors = started.filter(alive);
    for (const pid of survivors) process.kill(pid, "SIGKILL");
    expect(survivors).toEqual([]);
  });
});

describe("a stop by the user", () => {
  test("Ctrl-C during an attempt does not use up an attempt: with --max-attempts 1 the next run runs the unit", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. One\n");
    const pids = join(dir, "pids");
    const flag = join(dir, "slow-once");
    const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; echo "$$" >> '${pids}'; exec sleep 300; fi; ${DONE}`);
    const args = ["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-attempts", "1", "--agent-command", agent.command];
    const proc = Bun.spawn([binary, ...args], { env: { ...process.env, CI: "true" }, stdout: "ignore", stderr: "ignore" });
    await until(() => pidsIn(pids).length === 1);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    expect(state(spec).attempts["1"][0]).toMatchObject({ status: "interrupted", counted: false });
    const again = await seqorch(args);
    expect(again.code).toBe(0);
    expect(readFileSync(agent.dispatchLog, "utf8")).toBe("1 1\n1 1\n");
    expect(state(spec).completed).toEqual(["1"]);
  });
});
