// What a person sees: the live display driven in a real terminal (tmux pane, capture-pane) during a unit,
// during the delay and after a halt; the plain form under CI=true; JSON events with --json; logs and status.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { binary, cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir, until } from "./harness.ts";
import { quoteShellArg } from "../../src/runner/shell-quote.ts";

afterAll(cleanUp);

const TWO = "- [ ] 1. First task\n- [ ] 2. Second task\n";


function capture(socket: string): string {
  return Bun.spawnSync(["tmux", "-L", socket, "capture-pane", "-p", "-t", "=view:"]).stdout.toString();
}

describe("the live display in a terminal", () => {
  test("during a unit, during the delay, and after a halt", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const screen = privateTmux();
    const agents = privateTmux();
    const release = join(dir, "release");
    const agent = scriptedAgent(
      dir,
      `if [ "$SEQORCH_TASK_ID" = 1 ]; then touch '${join(dir, "working")}'; while [ ! -e '${release}' ]; do sleep 0.1; done; echo '<promise>TASK_DONE</promise>'; else echo 'Need the API key.'; echo '<promise>HALT</promise>'; fi`,
    );
    const command = [binary, "run", "--spec", spec, "--delay", "3", "--tmux-socket", agents, "--agent-command", agent.command].map(quoteShellArg).join(" ");
    const shell = `env -u CI -u NO_COLOR ${command}; echo "EXIT=$?"; sleep 60`;
    expect(Bun.spawnSync(["tmux", "-L", screen, "new-session", "-d", "-s", "view", "-x", "200", "-y", "40", shell]).exitCode).toBe(0);

    // 1. During a unit: the status line names the unit, attempt, backend, times and where to attach.
    await until(() => existsSync(join(dir, "working")));
    const during = await until(() => {
      const text = capture(screen);
      return text.includes("attempt 1/3") && text;
    });
    expect(during).toMatch(/◐ unit 1\/2: 1 First task · attempt 1\/3 · command · \d+\.\d s \(run \d+\.\d s\) · next: 2 · tmux -L \S+ attach -t sequential-feature \\; select-window -t @\d+/);

    // 2. During the delay: the finished unit scrolled above, the countdown below.
    Bun.spawnSync(["touch", release]);
    const delay = await until(() => {
      const text = capture(screen);
      return text.includes("next unit in") && text;
    });
    expect(delay).toMatch(/✔ 1 First task \(\d+\.\d s, attempt 1\)/);
    expect(delay).toMatch(/⏳ next unit in [1-3] s · next: 2/);

    // 3. After a halt: the summary table and what to do next.
    const after = await until(() => {
      const text = capture(screen);
      return text.includes("EXIT=") && text;
    }, 20_000);
    expect(after).toContain("EXIT=2");
    expect(after).toMatch(/✋ 2 Second task halt/);
    expect(after).toMatch(/Unit\s+Title\s+Attempts\s+Failed\s+Result\s+Time/);
    expect(after).toMatch(/1\s+First task\s+1\s+0\s+done/);
    expect(after).toMatch(/2\s+Second task\s+1\s+0\s+halt/);
    expect(after).toContain("Halted (agent-halt): the agent asked for a human on unit 2");
    expect(after).toMatch(/Last agent log: \S+out\.log/);
    expect(after).toContain(`After fixing, resume with: seqorch run --spec ${spec}`);
  });
});

describe("plain and machine-readable output", () => {
  test("under CI=true the same information comes as plain lines without escape codes", async () => {
    const { spec } = makeSpec(TWO);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", "cat >/dev/null; echo '<promise>TASK_DONE</promise>'"]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("\x1b[");
    expect(r.stdout).toContain("[start] Unit 1 of 2: 1 First task (next: 2)");
    expect(r.stdout).toMatch(/\[info\]   attempt 1 of 3 on command, pid \d+; log \S+out\.log/);
    expect(r.stdout).toMatch(/\[success\]   unit 2 done in \d+\.\d s/);
    expect(r.stdout).toMatch(/^2 unit\(s\) done, 0 failed attempt\(s\)/m);
  });

  test("--json prints one JSON event per line, ending with run-ended", async () => {
    const { spec } = makeSpec(TWO);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--json", "--agent-command", "cat >/dev/null; echo '<promise>TASK_DONE</promise>'"]);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toEqual([
      "warning",
      "warning",
      "run-started",
      "unit-next",
      "unit-started",
      "attempt-finished",
      "sleeping",
      "unit-next",
      "unit-started",
      "attempt-finished",
      "run-ended",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "run-ended", final: "complete", exitCode: 0 });
    expect(events[5]).toMatchObject({ type: "attempt-finished", unitId: "1", status: "done" });
  });

  test("--quiet prints only the summary", async () => {
    const { spec } = makeSpec(TWO);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--quiet", "--agent-command", "cat >/dev/null; echo '<promise>TASK_DONE</promise>'"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("Unit 1 of 2");
    expect(r.stdout).toContain("All units done");
  });

  test("seqorch logs prints an attempt's output, and -f follows a running one to its end", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const agent = scriptedAgent(dir, `echo "out of $SEQORCH_TASK_ID"; echo "err of $SEQORCH_TASK_ID" >&2; sleep 1; echo '<promise>TASK_DONE</promise>'`);
    const run = Bun.spawn([binary, "run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command], { env: { ...process.env, CI: "true" }, stdout: "ignore", stderr: "ignore" });
    await until(() => existsSync(join(spec, "SEQUENTIAL_STATE.json")) && readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8").includes('"running"'));
    const follow = await seqorch(["logs", "--spec", spec, "-f"]);
    expect(follow.code).toBe(0);
    expect(follow.stdout).toBe("out of 1\n<promise>TASK_DONE</promise>\n");
    expect(await run.exited).toBe(0);
    expect((await seqorch(["logs", "--spec", spec, "--unit", "2", "--stderr"])).stdout).toBe("err of 2\n");
    expect((await seqorch(["logs", "--spec", spec, "--unit", "1", "--attempt", "1"])).stdout).toBe("out of 1\n<promise>TASK_DONE</promise>\n");
    const missing = await seqorch(["logs", "--spec", spec, "--unit", "9"]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain("no attempt of unit 9 is recorded");
  });

  test("seqorch logs delivers a 1 MB log whole through a pipe whose reader starts late", async () => {
    const { spec } = makeSpec("- [ ] 1. Loud unit\n");
    const agent = "cat > /dev/null; head -c 1000000 /dev/zero | tr '\\0' x; echo; echo '<promise>TASK_DONE</promise>'";
    expect((await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent])).code).toBe(0);
    const piped = Bun.spawnSync(["bash", "-c", `"$1" logs --spec "$2" | { sleep 0.3; wc -c; }`, "_", binary, spec], { env: { ...process.env, CI: "true" } });
    expect(Number(piped.stdout.toString().trim())).toBe(1_000_000 + 1 + "<promise>TASK_DONE</promise>\n".length);
  });

  test("seqorch status --watch follows a run from another terminal", async () => {
    const dir = tempDir();
    const { spec } = makeSpec(TWO);
    const agent = scriptedAgent(dir, `sleep 1.5; echo '<promise>TASK_DONE</promise>'`);
    const watch = Bun.spawn([binary, "status", "--spec", spec, "--watch", "--json"], { env: { ...process.env, CI: "true" }, stdout: "pipe", stderr: "ignore" });
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(r.code).toBe(0);
    await Bun.sleep(1_500);
    watch.kill("SIGINT");
    const snapshots = (await new Response(watch.stdout).text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(snapshots[0].completed).toEqual([]);
    expect(snapshots.some((s) => s.current?.unit === "1")).toBe(true);
    expect(snapshots.at(-1).completed).toEqual(["1", "2"]);
  });
});
