// Recovery after the orchestrator was killed: it ends only what is the attempt's own (never a process that got
// the recorded pid after a reboot or a tmux restart), it finds an agent started but not yet recorded, and an
// attempt that finishes while recovery ends it is recorded as finished.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir } from "../e2e/harness.ts";
import { alive, pidsIn } from "./processes.ts";

afterAll(cleanUp);

const TWO = "- [ ] 1. First task\n- [ ] 2. Second task\n";
const DONE = "cat >/dev/null; echo '<promise>TASK_DONE</promise>'";

const stateOf = (spec: string) => JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));

describe("recovery verifies identity before ending anything", () => {
  for (const mode of ["tmux", "direct"] as const) {
    test(`(${mode}) the recorded window and agent are gone and the pid now belongs to an unrelated process: it is left alone`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const socket = privateTmux();
      const modeArgs = mode === "tmux" ? ["--tmux-socket", socket] : ["--no-tmux"];
      const pids = join(dir, "pids");
      const flag = join(dir, "hang-once");
      const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; echo "$$" >> '${pids}'; exec sleep 300; fi; ${DONE}`);
      const args = ["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs];
      expect((await seqorch(args, { env: { SEQORCH_CRASH_AT: "wait#1" } })).code).toBe(137);
      for (let i = 0; i < 100 && pidsIn(pids).length === 0; i++) await Bun.sleep(20);
      // "A reboot": the tmux server and the agent are gone; an unrelated process (its own group leader) has the pid.
      Bun.spawnSync(["tmux", "-L", socket, "kill-server"], { stderr: "ignore" });
      for (const pid of pidsIn(pids)) if (alive(pid)) process.kill(pid, "SIGKILL");
      const unrelated = Bun.spawn(["sleep", "300"], { detached: true, stdio: ["ignore", "ignore", "ignore"] });
      const state = stateOf(spec);
      state.attempts["1"][0].pid = unrelated.pid;
      writeFileSync(join(spec, "SEQUENTIAL_STATE.json"), JSON.stringify(state, null, 2));
      const r = await seqorch(args);
      const survived = alive(unrelated.pid);
      unrelated.kill("SIGKILL");
      expect(r.code).toBe(0);
      expect(survived).toBe(true);
      expect(stateOf(spec).completed).toEqual(["1", "2"]);
    }, 30_000);
  }
});

describe("an agent left stopped (a run killed during a log trim's pause)", () => {
  test("is continued, so it acts on SIGTERM at once instead of waiting out the grace for SIGKILL", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const pids = join(dir, "pids");
    const flag = join(dir, "hang-once");
    const ended = join(dir, "ended-by-term");
    const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; trap 'echo yes > "${ended}"; exit 143' TERM; echo "$$" >> '${pids}'; while :; do sleep 0.05; done; fi; ${DONE}`);
    const args = ["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command];
    expect((await seqorch(args, { env: { SEQORCH_CRASH_AT: "wait#1" } })).code).toBe(137);
    for (let i = 0; i < 100 && pidsIn(pids).length === 0; i++) await Bun.sleep(20);
    const agentPid = pidsIn(pids)[0]!;
    process.kill(agentPid, "SIGSTOP");
    const started = Date.now();
    const r = await seqorch(args, { env: { SEQORCH_KILL_GRACE_MS: "8000" } });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(alive(agentPid)).toBe(false);
    expect(readFileSync(ended, "utf8").trim()).toBe("yes");
  }, 30_000);
});

describe("an agent started but not yet recorded", () => {
  for (const mode of ["tmux", "direct"] as const) {
    test(`(${mode}) killed between the start and the state write: the next run ends the first agent before starting another`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const flag = join(dir, "hang-once");
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; echo "$$" >> '${pids}'; exec sleep 300; fi; ${DONE}`);
      const args = ["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs];
      expect((await seqorch(args, { env: { SEQORCH_CRASH_AT: "dispatch.started#1" } })).code).toBe(137);
      for (let i = 0; i < 100 && pidsIn(pids).length === 0; i++) await Bun.sleep(20);
      const first = pidsIn(pids)[0]!;
      expect(alive(first)).toBe(true);
      const r = await seqorch(args, { env: { SEQORCH_KILL_GRACE_MS: "1000" } });
      const survived = alive(first);
      if (survived) process.kill(first, "SIGKILL");
      expect(r.code).toBe(0);
      expect(survived).toBe(false);
      const state = stateOf(spec);
      expect(state.attempts["1"].map((a: { status: string }) => a.status)).toEqual(["interrupted", "done"]);
      expect(state.completed).toEqual(["1", "2"]);
    }, 30_000);
  }
});

describe("an attempt that finishes while recovery ends it", () => {
  for (const mode of ["tmux", "direct"] as const) {
    test(`(${mode}) the agent prints TASK_DONE and exits 0 on the SIGTERM: recorded done, not run again`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const pids = join(dir, "pids");
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const agent = scriptedAgent(
        dir,
        `cat >/dev/null; if [ ! -e '${join(dir, "once")}' ]; then touch '${join(dir, "once")}'; trap 'echo "<promise>TASK_DONE</promise>"; exit 0' TERM; echo "$$" >> '${pids}'; while :; do sleep 0.05; done; fi; echo '<promise>TASK_DONE</promise>'`,
      );
      const args = ["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...modeArgs];
      expect((await seqorch(args, { env: { SEQORCH_CRASH_AT: "wait#1" } })).code).toBe(137);
      // The run died right after starting the agent: under load its SIGTERM trap may not be set yet, and a TERM
      // then would end it unlike this test means (or before `once`, leaving the retry looping). Wait for the pid it
      // writes after the trap.
      await eventually(() => pidsIn(pids).length > 0);
      expect(pidsIn(pids)).toHaveLength(1);
      const r = await seqorch(args);
      expect(r.code).toBe(0);
      expect(readFileSync(agent.dispatchLog, "utf8")).toBe("1 1\n2 1\n");
      const state = stateOf(spec);
      expect(state.attempts["1"].map((a: { status: string }) => a.status)).toEqual(["done"]);
      expect(state.completed).toEqual(["1", "2"]);
      for (const pid of pidsIn(pids)) expect(alive(pid)).toBe(false);
    }, 30_000);
  }
});

/** Live `tmux -L socket … wait-for seqorch-…` clients (pid and channel) of one tmux server. */
function waitForClients(socket: string): { pid: number; channel: string }[] {
  const found: { pid: number; channel: string }[] = [];
  for (const entry of Bun.spawnSync(["ls", "/proc"]).stdout.toString().split("\n")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const i = args.indexOf("wait-for");
      if (i > 0 && args.includes(socket) && args[i + 1]?.startsWith("seqorch-") && alive(Number(entry))) found.push({ pid: Number(entry), channel: args[i + 1]! });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Poll `check` every 20 ms until it holds or `ms` have passed; whether it held. What is checked happens in other
 * processes (a spawned client's exec, a signalled client's exit), so a single look after a fixed sleep races load.
 */
async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; ; await Bun.sleep(20)) {
    if (check()) return true;
    if (Date.now() > end) return false;
  }
}

/**
 * The wait-for clients of `socket` still there once they had up to 10 s to go (a signalled client exits on its own
 * time); those are killed, so a failing test leaves none behind.
 */
async function clientsLeft(socket: string): Promise<{ pid: number; channel: string }[]> {
  await eventually(() => waitForClients(socket).length === 0);
  const after = waitForClients(socket);
  for (const c of after) process.kill(c.pid, "SIGKILL");
  return after;
}

describe("a killed tmux run's wait-for client", () => {
  test("dies with seqorch (a control-mode client, ended by its stdin's end) or is ended by the next run, which leaves no blocked client of its own", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const flag = join(dir, "hang-once");
    // The agent ignores SIGTERM, so recovery has to SIGKILL its pane's script too, which then never signals the channel.
    const agent = scriptedAgent(dir, `if [ ! -e '${flag}' ]; then touch '${flag}'; trap '' TERM; exec sleep 300; fi; ${DONE}`);
    const socket = privateTmux();
    const args = ["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, "--tmux-socket", socket];
    expect((await seqorch(args, { env: { SEQORCH_CRASH_AT: "wait#1" } })).code).toBe(137);
    await Bun.sleep(300);
    // The client is a control-mode one: tmux ends it when its stdin (a pipe from seqorch) ends, at seqorch's death.
    expect(await eventually(() => waitForClients(socket).length === 0, 5_000)).toBe(true);
    const r = await seqorch(args, { env: { SEQORCH_KILL_GRACE_MS: "500" } });
    expect(r.code).toBe(0);
    // A client the run signalled exits on its own time: wait (bounded) for it to be gone.
    expect(await clientsLeft(socket)).toEqual([]);
  }, 30_000);

  test("one left blocked by a run that died (a plain client, as earlier versions started) is ended by the next run", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const socket = privateTmux();
    expect(Bun.spawnSync(["tmux", "-L", socket, "start-server", ";", "new-session", "-d", "-s", "other"]).exitCode).toBe(0);
    const dead = Number(Bun.spawnSync(["/bin/sh", "-c", "echo $$"]).stdout.toString().trim());
    const orphan = Bun.spawn(["tmux", "-L", socket, "wait-for", `seqorch-${dead}-1-abcdefgh`], { stdio: ["ignore", "ignore", "ignore"] });
    // Bun.spawn returns before the child has exec'd tmux (its command line is empty until then, for a long while
    // under load): wait for the client to show, then make sure it stays, blocked on the channel, before the run.
    await eventually(() => waitForClients(socket).length > 0);
    await Bun.sleep(200);
    expect(waitForClients(socket).map((c) => c.pid)).toEqual([orphan.pid]);
    const agent = scriptedAgent(dir, DONE);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, "--tmux-socket", socket]);
    expect(r.code).toBe(0);
    expect(await clientsLeft(socket)).toEqual([]);
  }, 30_000);
});

describe("the wait-for sweep stays on the run's own tmux server", () => {
  test("an orphaned client of another tmux server is left alone; this server's is ended", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const [mine, other] = [privateTmux(), privateTmux()];
    for (const socket of [mine, other]) expect(Bun.spawnSync(["tmux", "-L", socket, "start-server", ";", "new-session", "-d", "-s", "other"]).exitCode).toBe(0);
    const dead = Number(Bun.spawnSync(["/bin/sh", "-c", "echo $$"]).stdout.toString().trim());
    const orphans = [mine, other].map((socket) => Bun.spawn(["tmux", "-L", socket, "wait-for", `seqorch-${dead}-1-abcdefgh`], { stdio: ["ignore", "ignore", "ignore"] }));
    await eventually(() => waitForClients(mine).length > 0 && waitForClients(other).length > 0);
    expect([...waitForClients(mine), ...waitForClients(other)].map((c) => c.pid)).toEqual(orphans.map((o) => o.pid));
    const agent = scriptedAgent(dir, DONE);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, "--tmux-socket", mine]);
    expect(r.code).toBe(0);
    await eventually(() => waitForClients(mine).length === 0);
    const left = { mine: waitForClients(mine).map((c) => c.pid), other: waitForClients(other).map((c) => c.pid) };
    for (const o of orphans) o.kill("SIGKILL");
    expect(left).toEqual({ mine: [], other: [orphans[1]!.pid] });
  }, 30_000);
});

describe("the wait-for client and seqorch's death", () => {
  test("10 runs killed while they wait: no wait-for client outlives them (control-mode clients end with their stdin)", async () => {
    let left = 0;
    let seen = 0;
    for (let i = 0; i < 10; i++) {
      const dir = tempDir();
      const { spec } = makeSpec("- [ ] 1. One\n");
      // A file where the panes' FIFO would be: the runs wait with wait-for clients, the path this test is about.
      mkdirSync(join(spec, ".seqorch"), { recursive: true });
      writeFileSync(join(spec, ".seqorch", "tmux-signals"), "");
      const socket = privateTmux();
      const agent = scriptedAgent(dir, "exec sleep 300");
      const proc = Bun.spawn([binary, "run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, "--tmux-socket", socket], {
        env: { ...process.env, CI: "true", SEQORCH_KILL_GRACE_MS: "200" },
        stdio: ["ignore", "ignore", "ignore"],
      });
      if (await eventually(() => waitForClients(socket).length > 0, 20_000)) seen++;
      await Bun.sleep(100);
      proc.kill("SIGKILL");
      await proc.exited;
      // The client's stdin ends with seqorch at once; tmux ending it takes a moment under load.
      await eventually(() => waitForClients(socket).length === 0, 5_000);
      const clients = waitForClients(socket);
      left += clients.length;
      for (const c of clients) process.kill(c.pid, "SIGKILL");
      Bun.spawnSync(["tmux", "-L", socket, "kill-server"], { stderr: "ignore" });
    }
    expect(seen).toBe(10); // every run was killed while its client waited, not before it started one
    expect(left).toBe(0);
  }, 120_000);
});
