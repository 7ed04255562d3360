// The usage record's arithmetic: prices from the config file, the command backend's <usage> lines, the line
// reader of a growing log, and the sums per unit and per run from the state file.
import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/errors.ts";
import { emptyState } from "../../src/store/state.ts";
import { commandUsageMeter } from "../../src/usage/command-usage.ts";
import { flushLine, newCursor, readAllLines, readNewLines } from "../../src/usage/lines.ts";
import { loadPriceTable } from "../../src/usage/price-file.ts";
import { parsePriceTable, priceUsage } from "../../src/usage/prices.ts";
import { formatTotal, formatUsd, sumUsage, usageOf } from "../../src/usage/record.ts";
import { runUsage, unitUsage } from "../../src/usage/totals.ts";

const dir = mkdtempSync(join(tmpdir(), "seqorch-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("prices", () => {
  const table = { "m-1": { input: 3, output: 15, cachedInput: 0.3 }, "model-2": { input: 1, output: 2 } };

  test("USD per million tokens by kind; opencode's provider/model finds the model's entry", () => {
    expect(priceUsage(usageOf({ input: 1_000_000, output: 100_000, cacheRead: 2_000_000 }, "m-1"), table)).toMatchObject({ cost_usd: 3 + 1.5 + 0.6, cost_source: "prices" });
    expect(priceUsage(usageOf({ input: 500_000 }, "openrouter/model-2"), table).cost_usd).toBe(0.5);
  });

  test("no price, or no price for a kind of token used: cost unknown, never a guess", () => {
    expect(priceUsage(usageOf({ input: 10 }, "other"), table).cost_usd).toBeNull();
    expect(priceUsage(usageOf({ input: 10 }, null), table).cost_usd).toBeNull();
    expect(priceUsage(usageOf({ input: 10, cacheRead: 5 }, "model-2"), table).cost_usd).toBeNull();
    expect(priceUsage(usageOf({ input: 10, cacheWrite: 5 }, "m-1"), table).cost_usd).toBeNull();
  });

  test("a bad table is a usage error naming the file and the entry", () => {
    expect(() => parsePriceTable({ "m-1": { input: "3", output: 1 } }, "/r/.kiro/seqorch.json")).toThrow(/\/r\/\.kiro\/seqorch\.json: prices\.m-1\.input/);
    expect(() => parsePriceTable({ "m-1": { input: 3, output: 1, cached: 1 } }, "f")).toThrow(UsageError);
    expect(() => parsePriceTable({ "m-1": { input: -1, output: 1 } }, "f")).toThrow(/prices\.m-1\.input/);
  });

  test("read from .kiro/seqorch.json over package.json#seqorch, beside the run settings", () => {
    const root = join(dir, "repo");
    mkdirSync(join(root, ".kiro"), { recursive: true });
    mkdirSync(join(root, "sub"), { recursive: true });
    writeFileSync(join(root, "package.json"), JSON.stringify({ seqorch: { prices: { a: { input: 1, output: 1 }, b: { input: 2, output: 2 } } } }));
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ delay: 0, prices: { b: { input: 9, output: 9 } } }));
    expect(loadPriceTable(join(root, "sub"))).toEqual({ a: { input: 1, output: 1 }, b: { input: 9, output: 9 } });
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ prices: { b: { input: 9 } } }));
    expect(() => loadPriceTable(root)).toThrow(/seqorch\.json: prices\.b\.output/);
  });
});

describe("the command backend's <usage> lines", () => {
  test("reports add up; costs count when every report gives one; bad reports are ignored", () => {
    const meter = commandUsageMeter();
    meter.line("working…");
    expect(meter.usage()).toBeNull();
    meter.line('<usage>{"input_tokens":100,"output_tokens":10,"cost_usd":0.5}</usage>');
    meter.line('note <usage>{"input_tokens":50,"output_tokens":5,"cost_usd":0.25,"model":"x"}</usage> and more');
    meter.line('<usage>{"input_tokens":"many"}</usage>');
    meter.line("<usage>not json</usage>");
    expect(meter.usage()).toMatchObject({ input: 150, output: 15, cost_usd: 0.75, cost_source: "agent", model: "x" });
    meter.line('<usage>{"input_tokens":1}</usage>');
    expect(meter.usage()).toMatchObject({ input: 151, cost_usd: null, cost_source: null });
  });
});

describe("reading a growing log", () => {
  test("only new lines; a line without its newline waits for the rest; a log cut by the cap is read on from its end", () => {
    const file = join(dir, "out.log");
    writeFileSync(file, "one\ntw");
    const cursor = newCursor();
    const seen: string[] = [];
    readNewLines(file, cursor, (l) => seen.push(l));
    expect(seen).toEqual(["one"]);
    appendFileSync(file, "o\nthree\n");
    readNewLines(file, cursor, (l) => seen.push(l));
    expect(seen).toEqual(["one", "two", "three"]);
    truncateSync(file, 4);
    appendFileSync(file, "\nfour");
    readNewLines(file, cursor, (l) => seen.push(l));
    flushLine(cursor, (l) => seen.push(l));
    expect(seen.slice(3)).toEqual([]);
    appendFileSync(file, "\nfive\n");
    readNewLines(file, cursor, (l) => seen.push(l));
    expect(seen.slice(3)).toEqual(["five"]);
    readNewLines(join(dir, "missing.log"), newCursor(), (l) => seen.push(l));
  });

  test("with a needle, only the lines holding it (also across chunks and at the end without a newline)", () => {
    const file = join(dir, "big.log");
    writeFileSync(file, `${"x".repeat(70_000)}<usage>{"input_tokens":1}</usage>\n${"noise\n".repeat(20_000)}tail <usage>{}</usage>`);
    const seen: string[] = [];
    readAllLines(file, (l) => seen.push(l.replace(/^x+/, "")), "<usage>");
    expect(seen).toEqual(['<usage>{"input_tokens":1}</usage>', "tail <usage>{}</usage>"]);
  });
});

describe("sums", () => {
  test("per unit over its attempts, per run over the attempts it started; unpriced attempts are counted", () => {
    const state = emptyState("/s");
    const attempt = (n: number, startedAt: string, usage: ReturnType<typeof usageOf> | null) =>
      ({ n, iteration: n, backend: "command", status: "failed", reason: null, started_at: startedAt, ended_at: null, duration_ms: null, exit_code: null, counted: true, log: "", runner: "direct", window_id: null, session_id: null, pid: null, channel: null, detached: false, attempt_id: "", agent_session_id: null, agent_usage: usage }) as const;
    state.attempts["1"] = [attempt(1, "2026-01-01T00:00:00Z", { ...usageOf({ input: 100, output: 10 }), cost_usd: 1, cost_source: "agent" }), attempt(2, "2026-01-02T00:00:00Z", usageOf({ input: 5 }))];
    state.attempts["2"] = [attempt(1, "2026-01-02T00:00:00Z", { ...usageOf({ output: 20 }), cost_usd: 0.5, cost_source: "prices" }), attempt(2, "2026-01-02T00:00:01Z", null)];
    expect(unitUsage(state, "1")).toMatchObject({ tokens: 115, cost_usd: 1, unpriced: 1, attempts: 2 });
    expect(runUsage(state)).toMatchObject({ tokens: 135, cost_usd: 1.5, unpriced: 1, attempts: 3 });
    expect(runUsage(state, Date.parse("2026-01-02T00:00:00Z"))).toMatchObject({ tokens: 25, cost_usd: 0.5, attempts: 2 });
    expect(formatTotal(runUsage(state))).toBe("135 tokens, $1.50 + cost unknown for 1 attempt(s)");
    expect(formatTotal(sumUsage([usageOf({ input: 3 })]))).toBe("3 tokens, cost unknown");
    expect(formatTotal(sumUsage([]))).toBe("");
  });

  test("costs add up without floating-point residue (what decisions --json shows as spent)", () => {
    const priced = (usd: number) => ({ ...usageOf({ output: 1 }), cost_usd: usd, cost_source: "agent" as const });
    expect(0.1 + 1.1).not.toBe(1.2);
    expect(sumUsage([priced(0.1), priced(1.1)]).cost_usd).toBe(1.2);
    expect(sumUsage([priced(0.1), priced(0.2), priced(0.000000001)]).cost_usd).toBe(0.300000001);
  });
});

describe("the report section (for PROJECT_PULSE.md)", () => {
  test("a total line, then one line per unit with the backends of its attempts", async () => {
    const { usageMarkdown } = await import("../../src/usage/report.ts");
    const state = emptyState("/s");
    const base = { iteration: 1, status: "done", reason: null, started_at: "2026-01-01T00:00:00Z", ended_at: null, duration_ms: null, exit_code: null, counted: true, log: "", runner: "direct", window_id: null, session_id: null, pid: null, channel: null, detached: false, attempt_id: "", agent_session_id: null } as const;
    state.attempts["1"] = [
      { ...base, n: 1, backend: "claude", agent_usage: { ...usageOf({ input: 1000 }), cost_usd: 0.2, cost_source: "agent" } },
      { ...base, n: 2, backend: "codex", agent_usage: usageOf({ input: 500 }) },
    ];
    state.attempts["2"] = [{ ...base, n: 1, backend: "claude", agent_usage: null }];
    expect(usageMarkdown(state)).toEqual(["- Total: 1,500 tokens, $0.20 + cost unknown for 1 attempt(s)", "- Unit 1: 1,500 tokens, $0.20 + cost unknown for 1 attempt(s) (claude ×1, codex ×1)"]);
    expect(usageMarkdown(emptyState("/s"))).toEqual([]);
  });
});

describe("budget limits", () => {
  test("the first limit reached, worded with what was spent; equality counts as reached; unknown costs are named", async () => {
    const { budgetReached, NO_LIMITS } = await import("../../src/usage/budget.ts");
    const total = (tokens: number, cost: number, unpriced = 0) => ({ ...sumUsage([]), tokens, cost_usd: cost, unpriced, attempts: 1 + unpriced });
    const none = total(0, 0);
    expect(budgetReached(NO_LIMITS, total(1e9, 1e6), total(1e9, 1e6), "1")).toBeNull();
    expect(budgetReached({ ...NO_LIMITS, maxTokens: 1000 }, total(999, 0), none, "1")).toBeNull();
    expect(budgetReached({ ...NO_LIMITS, maxTokens: 1000 }, total(1000, 0), none, "1")).toBe("the run used 1,000 tokens of --max-tokens 1,000");
    expect(budgetReached({ ...NO_LIMITS, maxCost: 5 }, total(0, 5.02, 2), none, "1")).toBe("the run spent $5.02 of --max-cost $5.00 (not counting 2 attempt(s) of unknown cost)");
    expect(budgetReached({ ...NO_LIMITS, maxUnitTokens: 10 }, total(5, 0), total(12, 0), "2.1")).toBe("unit 2.1 used 12 tokens of --max-unit-tokens 10");
    expect(budgetReached({ ...NO_LIMITS, maxUnitCost: 0.5 }, none, total(0, 0.75), "3")).toBe("unit 3 spent $0.75 of --max-unit-cost $0.50");
  });
});

test("USD as people read it", () => {
  expect([0, 1.2, 0.5, 0.75, 12.345, 0.024, 0.0239, 0.01, 0.05, 0.001, 0.00012].map(formatUsd)).toEqual(["$0.00", "$1.20", "$0.50", "$0.75", "$12.35", "$0.024", "$0.024", "$0.01", "$0.05", "$0.001", "$0.00012"]);
});
