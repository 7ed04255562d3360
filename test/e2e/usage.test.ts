// End to end: the compiled binary records what scripted agents report with `<usage>` lines: per attempt in the
// state file, priced from the config file's table where the agent gives no cost, and shown in `status`, the
// --json events and the end-of-run summary; a model without a price says "cost unknown".
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir, until } from "./harness.ts";
import { usageReportingRoleAgent } from "./role-agent.ts";

afterAll(cleanUp);

const THREE = "# Plan\n\n- [ ] 1. First\n  - one\n\n- [ ] 2. Second\n  - two\n\n- [ ] 3. Third\n  - three\n";

/**
 * Unit 1 reports its own cost; unit 2 names a priced model (two reports, which add up); unit 3 an unpriced one.
 * The usage lines come before the marker, as an agent's would.
 */
const AGENT = `cat >/dev/null
case "$SEQORCH_TASK_ID" in
  1) echo '<usage>{"input_tokens":1000,"output_tokens":100,"cost_usd":0.25}</usage>' ;;
  2) echo '<usage>{"input_tokens":2000000,"output_tokens":0,"model":"priced-model"}</usage>'
     echo 'thinking <usage>{"input_tokens":0,"output_tokens":100000,"model":"priced-model"}</usage>' ;;
  3) echo '<usage>{"input_tokens":7,"output_tokens":3,"model":"new-model"}</usage>' ;;
esac
echo 'Done. <promise>TASK_DONE</promise>'`;

function setUp() {
  const { root, spec } = makeSpec(THREE);
  mkdirSync(join(root, ".kiro"), { recursive: true });
  // USD per million tokens: 2,000,000 × $1 + 100,000 × $5 = $2.50.
  writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ prices: { "priced-model": { input: 1, output: 5 } } }));
  return { root, spec, agent: scriptedAgent(tempDir(), AGENT) };
}

describe("usage and cost", () => {
  test("recorded per attempt, summed per unit and run, in the state file, status, --json and the summary", async () => {
    const { root, spec, agent } = setUp();
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--json"], { cwd: root });
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const finished = events.filter((e) => e.type === "attempt-finished");
    expect(finished.map((e) => e.usage)).toMatchObject([
      { input: 1000, output: 100, cost_usd: 0.25, cost_source: "agent" },
      { input: 2_000_000, output: 100_000, cost_usd: 2.5, cost_source: "prices", model: "priced-model" },
      { input: 7, output: 3, cost_usd: null, cost_source: null, model: "new-model" },
    ]);
    expect(finished.at(-1).runUsage).toEqual({ input: 2_001_007, output: 100_103, cache_read: 0, cache_write: 0, tokens: 2_101_110, cost_usd: 2.75, unpriced: 1, attempts: 3 });
    const ended = events.find((e) => e.type === "run-ended");
    expect(ended.usage).toMatchObject({ tokens: 2_101_110, cost_usd: 2.75, unpriced: 1 });

    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.attempts["2"][0].agent_usage).toEqual({ input: 2_000_000, output: 100_000, cache_read: 0, cache_write: 0, cost_usd: 2.5, cost_source: "prices", model: "priced-model" });
    expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8")).toContain("- Usage: 10 tokens, cost unknown");

    const status = await seqorch(["status", "--spec", spec, "--json"], { cwd: root });
    const summary = JSON.parse(status.stdout);
    expect(summary.usage.total).toMatchObject({ tokens: 2_101_110, cost_usd: 2.75, unpriced: 1, attempts: 3 });
    expect(summary.usage.units["3"]).toMatchObject({ tokens: 10, cost_usd: 0, unpriced: 1 });
    const text = await seqorch(["status", "--spec", spec], { cwd: root });
    expect(text.stdout).toContain("used: 2,101,110 tokens, $2.75 + cost unknown for 1 attempt(s)");
    expect(text.stdout).toContain("3: 10 tokens, cost unknown");
  });

  test("the plain summary has a Cost column and the run's total; no price and no agent figure: cost unknown", async () => {
    const { root, spec, agent } = setUp();
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Tokens\s+Cost/);
    expect(r.stdout).toMatch(/\n3\s+Third.*\s10\s+\?\n/);
    expect(r.stdout).toContain("2,101,110 tokens, $2.75 + cost unknown for 1 attempt(s)");
  });

  test("a bad price table stops the run before anything is dispatched, naming the file and entry", async () => {
    const { root, spec, agent } = setUp();
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ prices: { "priced-model": { input: "1" } } }));
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command], { cwd: root });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(".kiro/seqorch.json: prices.priced-model.input");
    expect(existsSync(agent.dispatchLog)).toBe(false);
  });
});

describe("usage of the review loop", () => {
  test("reviewers' and fix rounds' usage is recorded with the unit's, priced, and summed in status", async () => {
    const { root, spec } = makeSpec("# Tasks\n\n- [ ] 1. Fixed once\n");
    const env = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
    for (const args of [["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]]) Bun.spawnSync(["git", ...args], { cwd: root, env: { ...process.env, ...env } });
    mkdirSync(join(root, ".kiro"), { recursive: true });
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ prices: { "review-model": { input: 10, output: 10 } } }));
    // implement: 1,000 tokens at $0.01; review: 100,000 tokens priced from the table (= $1.00), a major finding in
    // round 0, approval after the fix; fix: 500 tokens, no price (cost unknown).
    const agent = usageReportingRoleAgent({
      implement: '{"input_tokens":900,"output_tokens":100,"cost_usd":0.01}',
      fix: '{"input_tokens":400,"output_tokens":100,"model":"fix-model"}',
      review: '{"input_tokens":90000,"output_tokens":10000,"model":"review-model"}',
    });
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, "--commit", "--review", "--pulse"], { cwd: root, env });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.pipeline["1"].review_usage.map((u: { round: number; usage: { cost_usd: number; cost_source: string } }) => [u.round, u.usage.cost_usd, u.usage.cost_source])).toEqual([
      [0, 1, "prices"],
      [1, 1, "prices"],
    ]);
    const fix = state.attempts["1"].find((a: { reason: string | null }) => a.reason?.startsWith("fix round 1"));
    expect(fix.agent_usage).toMatchObject({ input: 400, output: 100, cost_usd: null, model: "fix-model" });
    const status = JSON.parse((await seqorch(["status", "--spec", spec, "--json"], { cwd: root })).stdout);
    expect(status.usage.total).toMatchObject({ tokens: 1000 + 500 + 200_000, cost_usd: 2.01, unpriced: 1, attempts: 4 });
    // PULSE shows the same sums as status, with who spent them.
    const pulse = readFileSync(join(spec, "PROJECT_PULSE.md"), "utf8");
    expect(pulse).toContain("## 💰 Usage\n- Total: 201,500 tokens, $2.01 + cost unknown for 1 attempt(s)\n- Unit 1: 201,500 tokens, $2.01 + cost unknown for 1 attempt(s) (command ×2, review ×2)");
  });
});

/** Resolves once `check` holds, polling every 50 ms; throws after `ms`. */

describe("usage of an attempt picked up by crash recovery", () => {
  test("a run killed with SIGKILL while its agent ran: the next run records the finished attempt's usage from its log", async () => {
    const { root, spec } = makeSpec("# Plan\n\n- [ ] 1. First\n  - one\n\n- [ ] 2. Second\n  - two\n");
    const dir = tempDir();
    const go = join(dir, "go");
    const finished = join(dir, "finished");
    // Unit 1 waits until seqorch is dead, then reports its usage and finishes; unit 2 reports its own.
    const agent = scriptedAgent(
      dir,
      `cat >/dev/null
if [ "$SEQORCH_TASK_ID" = 1 ]; then
  while [ ! -e '${go}' ]; do sleep 0.05; done
  echo '<usage>{"input_tokens":1000,"output_tokens":100,"cost_usd":0.25}</usage>'; echo 'Done. <promise>TASK_DONE</promise>'; touch '${finished}'
else echo '<usage>{"input_tokens":10,"output_tokens":1,"cost_usd":0.01}</usage>'; echo 'Done. <promise>TASK_DONE</promise>'; fi`,
    );
    const tmux = ["--tmux-socket", privateTmux(), "--tmux-session", "recover"];
    const args = ["run", "--spec", spec, "--delay", "0", "--agent-command", agent.command, ...tmux];
    const first = Bun.spawn([binary, ...args], { cwd: root, env: { ...process.env, CI: "true" }, stdout: "ignore", stderr: "ignore" });
    await until(() => existsSync(agent.dispatchLog));
    first.kill("SIGKILL");
    await first.exited;
    writeFileSync(go, "");
    await until(() => existsSync(finished) && existsSync(join(spec, ".seqorch", "attempts", "1.1", "exit")));
    const r = await seqorch(args, { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain("attempt 1 finished with TASK_DONE after the earlier run stopped");
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.attempts["1"]).toHaveLength(1);
    expect(state.attempts["1"][0]).toMatchObject({ status: "done", agent_usage: { input: 1000, output: 100, cost_usd: 0.25, cost_source: "agent" } });
    const status = JSON.parse((await seqorch(["status", "--spec", spec, "--json"], { cwd: root })).stdout);
    expect(status.usage.total).toMatchObject({ tokens: 1111, cost_usd: 0.26, attempts: 2 });
  });
});
