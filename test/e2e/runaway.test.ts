// The runaway check through the compiled binary, in real git repositories: one `git status` per unit, and an
// agent that changed nothing is caught whatever seqorch itself wrote between the attempts.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir } from "./harness.ts";

afterAll(cleanUp);

const DONE = "echo '<promise>TASK_DONE</promise>'";
const NOTHING = "the agent said TASK_DONE but nothing changed in the workdir (git)";
const IDENTITY = ["-c", "user.email=t@t", "-c", "user.name=t"];
const realGit = Bun.which("git")!;

/** A repository at `root` with everything in it committed (tasks.md too: seqorch's own writes then show in git). */
function commitAll(root: string): void {
  for (const args of [["init", "-q"], ["add", "-A"], [...IDENTITY, "commit", "-qm", "initial"]]) {
    expect(Bun.spawnSync([realGit, ...args], { cwd: root }).exitCode).toBe(0);
  }
}

/** A `git` first on PATH that logs each call's arguments to the returned file, then runs the real git. */
function loggingGit(): { path: string; log: string } {
  const dir = tempDir();
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const log = join(dir, "git-calls.log");
  writeFileSync(join(bin, "git"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(bin, "git"), 0o755);
  return { path: `${bin}:${process.env.PATH}`, log };
}

/** The progress log's warning lines, per unit, in order. */
function warnedUnits(spec: string): string[] {
  const text = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
  return text.split(/\n(?=## )/).filter((entry) => entry.includes(NOTHING)).map((entry) => /Task: (\S+)/.exec(entry)?.[1] ?? entry.slice(0, 40));
}

const TASKS = "- [ ] 1. One\n- [ ] 2. Two\n- [ ] 3. Three\n- [ ] 4. Four\n";

describe("runaway check in a git repository", () => {
  for (const mode of ["direct", "tmux"] as const) {
    const modeArgs = () => (mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"]);

    test(`${mode}: agents that change nothing are each caught, the first unit too, with one git status per unit`, async () => {
      const { root, spec } = makeSpec(TASKS);
      commitAll(root);
      const git = loggingGit();
      const agent = scriptedAgent(tempDir(), `cat >/dev/null; ${DONE}`);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", ...modeArgs(), "--agent-command", agent.command], { env: { PATH: git.path } });
      expect(r.code).toBe(0);
      // seqorch's own writes (tasks.md ticks, the state file, the progress log, the lock) are not the agent's.
      expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8").split(NOTHING).length - 1).toBe(4);
      for (const unit of ["1", "2", "3", "4"]) expect(r.stdout + r.stderr).toContain(`unit ${unit}: ${NOTHING}`);
      const calls = readFileSync(git.log, "utf8").split("\n").filter(Boolean);
      // The state after unit N is the state before unit N+1: one status per unit, plus the first unit's before.
      expect(calls.filter((c) => c.startsWith("--no-optional-locks status --porcelain=v2 --branch")).length).toBe(5);
      expect(calls.length).toBe(5);
    });

    test(`${mode}: after an agent commits everything (tasks.md and the state file too), the next idle agent is still caught`, async () => {
      const { root, spec } = makeSpec(TASKS);
      commitAll(root);
      const body = [
        "cat >/dev/null",
        `case "$SEQORCH_TASK_ID" in`,
        `  1) echo one > one.txt; git add -A; git ${IDENTITY.join(" ")} commit -qm work >/dev/null ;;`,
        "  3) echo three > three.txt ;;",
        "esac",
        DONE,
      ].join("\n");
      const agent = scriptedAgent(tempDir(), body);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", ...modeArgs(), "--agent-command", agent.command]);
      expect(r.code).toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).not.toContain(`unit 1: ${NOTHING}`);
      expect(out).toContain(`unit 2: ${NOTHING}`);
      expect(out).not.toContain(`unit 3: ${NOTHING}`);
      expect(out).toContain(`unit 4: ${NOTHING}`);
      expect(warnedUnits(spec).length).toBe(2);
    });

    test(`${mode}: what an agent leaves running is ended before the workdir is looked at: a file it writes as it is ended counts`, async () => {
      const { root, spec } = makeSpec(TASKS);
      commitAll(root);
      // Unit 2's agent leaves a process behind that writes a file when it gets SIGTERM (seqorch's ending of it);
      // like a daemon, it ignores the hang-up its tmux pane's end sends.
      const body = [
        "cat >/dev/null",
        `[ "$SEQORCH_TASK_ID" = 2 ] && ( trap '' HUP; trap 'echo late > late.txt; exit 0' TERM; sleep 30 & wait ) >/dev/null 2>&1 &`,
        DONE,
      ].join("\n");
      const agent = scriptedAgent(tempDir(), body);
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", ...modeArgs(), "--agent-command", agent.command]);
      expect(r.code).toBe(0);
      expect(readFileSync(join(root, "late.txt"), "utf8")).toBe("late\n");
      expect(warnedUnits(spec)).toEqual(["1", "3", "4"]);
    });
  }

  test("a slow git status (0.4 s), which ends after the attempt's state is written: each unit's warning in its own entry", async () => {
    const { root, spec } = makeSpec(TASKS);
    commitAll(root);
    const dir = tempDir();
    mkdirSync(join(dir, "bin"));
    // Each status's end, and each agent's start, as ns since the epoch.
    const times = join(dir, "times");
    writeFileSync(join(dir, "bin", "git"), `#!/bin/sh\ncase "$*" in *"status --porcelain=v2"*) '${realGit}' "$@"; code=$?; sleep 0.4; echo "status $(date +%s%N)" >>'${times}'; exit $code ;; esac\nexec '${realGit}' "$@"\n`);
    chmodSync(join(dir, "bin", "git"), 0o755);
    // Unit 3 changes a file: its entry (and only its) has no warning.
    const agent = scriptedAgent(tempDir(), `echo "agent $(date +%s%N)" >>'${times}'; cat >/dev/null; [ "$SEQORCH_TASK_ID" = 3 ] && echo three > three.txt; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command], { env: { PATH: `${join(dir, "bin")}:${process.env.PATH}` } });
    expect(r.code).toBe(0);
    expect(warnedUnits(spec)).toEqual(["1", "2", "4"]);
    const entries = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8").split(/\n(?=## Iteration )/).slice(1);
    expect(entries.map((e) => /Task: (\S+)/.exec(e)?.[1])).toEqual(["1", "2", "3", "4"]);
    // The state after unit N is the state before unit N+1: no agent starts while the status before it still runs.
    const events = readFileSync(times, "utf8").trim().split("\n").map((line) => line.split(" ")[0]);
    expect(events).toEqual(["status", "agent", "status", "agent", "status", "agent", "status", "agent", "status"]);
  });

  test("--pulse: PROJECT_PULSE.md, rewritten after every unit, is seqorch's own file, not the agent's change", async () => {
    const { root, spec } = makeSpec(TASKS);
    commitAll(root);
    const agent = scriptedAgent(tempDir(), `cat >/dev/null; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--pulse", "--agent-command", agent.command]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(spec, "PROJECT_PULSE.md"), "utf8").length).toBeGreaterThan(0);
    expect(warnedUnits(spec)).toEqual(["1", "2", "3", "4"]);
  });

  test("--require-changes fails an idle agent's attempt after seqorch's own writes, and a commit counts as a change", async () => {
    const { root, spec } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n");
    commitAll(root);
    // Unit 1 commits its work (a new HEAD, a clean tree); unit 2 does nothing.
    const agent = scriptedAgent(tempDir(), `cat >/dev/null; if [ "$SEQORCH_TASK_ID" = 1 ]; then echo x > x.txt; git add x.txt; git ${IDENTITY.join(" ")} commit -qm x >/dev/null; fi; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-attempts", "1", "--require-changes", "--agent-command", agent.command]);
    expect(r.code).toBe(2);
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.completed).toEqual(["1"]);
    expect(state.attempts["2"][0].reason).toContain("runaway (--require-changes)");
  });

  test("with a delay between units the state before the next unit is looked at again (a person may commit meanwhile)", async () => {
    const { root, spec } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n");
    commitAll(root);
    const git = loggingGit();
    const agent = scriptedAgent(tempDir(), `cat >/dev/null; ${DONE}`);
    const r = await seqorch(["run", "--spec", spec, "--delay", "3", "--no-tmux", "--agent-command", agent.command], { env: { PATH: git.path } });
    expect(r.code).toBe(0);
    expect(readFileSync(git.log, "utf8").split("\n").filter((c) => c.includes("status --porcelain=v2")).length).toBe(4);
  });
});
