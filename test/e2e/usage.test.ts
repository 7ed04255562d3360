// End to end: the compiled binary records what scripted agents report with `<usage>` lines: per attempt in the
// state file, priced from the config file's table where the agent gives no cost, and shown in `status`, the
// --json events and the end-of-run summary; a model without a price says "cost unknown".
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, scriptedAgent, seqorch, tempDir } from "./harness.ts";

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
