// The folded run view and the summary table: rows per unit, failed attempts, tokens where a backend reports them.
import { describe, expect, test } from "bun:test";
import { summaryTable } from "../../src/cli/run-reporter.ts";
import { emptyView, estimateLeftMs, foldEvent, formatDuration } from "../../src/cli/run-view.ts";
import { usageOf, type Usage } from "../../src/usage/record.ts";

const next = (unitId: string, position: number) => ({ type: "unit-next" as const, unitId, title: `Task ${unitId}`, position, total: 3, nextId: null });
const finished = (unitId: string, status: "done" | "failed", tokens: number | null, costUsd: number | null = null) => ({
  type: "attempt-finished" as const,
  unitId,
  attempt: 1,
  status,
  durationMs: 65_000,
  reason: status === "failed" ? "no marker" : "",
  log: "/x/out.log",
  tokens,
  usage: tokens === null ? null : ({ ...usageOf({ input: tokens }), cost_usd: costUsd, cost_source: costUsd === null ? null : "agent" } as Usage),
});

describe("run view", () => {
  test("rows count attempts and failures, and sum tokens; the summary shows a Tokens column only when reported", () => {
    const view = emptyView(Date.now() - 200_000);
    foldEvent(view, next("1", 1), Date.now());
    foldEvent(view, finished("1", "failed", 1200), Date.now());
    foldEvent(view, finished("1", "done", 800), Date.now());
    foldEvent(view, next("2", 2), Date.now());
    foldEvent(view, finished("2", "done", null), Date.now());
    expect(view.rows).toMatchObject([
      { id: "1", title: "Task 1", attempts: 2, failed: 1, result: "done", durationMs: 130_000, tokens: 2000, usage: { tokens: 2000, attempts: 2, unpriced: 2 } },
      { id: "2", title: "Task 2", attempts: 1, failed: 0, result: "done", durationMs: 65_000, tokens: null, usage: { attempts: 0 } },
    ]);
    const table = summaryTable(view);
    expect(table[0]).toMatch(/Unit\s+Title\s+Attempts\s+Failed\s+Result\s+Time\s+Tokens\s+Cost$/);
    expect(table[1]).toMatch(/^1\s+Task 1\s+2\s+1\s+done\s+2m 10s\s+2000\s+\?$/);
    expect(table[2]).toMatch(/^2\s+Task 2\s+1\s+0\s+done\s+1m 05s\s+-\s+-$/);
    // No price for the tokens: "cost unknown", never a made-up figure.
    expect(table.at(-1)).toMatch(/^2 unit\(s\) done, 1 failed attempt\(s\), 3m 2\ds in all, 2,000 tokens, cost unknown$/);
    expect(estimateLeftMs(view)).toBeGreaterThan(0);
  });

  test("reported costs are summed per unit and for the run; a unit partly unpriced says so", () => {
    const view = emptyView(Date.now());
    foldEvent(view, next("1", 1), Date.now());
    foldEvent(view, finished("1", "failed", 1000, 0.25), Date.now());
    foldEvent(view, finished("1", "done", 500, 0.125), Date.now());
    foldEvent(view, next("2", 2), Date.now());
    foldEvent(view, finished("2", "done", 300), Date.now());
    const table = summaryTable(view);
    expect(table[1]).toMatch(/\s1500\s+\$0\.38$/);
    expect(table[2]).toMatch(/\s300\s+\?$/);
    expect(table.at(-1)).toEndWith("1,800 tokens, $0.38 + cost unknown for 1 attempt(s)");
  });

  test("without tokens from any backend the column is left out", () => {
    const view = emptyView(Date.now());
    foldEvent(view, next("1", 1), Date.now());
    foldEvent(view, finished("1", "done", null), Date.now());
    expect(summaryTable(view)[0]).not.toContain("Tokens");
  });

  test("durations read as people say them", () => {
    expect(formatDuration(12_345)).toBe("12.3 s");
    expect(formatDuration(185_000)).toBe("3m 05s");
    expect(formatDuration(3_720_000)).toBe("1h 02m");
  });
});
