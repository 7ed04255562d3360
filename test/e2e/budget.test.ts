// End to end: spending limits and fallback backends on the compiled binary, with scripted agents that report
// their usage with `<usage>` lines: a run halting on --max-cost with the figure spent, an attempt ended (its
// whole process tree) on --max-unit-tokens, and a rate-limited unit finishing on its fallback backend without
// using up an attempt, the next unit back on its own backend.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir } from "./harness.ts";
import { usageReportingRoleAgent } from "./role-agent.ts";

afterAll(cleanUp);

const units = (n: number) => `# Plan\n\n${Array.from({ length: n }, (_, i) => `- [ ] ${i + 1}. Task ${i + 1}\n  - do it\n`).join("\n")}`;
const state = (spec: string) => JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);

/** True while a process with `pid` exists (and is not a zombie). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false; // no such process
  }
}

describe("--max-cost", () => {
  test("the run halts before the dispatch after its spend reaches the limit: reason budget, exit 2, the figure spent", async () => {
    const { root, spec } = makeSpec(units(5));
    // Every attempt costs $0.40: after units 1-3 the run has spent $1.20 of $1.00, and unit 4 is never started.
    const agent = scriptedAgent(tempDir(), `cat >/dev/null; echo '<usage>{"input_tokens":4000,"output_tokens":400,"cost_usd":0.4}</usage>'; echo 'Done. <promise>TASK_DONE</promise>'`);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--max-cost", "1"], { cwd: root });
    expect(r.code).toBe(2);
    expect(lines(agent.dispatchLog)).toEqual(["1 1", "2 1", "3 1"]);
    expect(r.stderr + r.stdout).toContain("Halted (budget): the run spent $1.20 of --max-cost $1.00");
    const s = state(spec);
    expect(s.halted).toBe(true);
    expect(s.halted_reason).toBe("budget");
    expect(s.completed).toEqual(["1", "2", "3"]);
    expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8")).toContain("- Reason: the run spent $1.20 of --max-cost $1.00");
    const status = await seqorch(["status", "--spec", spec]);
    expect(status.stdout).toContain("HALTED (budget)");
    expect(status.stdout).toContain("used: 13,200 tokens, $1.20");
    // The limit is this run's: the next run gets its own, and goes on from unit 4.
    const again = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--max-cost", "0.4"], { cwd: root });
    expect(again.code).toBe(2);
    expect(lines(agent.dispatchLog).slice(3)).toEqual(["4 1"]);
    expect(again.stderr + again.stdout).toContain("Halted (budget): the run spent $0.40 of --max-cost $0.40");
  });

  test("attempts the budget cannot count are named once per run: no usage reported, or a cost unknown", async () => {
    const { root, spec } = makeSpec(units(2));
    const silent = scriptedAgent(tempDir(), `cat >/dev/null; echo 'Done. <promise>TASK_DONE</promise>'`);
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", silent.command, "--max-tokens", "100"], { cwd: root });
    expect(r.code).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out.split("reported no usage, so the budget does not count this attempt").length - 1).toBe(1);
    expect(out).toContain("print <usage>{");
    const other = makeSpec(units(2));
    const unpriced = scriptedAgent(tempDir(), `cat >/dev/null; echo '<usage>{"input_tokens":5,"output_tokens":1,"model":"house-model"}</usage>'; echo 'Done. <promise>TASK_DONE</promise>'`);
    const p = await seqorch(["run", "--spec", other.spec, "--delay", "0", "--no-tmux", "--agent-command", unpriced.command, "--max-cost", "1"], { cwd: other.root });
    expect(p.code).toBe(0);
    expect((p.stdout + p.stderr).split("cost unknown (model house-model has no price): --max-cost and --max-unit-cost do not count it").length - 1).toBe(1);
  });

  test("bad limits are usage errors naming the flag", async () => {
    const { spec } = makeSpec(units(1));
    for (const [flag, value] of [["--max-cost", "-1"], ["--max-tokens", "lots"], ["--fallback-after", "-5"], ["--fallback-backend", "codex;rm"]] as const) {
      const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--agent-command", "true", flag, value]);
      expect(r.code).toBe(64);
      expect(r.stderr).toContain(flag);
    }
    const unknown = await seqorch(["run", "--spec", spec, "--no-tmux", "--agent-command", "true", "--fallback-backend", "cursor"]);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('--fallback-backend: unknown backend "cursor"');
    // A fallback that could not start is found before the run, not when a limit strikes.
    const noCommand = await seqorch(["run", "--spec", spec, "--no-tmux", "--backend", "codeagent-wrapper", "--fallback-backend", "command"], { env: { PATH: `${tempDir()}:/usr/bin:/bin` } });
    expect(noCommand.code).toBe(64);
    expect(noCommand.stderr).toContain("--agent-command");
  });
});

for (const mode of ["tmux", "direct"] as const) {
  describe(`--max-unit-tokens (${mode})`, () => {
    test("an attempt whose reported usage crosses the unit's budget is ended with its whole tree and recorded over-budget", async () => {
      const { root, spec } = makeSpec(units(2));
      const dir = tempDir();
      const child = join(dir, "child.pid");
      // Reports 5,000 tokens, then keeps a child busy that ignores SIGTERM and would run for a minute.
      const agent = scriptedAgent(
        dir,
        `cat >/dev/null; echo '<usage>{"input_tokens":4500,"output_tokens":500}</usage>'; sh -c 'trap "" TERM; sleep 60' & echo $! > '${child}'; wait`,
      );
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux(), "--tmux-session", "budget"] : ["--no-tmux"];
      const started = Date.now();
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, "--max-unit-tokens", "1000", "--max-attempts", "1", ...modeArgs], { cwd: root });
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(r.code).toBe(2);
      const pid = Number(readFileSync(child, "utf8"));
      expect(alive(pid)).toBe(false);
      const [attempt] = state(spec).attempts["1"];
      expect(attempt.status).toBe("over-budget");
      expect(attempt.reason).toBe("over budget: unit 1 used 5,000 tokens of --max-unit-tokens 1,000 (the agent was ended)");
      expect(attempt.agent_usage).toMatchObject({ input: 4500, output: 500 });
      // The unit cannot go on within its budget: the run halts (reason budget, even with its attempts used up).
      expect(lines(agent.dispatchLog)).toEqual(["1 1"]);
      expect(state(spec).halted_reason).toBe("budget");
      expect(r.stderr + r.stdout).toContain("Halted (budget): unit 1 used 5,000 tokens of --max-unit-tokens 1,000");
      expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8")).toContain("- Status: Over budget (over budget: unit 1 used 5,000 tokens");
      // The next run (its own budget) retries the unit, and the prompt says how the last attempt ended.
      const copy = join(dir, "prompt.copy");
      const next = scriptedAgent(tempDir(), `cat >> '${copy}'; echo 'Done. <promise>TASK_DONE</promise>'`);
      const again = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", next.command, ...modeArgs], { cwd: root });
      expect(again.code).toBe(0);
      expect(readFileSync(copy, "utf8")).toContain("attempt 1: over budget: unit 1 used 5,000 tokens of --max-unit-tokens 1,000");
    });
  });
}

/**
 * Two units on --backend command; unit 1 is told its usage limit resets in 2 hours. The fallback,
 * codeagent-wrapper (the reference's wrapper interface), is scripted on PATH. `extra`: more flags.
 */
async function limitedRun(extra: string[]) {
  const { root, spec } = makeSpec(units(2));
  const dir = tempDir();
  // --backend command: unit 1 is told its usage limit resets in 2 hours; unit 2 is fine.
  const agent = scriptedAgent(
    dir,
    `cat >/dev/null; if [ "$SEQORCH_TASK_ID" = 1 ]; then echo 'Error: usage limit reached, resets in 2 hours' >&2; exit 1; fi
echo '<usage>{"input_tokens":10,"output_tokens":1}</usage>'; echo 'Done. <promise>TASK_DONE</promise>'`,
  );
  // The fallback, codeagent-wrapper (the reference's wrapper interface), scripted on PATH.
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "codeagent-wrapper"),
    `#!/bin/sh\ncat >/dev/null\necho wrapper >> '${agent.dispatchLog}'\nprintf 'Done on the fallback. <promise>TASK_DONE</promise>\\n---\\nSESSION_ID: w-1\\n'\n`,
    { mode: 0o755 },
  );
  const started = Date.now();
  const r = await seqorch(
    ["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--max-attempts", "1", "--fallback-backend", "codeagent-wrapper", "--fallback-after", "300", ...extra],
    { cwd: root, env: { PATH: `${bin}:${process.env.PATH}` } },
  );
  return { r, spec, agent, ms: Date.now() - started };
}

describe("--fallback-backend", () => {
  test("--json: a fallback event says which backend took over from which, and why", async () => {
    const { r } = await limitedRun(["--json"]);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === "fallback")).toMatchObject([{ unitId: "1", from: "command", to: "codeagent-wrapper", reason: expect.stringContaining("resets in 2 hours") }]);
    expect(events.filter((e) => e.type === "unit-started").map((e) => [e.unitId, e.backend, e.attempt])).toEqual([
      ["1", "command", 1],
      ["1", "codeagent-wrapper", 1],
      ["2", "command", 1],
    ]);
  });

  test("a unit rate-limited for hours finishes on the fallback at once, without using an attempt; the next unit runs on its own backend", async () => {
    const { r, spec, agent, ms } = await limitedRun([]);
    expect(r.code).toBe(0);
    expect(ms).toBeLessThan(20_000); // no wait for the limit
    // The fallback's attempt is attempt 1 of 1: the rate-limited one was given back.
    expect(lines(agent.dispatchLog)).toEqual(["1 1", "wrapper", "2 1"]);
    const s = state(spec);
    expect(s.completed).toEqual(["1", "2"]);
    expect(s.attempts["1"].map((a: { backend: string; status: string; counted: boolean }) => [a.backend, a.status, a.counted])).toEqual([
      ["command", "rate-limited", false],
      ["codeagent-wrapper", "done", true],
    ]);
    expect(s.attempts["1"][1].fallback_from).toBe("command");
    expect(s.attempts["1"][1].fallback_reason).toMatch(/^command rate limited: Error: usage limit reached, resets in 2 hours \(resets in 7\d{3} s, over --fallback-after 300 s\)$/);
    expect(s.attempts["2"].map((a: { backend: string }) => a.backend)).toEqual(["command"]);
    expect(r.stdout + r.stderr).toContain("trying codeagent-wrapper now (not counted as an attempt)");
    const progress = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
    expect(progress).toContain("## Unit 1: fallback to codeagent-wrapper");
    expect(progress).toMatch(/- Task: 1 - Task 1\n- Status: Completed\n- Attempt: 1 of 1\n- Backend: codeagent-wrapper/);
    expect(progress).toMatch(/- Task: 2 - Task 2\n- Status: Completed\n- Attempt: 1 of 1\n- Backend: command/);
    const status = await seqorch(["status", "--spec", spec]);
    expect(status.stdout).toContain("unit 1 attempt 2 ran on codeagent-wrapper instead of command (done): command rate limited");
  });

  test("a limit that resets sooner than --fallback-after is waited out on the unit's own backend", async () => {
    const { root, spec } = makeSpec(units(1));
    const dir = tempDir();
    const flag = join(dir, "limited");
    const agent = scriptedAgent(dir, `cat >/dev/null; if [ ! -e '${flag}' ]; then touch '${flag}'; echo 'Error: rate limit exceeded, try again in 1 seconds' >&2; exit 1; fi; echo 'Done. <promise>TASK_DONE</promise>'`);
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "codeagent-wrapper"), `#!/bin/sh\necho never >> '${join(dir, "wrapper.log")}'\nexit 1\n`, { mode: 0o755 });
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--fallback-backend", "codeagent-wrapper"], {
      cwd: root,
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "wrapper.log"))).toBe(false);
    expect(state(spec).attempts["1"].map((a: { backend: string }) => a.backend)).toEqual(["command", "command"]);
  });
});

/** A git repository with `tasks` as its spec, committed, for orchestrate (which commits each unit). */
function gitSpec(tasks: string) {
  const made = makeSpec(tasks);
  const env = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
  for (const args of [["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]]) Bun.spawnSync(["git", ...args], { cwd: made.root, env: { ...process.env, ...env } });
  return { ...made, env };
}

/** Implements for $0.30 a unit (one file each, its id appended to `implemented`), approves every review for $0.20. */
const paidLoop = (implemented: string) => `cat >/dev/null
case "$SEQORCH_ROLE" in
review) echo '<usage>{"input_tokens":2000,"output_tokens":200,"cost_usd":0.2}</usage>'; echo '<review>{"verdict":"approve","findings":[],"previous":[]}</review>' ;;
*) echo "$SEQORCH_TASK_ID" >> '${implemented}'; echo "$SEQORCH_TASK_ID" > "unit-$SEQORCH_TASK_ID.txt"; echo '<usage>{"input_tokens":3000,"output_tokens":300,"cost_usd":0.3}</usage>'; echo 'Done. <promise>TASK_DONE</promise>' ;;
esac`;

describe("budgets in orchestrate", () => {
  test("a run over --max-cost halts (budget, exit 2) with a budget decision saying what was spent; retry runs the unit under the next run's budget", async () => {
    const { root, spec, env } = gitSpec(units(4));
    const dir = tempDir();
    const log = join(dir, "implemented.log");
    const agent = scriptedAgent(dir, paidLoop(log));
    const args = ["orchestrate", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--max-cost", "0.9"];
    const r = await seqorch(args, { cwd: root, env });
    expect(r.code).toBe(2);
    // Units 1 and 2 implemented and reviewed: $1.00 spent, so unit 3 is never dispatched.
    expect(r.stderr + r.stdout).toContain("Halted (budget): the run spent $1.00 of --max-cost $0.90");
    const implemented = () => lines(log);
    expect(implemented()).toEqual(["1", "2"]);
    expect(state(spec).halted_reason).toBe("budget");
    const listed = JSON.parse((await seqorch(["decisions", "--spec", spec, "--json"], { cwd: root })).stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ unit: "3", kind: "budget", spent: { run: { tokens: 11_000, attempts: 4 }, unit: { tokens: 0, attempts: 0 } } });
    expect(listed[0].resume_at).toBeUndefined();
    expect(listed[0].spent.run.cost_usd).toBeCloseTo(1, 9);
    expect(listed[0].question).toContain("the run spent $1.00 of --max-cost $0.90");
    const text = await seqorch(["decisions", "--spec", spec], { cwd: root });
    expect(text.stdout).toContain("spent: this run 11,000 tokens, $1.00");
    expect(readFileSync(join(spec, "PROJECT_PULSE.md"), "utf8")).toContain("(budget): the run spent $1.00 of --max-cost $0.90");
    // Unanswered, it holds back unit 3 only: the next run does unit 4 and ends waiting for it.
    const waiting = await seqorch(args, { cwd: root, env });
    expect(waiting.code).toBe(2);
    expect(implemented()).toEqual(["1", "2", "4"]);
    expect(waiting.stdout + waiting.stderr).toMatch(/[Ww]aiting for 1 decision/);
    const decide = await seqorch(["decide", "--spec", spec, "3", "retry"], { cwd: root });
    expect(decide.code).toBe(0);
    const again = await seqorch(args, { cwd: root, env });
    expect(again.code).toBe(0);
    expect(implemented()).toEqual(["1", "2", "4", "3"]);
    expect(state(spec).pipeline["4"].status).toBe("completed");
    expect(state(spec).pipeline["3"].status).toBe("completed");
  });

  test("an attempt ended on --max-unit-tokens is a budget decision on its unit, with its usage, and the run halts", async () => {
    const { root, spec, env } = gitSpec(units(2));
    const agent = scriptedAgent(tempDir(), `cat >/dev/null; echo '<usage>{"input_tokens":4500,"output_tokens":500}</usage>'; sleep 30`);
    const r = await seqorch(["orchestrate", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--max-unit-tokens", "1000"], { cwd: root, env });
    expect(r.code).toBe(2);
    expect(state(spec).halted_reason).toBe("budget");
    expect(lines(agent.dispatchLog)).toHaveLength(1);
    const [decision] = JSON.parse((await seqorch(["decisions", "--spec", spec, "--json"], { cwd: root })).stdout);
    expect(decision).toMatchObject({ unit: "1", kind: "budget", spent: { unit: { tokens: 5000, attempts: 1 } } });
    expect(decision.question).toContain("unit 1 used 5,000 tokens of --max-unit-tokens 1,000");
    expect(decision.logs).toHaveLength(1);
  });
});

describe("budgets in the review loop", () => {
  test("a fix round that would start over --max-cost is a budget decision (resume at the fix); retry runs that fix round next run", async () => {
    const { root, spec, env } = gitSpec(units(1));
    // implement: $0.40; a review: $0.70 (it asks for a change until the fix is in); the fix: $0.10.
    const agent = usageReportingRoleAgent({
      implement: '{"input_tokens":100,"output_tokens":10,"cost_usd":0.4}',
      fix: '{"input_tokens":10,"output_tokens":1,"cost_usd":0.1}',
      review: '{"input_tokens":500,"output_tokens":50,"cost_usd":0.7}',
    });
    const args = ["orchestrate", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--max-cost", "1"];
    const r = await seqorch(args, { cwd: root, env });
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toContain("Halted (budget): the run spent $1.10 of --max-cost $1.00");
    const s = state(spec);
    expect(s.halted_reason).toBe("budget");
    // Implemented and reviewed once; no fix agent started.
    expect(s.attempts["1"].map((a: { reason: string | null }) => a.reason)).toEqual([null]);
    const [decision] = JSON.parse((await seqorch(["decisions", "--spec", spec, "--json"], { cwd: root })).stdout);
    expect(decision).toMatchObject({ unit: "1", kind: "budget", resume_at: "fix", spent: { unit: { tokens: 660, attempts: 2 } } });
    const decide = await seqorch(["decide", "--spec", spec, "1", "retry", "--note", "cheaper please"], { cwd: root });
    expect(decide.code).toBe(0);
    expect(decide.stdout + decide.stderr).toContain("unit 1: the fix round starts under the next run's budget, with your note in the next prompt");
    expect(state(spec).pipeline["1"].status).toBe("fix_required");
    // The next run (its own budget) starts with fix round 1, then the review approves: $0.80.
    const again = await seqorch(args, { cwd: root, env });
    expect(again.code).toBe(0);
    const after = state(spec);
    expect(after.attempts["1"].map((a: { reason: string | null }) => a.reason?.split(" (")[0] ?? null)).toEqual([null, "fix round 1"]);
    expect(after.pipeline["1"].status).toBe("completed");
    expect(after.pipeline["1"].reviews.map((x: { round: number; verdict: string }) => [x.round, x.verdict])).toEqual([[0, "fix"], [1, "pass"]]);
  });

  test("a review that would start over --max-unit-cost is a budget decision (resume at the review); retry reviews it next run", async () => {
    const { root, spec, env } = gitSpec(units(1));
    const dir = tempDir();
    const reviews = join(dir, "reviews.log");
    const agent = scriptedAgent(
      dir,
      `cat >/dev/null
case "$SEQORCH_ROLE" in
review) echo x >> '${reviews}'; echo '<review>{"verdict":"approve","findings":[],"previous":[]}</review>' ;;
*) echo one > one.txt; echo '<usage>{"input_tokens":100,"output_tokens":10,"cost_usd":0.4}</usage>'; echo 'Done. <promise>TASK_DONE</promise>' ;;
esac`,
    );
    const args = ["orchestrate", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--max-unit-cost", "0.3"];
    const r = await seqorch(args, { cwd: root, env });
    expect(r.code).toBe(2);
    expect(existsSync(reviews)).toBe(false);
    const [decision] = JSON.parse((await seqorch(["decisions", "--spec", spec, "--json"], { cwd: root })).stdout);
    expect(decision).toMatchObject({ unit: "1", kind: "budget", resume_at: "review" });
    expect(decision.question).toContain("unit 1 spent $0.40 of --max-unit-cost $0.30");
    expect((await seqorch(["decide", "--spec", spec, "1", "retry"], { cwd: root })).code).toBe(0);
    const again = await seqorch(args, { cwd: root, env });
    expect(again.code).toBe(0);
    expect(lines(reviews)).toHaveLength(1);
    expect(state(spec).attempts["1"]).toHaveLength(1);
    expect(state(spec).pipeline["1"].status).toBe("completed");
  });
});
