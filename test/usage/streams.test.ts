// Usage parsed from each pinned CLI's own event stream, captured from the real CLI run against the mock LLM
// (test/fixtures/streams/<cli>-<version>.jsonl, written by scripts/capture-streams.ts): after the attempt
// (parseReply) and line by line while it runs (the live meter), which must agree.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { claudeMeter, parseClaudeStream } from "../../src/agents/claude.ts";
import { codexMeter, parseCodexStream } from "../../src/agents/codex.ts";
import { geminiMeter, parseGeminiStream } from "../../src/agents/gemini.ts";
import { opencodeMeter, parseOpencodeStream } from "../../src/agents/opencode.ts";
import type { AgentReply } from "../../src/agents/types.ts";
import type { AttemptExit } from "../../src/runner/types.ts";
import type { UsageMeter } from "../../src/usage/meter.ts";
import { priceUsage } from "../../src/usage/prices.ts";
import type { Usage } from "../../src/usage/record.ts";
import { PINNED } from "../../scripts/setup-agents.ts";

const dir = join(import.meta.dir, "..", "fixtures", "streams");
const exited: AttemptExit = { exitCode: 0, reason: "exited", durationMs: 1 };
type Parser = (out: string, err: string, exit: AttemptExit, model?: string | null) => Promise<AgentReply>;

/** Per CLI: its package, parser, live meter, the model seqorch passes with --model, and the usage expected. */
const CASES: Record<string, { pkg: keyof typeof PINNED; parse: Parser; meter: (model: string | null) => UsageMeter; model: string; expected: Usage }> = {
  codex: {
    pkg: "@openai/codex",
    parse: parseCodexStream,
    meter: codexMeter,
    model: "gpt-5.5",
    // turn.completed: input_tokens 14780 (0 cached), output 17; no model or cost in the stream.
    expected: { input: 14780, output: 17, cache_read: 0, cache_write: 0, cost_usd: null, cost_source: null, model: "gpt-5.5" },
  },
  claude: {
    pkg: "@anthropic-ai/claude-code",
    parse: parseClaudeStream,
    meter: claudeMeter,
    model: "claude-sonnet-4-5",
    // result.usage and result.total_cost_usd (Claude Code's own list price for the model).
    expected: { input: 7893, output: 17, cache_read: 0, cache_write: 0, cost_usd: 0.023934, cost_source: "agent", model: "claude-sonnet-4-5" },
  },
  gemini: {
    pkg: "@google/gemini-cli",
    parse: parseGeminiStream,
    meter: geminiMeter,
    model: "gemini-2.5-flash",
    // result.stats: input_tokens 2473 (cached 0), output_tokens 48; init names the model.
    expected: { input: 2473, output: 48, cache_read: 0, cache_write: 0, cost_usd: null, cost_source: null, model: "gemini-2.5-flash" },
  },
  opencode: {
    pkg: "opencode-ai",
    parse: parseOpencodeStream,
    meter: opencodeMeter,
    model: "mock/mock-model",
    // Two step_finish events (the tool call, then the answer): 2870 + 2946 input, 8 + 9 output; cost 0 = no price.
    expected: { input: 5816, output: 17, cache_read: 0, cache_write: 0, cost_usd: null, cost_source: null, model: "mock/mock-model" },
  },
};

const fixtures = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));

describe("captured streams of the pinned CLIs", () => {
  test("there is one fixture per pinned CLI version (a new pin needs a new capture)", () => {
    const wanted = Object.entries(CASES).map(([cli, c]) => `${cli}-${PINNED[c.pkg]}.jsonl`).sort();
    expect(fixtures.filter((f) => wanted.includes(f)).sort()).toEqual(wanted);
  });

  for (const [cli, c] of Object.entries(CASES)) {
    const file = join(dir, `${cli}-${PINNED[c.pkg]}.jsonl`);
    test(`${cli} ${PINNED[c.pkg]}: tokens, model and cost after the attempt`, async () => {
      const reply = await c.parse(file, join(dir, "none.err"), exited, c.model);
      expect(reply.usage).toEqual(c.expected);
    });

    test(`${cli} ${PINNED[c.pkg]}: the live meter fed line by line agrees with the parser`, async () => {
      const meter = c.meter(c.model);
      for (const line of readFileSync(file, "utf8").split("\n")) meter.line(line);
      expect(meter.usage()).toEqual((await c.parse(file, join(dir, "none.err"), exited, c.model)).usage!);
    });
  }

  test("a model without a price keeps its tokens and an unknown cost; a priced one gets the table's figure", async () => {
    const codex = (await parseCodexStream(join(dir, `codex-${PINNED["@openai/codex"]}.jsonl`), "", exited, "gpt-5.5")).usage!;
    expect(priceUsage(codex, {}).cost_usd).toBeNull();
    expect(priceUsage(codex, { "gpt-5.5": { input: 2, output: 10 } })).toMatchObject({ cost_usd: (14780 * 2 + 17 * 10) / 1e6, cost_source: "prices" });
    // The CLI's own figure wins over the table.
    const claude = (await parseClaudeStream(join(dir, `claude-${PINNED["@anthropic-ai/claude-code"]}.jsonl`), "", exited)).usage!;
    expect(priceUsage(claude, { "claude-sonnet-4-5": { input: 1000, output: 1000 } }).cost_usd).toBe(0.023934);
  });
});

describe("while an attempt runs", () => {
  test("claude: assistant events give a running sum (one message spanning two events counted once) until the result", () => {
    const meter = claudeMeter(null);
    const assistant = (id: string, input: number, output: number) =>
      JSON.stringify({ type: "assistant", message: { id, model: "claude-x", content: [], usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 100, cache_creation_input_tokens: 10 } } });
    meter.line(JSON.stringify({ type: "system", subtype: "init", model: "claude-x" }));
    expect(meter.usage()).toBeNull();
    meter.line(assistant("m1", 50, 1));
    meter.line(assistant("m1", 50, 1));
    meter.line(assistant("m2", 70, 5));
    expect(meter.usage()).toMatchObject({ input: 120, output: 6, cache_read: 200, cache_write: 20, cost_usd: null, model: "claude-x" });
    meter.line(JSON.stringify({ type: "result", total_cost_usd: 0.5, usage: { input_tokens: 121, output_tokens: 7, cache_read_input_tokens: 200, cache_creation_input_tokens: 20 } }));
    expect(meter.usage()).toMatchObject({ input: 121, output: 7, cost_usd: 0.5, cost_source: "agent" });
  });

  test("codex: cached input is taken off input_tokens; turns add up", () => {
    const meter = codexMeter("gpt-5.5");
    for (let i = 0; i < 2; i++) meter.line(JSON.stringify({ type: "turn.completed", usage: { input_tokens: 1000, cached_input_tokens: 800, output_tokens: 20 } }));
    expect(meter.usage()).toMatchObject({ input: 400, cache_read: 1600, output: 40, model: "gpt-5.5" });
  });

  test("gemini: cached tokens from stats; opencode: reasoning is output, cache read and write, a reported cost", () => {
    const gemini = geminiMeter(null);
    gemini.line(JSON.stringify({ type: "result", stats: { input_tokens: 900, output_tokens: 30, cached: 600, models: { "gemini-2.5-pro": {} } } }));
    expect(gemini.usage()).toMatchObject({ input: 300, cache_read: 600, output: 30, model: "gemini-2.5-pro" });
    const opencode = opencodeMeter("anthropic/claude-x");
    opencode.line(JSON.stringify({ type: "step_finish", part: { tokens: { input: 10, output: 5, reasoning: 3, cache: { read: 40, write: 7 } }, cost: 0.01 } }));
    expect(opencode.usage()).toMatchObject({ input: 10, output: 8, cache_read: 40, cache_write: 7, cost_usd: 0.01, cost_source: "agent" });
  });
});
