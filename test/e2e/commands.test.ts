// The commands and their messages as a user meets them (issue 12): a resume command that pastes into a shell,
// --help through a pipe, tmux windows cleaned up, reset and attempt numbers, demo's checks, exit codes and
// suggestions, and config's defaults. Every case drives dist/seqorch.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir, windowNames } from "./harness.ts";

afterAll(cleanUp);

const DONE = "cat >/dev/null; echo '<promise>TASK_DONE</promise>'";

/** A folder holding `seqorch` (a link to dist/seqorch), for commands a user would paste. */
function pathWithSeqorch(): string {
  const bin = join(tempDir(), "bin");
  mkdirSync(bin);
  symlinkSync(binary, join(bin, "seqorch"));
  return `${bin}:${process.env.PATH}`;
}

/** The process environment without the variables that turn colour off. */
function colourEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "CI" && k !== "NO_COLOR") env[k] = v;
  return env;
}

describe("the resume command", () => {
  test("is quoted for the shell: pasted into /bin/sh it resumes the run", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. Only task\n", "my feature");
    const ready = join(dir, "ready");
    // An agent command with quotes, `;`, `$`, `&&` and `||`: it asks for a human until the file `ready` exists.
    const agent = `cat >/dev/null; echo "\${SEQORCH_TASK_ID:-none}"; test -e '${ready}' && echo "<promise>TASK_DONE</promise>" || echo '<promise>HALT</promise>'`;
    const first = await seqorch(["run", "--spec", spec, "--no-tmux", "--agent-command", agent]);
    expect(first.code).toBe(2);
    const resume = /resume with: (.*)$/m.exec(first.stdout)?.[1];
    expect(resume).toStartWith("seqorch run --spec '");
    expect(resume).toContain("--agent-command 'cat >/dev/null; echo ");
    writeFileSync(ready, "");
    const pasted = Bun.spawnSync(["/bin/sh", "-c", resume!], { env: { ...process.env, CI: "true", PATH: pathWithSeqorch() } });
    expect(pasted.stderr.toString()).not.toContain("seqorch:");
    expect(pasted.exitCode).toBe(0);
    expect(pasted.stdout.toString()).toContain("All units done");
  });
});

describe("--help through a pipe", () => {
  for (const args of [["--help"], ["run", "--help"], ["demo", "--help"]]) {
    test(`seqorch ${args.join(" ")} | cat: no colour codes, no trailing padding`, async () => {
      const proc = Bun.spawnSync([binary, ...args], { env: colourEnv(), stdout: "pipe" });
      const text = proc.stdout.toString();
      expect(proc.exitCode).toBe(0);
      expect(text).toContain("USAGE");
      expect(text).not.toContain("\x1b[");
      for (const line of text.split("\n")) expect(line).toBe(line.trimEnd());
    });
  }
});

describe("tmux windows", () => {
  const TWO = "- [ ] 1. First\n- [ ] 2. Second\n";
  /** Unit 2 halts while the file `halt` exists, so a second run of the spec has work to do. */
  function haltingAgent(dir: string): string {
    return scriptedAgent(dir, `cat >/dev/null; if [ "$SEQORCH_TASK_ID" = 2 ] && [ -e '${dir}/halt' ]; then echo '<promise>HALT</promise>'; else echo '<promise>TASK_DONE</promise>'; fi`).command;
  }

  for (const keep of [false, true]) {
    test(keep ? "--keep-windows keeps the windows of earlier runs" : "the windows of finished attempts are closed when the next run of the spec starts", async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TWO);
      const socket = privateTmux();
      writeFileSync(join(dir, "halt"), "");
      const agent = haltingAgent(dir);
      const args = ["run", "--spec", spec, "--delay", "0", "--tmux-socket", socket, "--agent-command", agent, ...(keep ? ["--keep-windows"] : [])];
      expect((await seqorch(args)).code).toBe(2);
      // Kept for inspection after the run.
      expect(windowNames(socket, "sequential-feature").filter((n) => n.startsWith("task-"))).toEqual(["task-1", "task-2"]);
      Bun.spawnSync(["rm", join(dir, "halt")]);
      expect((await seqorch(args)).code).toBe(0);
      const windows = windowNames(socket, "sequential-feature");
      expect(windows.filter((n) => n.startsWith("task-"))).toEqual(keep ? ["task-1", "task-2", "task-2"] : ["task-2"]);
      expect(windows).toContain("seqorch"); // the session's own window is never closed
    });
  }
});

describe("reset", () => {
  test("after reset, attempt numbers agree between the display, the log folders, status and logs", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. Only task\n");
    expect((await seqorch(["run", "--spec", spec, "--no-tmux", "--max-attempts", "1", "--agent-command", "cat >/dev/null; echo no marker"])).code).toBe(2);
    expect((await seqorch(["reset", "--spec", spec])).code).toBe(0);
    // Attempt 1 fails, attempt 2 succeeds.
    const agent = scriptedAgent(dir, `cat >/dev/null; echo "output of attempt $SEQORCH_ATTEMPT"; [ "$SEQORCH_ATTEMPT" = 2 ] && echo '<promise>TASK_DONE</promise>'; true`);
    const run = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/attempt 1 of 3 on command, pid \d+; log \S+\/1\.1\/out\.log/);
    expect(run.stdout).toMatch(/attempt 2 of 3 on command, pid \d+; log \S+\/1\.2\/out\.log/);
    expect(readdirSync(join(spec, ".seqorch", "attempts")).sort()).toEqual(["1.1", "1.2"]);
    const status = JSON.parse((await seqorch(["status", "--spec", spec, "--json"])).stdout);
    expect(status.failedAttempts.map((a: { unit: string; attempt: number }) => [a.unit, a.attempt])).toEqual([["1", 1]]);
    expect(status.failedAttempts[0].log).toEndWith("/1.1/out.log");
    const logs = await seqorch(["logs", "--spec", spec, "--unit", "1", "--attempt", "1"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe("output of attempt 1\n");
    // The earlier run's logs are kept beside, not deleted.
    expect(readdirSync(join(spec, ".seqorch")).some((n) => n.startsWith("attempts.bak-"))).toBe(true);
  });

  test("a run killed during an attempt: status shows it running from the intent journal; reset moves the journal with the state", async () => {
    const { spec } = makeSpec("- [ ] 1. First\n- [ ] 2. Second\n");
    const journal = join(spec, ".seqorch", "SEQUENTIAL_STATE.json.intents");
    const killed = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", DONE], { env: { SEQORCH_CRASH_AT: "dispatch.started#2" } });
    expect(killed.code).toBe(137);
    // Unit 2's start is only in the journal: the state file itself records unit 1 done and nothing running.
    expect(existsSync(journal)).toBe(true);
    expect(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).not.toContain('"running"');
    const status = JSON.parse((await seqorch(["status", "--spec", spec, "--json"])).stdout);
    expect(status.running.map((r: { unit: string }) => r.unit)).toEqual(["2"]);
    expect((await seqorch(["reset", "--spec", spec])).code).toBe(0);
    expect(existsSync(journal)).toBe(false);
    expect(readdirSync(spec).filter((n) => n.includes(".bak-"))).toHaveLength(1);
    expect(readdirSync(join(spec, ".seqorch")).filter((n) => /^SEQUENTIAL_STATE\.json\.bak-.*\.intents$/.test(n))).toHaveLength(1);
    // The new run starts afresh (unit 1 stays ticked): none of the old journal's starts comes back.
    expect((await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", DONE])).code).toBe(0);
    const attempts = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).attempts;
    expect(Object.entries(attempts).map(([unit, records]) => [unit, (records as { status: string }[]).map((a) => a.status)])).toEqual([["2", ["done"]]]);
    // Neither the journal nor the state file's spare outlives a run that ended.
    expect(existsSync(journal)).toBe(false);
    expect(existsSync(join(spec, ".seqorch", "SEQUENTIAL_STATE.json.swap"))).toBe(false);
  });

  test("says the ticks stay; --untick unticks what the state recorded done (also right after a plain reset)", async () => {
    const { spec } = makeSpec("- [ ] 1. First\n- [ ] 2. Second\n- [x] 3. Done by hand\n");
    const tasks = join(spec, "tasks.md");
    expect((await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", DONE])).code).toBe(0);
    expect(readFileSync(tasks, "utf8")).toBe("- [x] 1. First\n- [x] 2. Second\n- [x] 3. Done by hand\n");
    const plain = await seqorch(["reset", "--spec", spec]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`The ticks in ${tasks} stay`);
    expect(plain.stdout).toContain("seqorch reset --untick");
    expect(readFileSync(tasks, "utf8")).toContain("- [x] 1. First");
    const untick = await seqorch(["reset", "--spec", spec, "--untick"]);
    expect(untick.code).toBe(0);
    expect(untick.stdout).toContain("Unticked 2 task(s)");
    // Only what seqorch recorded done: the task ticked by hand stays ticked.
    expect(readFileSync(tasks, "utf8")).toBe("- [ ] 1. First\n- [ ] 2. Second\n- [x] 3. Done by hand\n");
    expect((await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", DONE])).code).toBe(0);
    const both = await seqorch(["reset", "--spec", spec, "--untick"]);
    expect(both.stdout).toContain("Unticked 2 task(s) the state recorded done");
    expect(existsSync(join(spec, "SEQUENTIAL_STATE.json"))).toBe(false);
    expect(JSON.parse((await seqorch(["plan", "--spec", spec, "--json"])).stdout).units.map((u: { id: string }) => u.id)).toEqual(["1", "2"]);
  });
});

describe("seqorch demo", () => {
  test("a bad flag is rejected before the banner or any folder", async () => {
    const tmp = tempDir();
    const r = await seqorch(["demo", "--delay", "abc"], { env: { TMPDIR: tmp } });
    expect(r.code).toBe(64);
    expect(r.stderr.trim()).toBe('seqorch: --delay: must be a number of seconds (got "abc")');
    expect(r.stdout).not.toContain("seqorch demo");
    expect(readdirSync(tmp)).toEqual([]);
  });

  test("--dir D twice: the second run starts over, with no warning about an earlier run", async () => {
    const dir = join(tempDir(), "demo");
    const args = ["demo", "--dir", dir, "--delay", "0", "--no-tmux"];
    expect((await seqorch(args, { env: { SEQORCH_DEMO_PAUSE_MS: "10" } })).code).toBe(0);
    const again = await seqorch(args, { env: { SEQORCH_DEMO_PAUSE_MS: "10" } });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("");
    expect(again.stdout).not.toMatch(/stopped|\[warn\]/);
    expect(again.stdout).toMatch(/^4 unit\(s\) done/m);
  });

  test("--dir at an existing project refuses and writes nothing", async () => {
    const { root } = makeSpec("- [ ] 1. Mine\n");
    const before = readdirSync(root).sort();
    const r = await seqorch(["demo", "--dir", root, "--no-tmux"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(`--dir: ${root} is not empty and holds no earlier seqorch demo`);
    expect(readdirSync(root).sort()).toEqual(before);
    expect(readdirSync(join(root, ".kiro", "specs"))).toEqual(["feature"]);
  });
});

describe("messages and exit codes", () => {
  test("a missing --spec says so without an internal '(got null)'", async () => {
    const r = await seqorch(["run", "--agent-command", "true"]);
    expect(r.code).toBe(64);
    expect(r.stderr.trim()).toBe("seqorch: --spec: is required (the spec folder, e.g. .kiro/specs/my-feature)");
  });

  test("logs with nothing recorded is not a usage error: exit 0 and one line", async () => {
    const { spec } = makeSpec("- [ ] 1. Only task\n");
    const r = await seqorch(["logs", "--spec", spec]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe(`seqorch: no attempt is recorded yet in ${join(spec, "SEQUENTIAL_STATE.json")} (nothing to show)`);
  });

  test("a mistyped flag gets the closest flag", async () => {
    const { spec } = makeSpec("- [ ] 1. Only task\n");
    const r = await seqorch(["run", "--spec", spec, "--dealy", "3"]);
    expect(r.code).toBe(64);
    expect(r.stderr.trim()).toBe("seqorch: --dealy: unknown flag; did you mean --delay?");
    expect((await seqorch(["status", "--spec", spec, "--jsno"])).stderr).toContain("did you mean --json?");
    expect((await seqorch(["rnu"])).stderr.trim()).toBe("seqorch: rnu: unknown command; did you mean run? (commands: run, orchestrate, decisions, decide, plan, status, logs, reset, config, graph, doctor, demo, worktrees)");
    mkdirSync(join(spec, "..", "..", "..", ".kiro"), { recursive: true });
    writeFileSync(join(spec, "..", "..", "seqorch.json"), JSON.stringify({ delai: 3 }));
    const file = await seqorch(["run", "--spec", spec, "--agent-command", "true"], { cwd: join(spec, "..", "..", "..") });
    expect(file.stderr).toContain('seqorch.json: "delai": unknown setting; did you mean "delay"?');
  });

  test("--spec NAME suggests .kiro/specs/NAME; --spec .kiro/specs lists the specs under it", async () => {
    const { root } = makeSpec("- [ ] 1. Only task\n", "user-auth");
    mkdirSync(join(root, ".kiro", "specs", "billing"));
    writeFileSync(join(root, ".kiro", "specs", "billing", "tasks.md"), "- [ ] 1. Bill\n");
    const named = await seqorch(["run", "--spec", "user-auth", "--agent-command", "true"], { cwd: root });
    expect(named.code).toBe(66);
    expect(named.stderr).toContain("spec folder not found; did you mean --spec .kiro/specs/user-auth?");
    const folder = await seqorch(["plan", "--spec", ".kiro/specs"], { cwd: root });
    expect(folder.code).toBe(66);
    expect(folder.stderr).toContain("it holds specs: .kiro/specs/billing, .kiro/specs/user-auth");
    const typo = await seqorch(["plan", "--spec", ".kiro/specs/user-auht"], { cwd: root });
    expect(typo.stderr).toContain("did you mean --spec .kiro/specs/user-auth?");
    const kiro = await seqorch(["status", "--spec", ".kiro"], { cwd: root });
    expect(kiro.stderr).toContain("it holds specs: .kiro/specs/billing, .kiro/specs/user-auth");
  });

  test("config shows the defaults, derived from the spec, not (unset)", async () => {
    const { root, spec } = makeSpec("- [ ] 1. Only task\n");
    const json = JSON.parse((await seqorch(["config", "--spec", spec, "--json"], { cwd: root })).stdout);
    expect(json["tmux-session"]).toEqual({ value: "sequential-feature", source: "default" });
    expect(json["state-file"]).toEqual({ value: join(spec, "SEQUENTIAL_STATE.json"), source: "default" });
    expect(json.workdir).toEqual({ value: root, source: "default" });
    expect(json["assign-map"].value).toBe("codex=codex,gemini=gemini,codex-review=codex");
    const text = await seqorch(["config", "--spec", spec], { cwd: root });
    expect(text.stdout).not.toContain("(unset)");
    expect(text.stdout).toMatch(/^--tmux-session\s+sequential-feature\s+default$/m);
  });
});
