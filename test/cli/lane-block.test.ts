// The live display of a parallel run: one line per unit in flight and the merge queue's line, folded from the
// events a parallel run sends (no unit-next), fitted to the width and height, and redrawn in place on a terminal.
import { afterEach, describe, expect, test } from "bun:test";
import type { RunEvent } from "../../src/actors/run-context.ts";
import { displayWidth } from "../../src/cli/display-width.ts";
import { laneBlock, laneLine, queueLine } from "../../src/cli/lane-block.ts";
import { createLiveDisplay, displayLines } from "../../src/cli/live-display.ts";
import { summaryTable } from "../../src/cli/run-reporter.ts";
import { emptyView, foldEvent, type RunView } from "../../src/cli/run-view.ts";

const noColor = process.env.NO_COLOR;
afterEach(() => {
  if (noColor === undefined) delete process.env.NO_COLOR;
  else process.env.NO_COLOR = noColor;
});

const started = (unitId: string, title: string, extra: Partial<Extract<RunEvent, { type: "unit-started" }>> = {}): RunEvent => ({
  type: "unit-started", unitId, title, attempt: 1, maxAttempts: 3, backend: "codex", where: "tmux window @1", log: `/x/${unitId}/out.log`, windowId: `@${unitId}`,
  worktree: `seqorch/feat/${unitId}`, review: false, ...extra,
});
const finished = (unitId: string, status: "done" | "failed" = "done"): RunEvent => ({
  type: "attempt-finished", unitId, attempt: 1, status, durationMs: 2_000, reason: status === "done" ? "" : "no marker", log: "/x/out.log", tokens: null,
});
const stepOf = (unitId: string, step: Extract<RunEvent, { type: "unit-step" }>["step"], detail: string, ok = true): RunEvent => ({ type: "unit-step", unitId, step, ok, detail });

function fold(events: RunEvent[], now = Date.now()): RunView {
  const view = emptyView(now - 65_000);
  foldEvent(view, { type: "run-started", specName: "feat", runner: "tmux", attach: "tmux -L s attach -t sequential-feat" }, now);
  for (const event of events) foldEvent(view, event, now);
  return view;
}

/** Five units in flight at every step, unit 10 started before unit 3 (lines and queue are in task-ID order). */
const busy = (): RunEvent[] => [
  started("10", "Tenth"),
  started("2", "Second"),
  started("3", "Third"),
  started("4", "Fourth"),
  started("5", "Fifth"),
  finished("10"),
  finished("3"),
  finished("2"),
  stepOf("2", "merging", "onto main"),
  stepOf("4", "verify", "`npm test` passed; log /x"),
];

describe("the units in flight of a parallel run", () => {
  test("one lane per unit in task-ID order with its step; the queue in merge order and what merges now", () => {
    const now = Date.now();
    const view = fold(busy(), now);
    expect(view.unit).toBeNull();
    expect(view.lanes.map((l) => `${l.id}:${l.step}`)).toEqual(["2:merging", "3:queued", "4:verifying", "5:implementing", "10:queued"]);
    // Done but not merged: the summary says queued, not done, should the run stop now.
    expect(view.rows.map((r) => `${r.id}:${r.title}:${r.result}`)).toEqual(["10:Tenth:queued", "3:Third:queued", "2:Second:queued"]);
    const lines = laneBlock(view, now, 200, 40);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^⇄ 2 Second · merging · 0\.0 s · attempt 1\/3 · codex$/);
    expect(lines[1]).toMatch(/^◌ 3 Third · queued for merge · /);
    expect(lines[2]).toMatch(/^◐ 4 Fourth · verifying · /);
    // The agent's window while it works.
    expect(lines[3]).toMatch(/^◐ 5 Fifth · implementing · 0\.0 s · attempt 1\/3 · codex · window @5$/);
    expect(lines[4]).toMatch(/^◌ 10 Tenth · queued for merge · /);
    expect(lines[5]).toBe("⇄ merge queue: merging 2 · then 3, 10 · 5 in flight · run 1m 05s · tmux -L s attach -t sequential-feat");
  });

  test("review and fix rounds, a rate-limit wait, a failed attempt; approved units join the queue", () => {
    const now = Date.now();
    const view = fold([
      started("1", "One", { review: true }),
      started("2", "Two", { review: true }),
      started("3", "Three", { review: true }),
      finished("1"),
    ], now);
    // With --review a TASK_DONE goes to review, never to the merge queue, even before its reviewer starts.
    expect(view.lanes[0]?.step).toBe("review");
    for (const event of [
      stepOf("1", "review", "reviewer 1 started; log /x"),
      stepOf("1", "review", "round 0: fix — [R1] major a.ts:3: Broken", false),
      started("1", "One", { attempt: 1, maxAttempts: 2, backend: "codex (fix round 1)", windowId: "@9" }),
      finished("2"),
      stepOf("2", "review", "reviewer 1 started; log /x"),
      stepOf("2", "review", "approved after 0 fix rounds; done"),
      { type: "rate-limited", unitId: "3", untilMs: now + 90_000, reason: "429" },
    ] as RunEvent[]) foldEvent(view, event, now);
    expect(view.lanes.map((l) => `${l.id}:${l.step}`)).toEqual(["1:fix", "2:queued", "3:rate-limited"]);
    const [one, two, three, queue] = laneBlock(view, now, 200, 40);
    expect(one).toMatch(/^◐ 1 One · fix round 1 · [\d.]+ s · codex · window @9$/);
    expect(two).toContain("queued for merge");
    expect(three).toContain("rate limited: retrying in 1m 30s");
    expect(queue).toStartWith("⇄ merge queue: queued 2 · 3 in flight");
    // A review after a fix round is that round's review; the attempt shown is still the implementation's.
    foldEvent(view, stepOf("1", "review", "reviewer 1 started; log /x"), now);
    expect(laneLine(view.lanes[0]!, now, 200)).toMatch(/^◐ 1 One · review round 1 · [\d.]+ s · attempt 1\/3 · codex$/);
    foldEvent(view, finished("3", "failed"), now);
    expect(laneLine(view.lanes[2]!, now, 200)).toContain("attempt 1 failed: no marker");
  });

  test("a merge ends the lane (merged), a sent-back unit stays until it runs again, a decision ends it; the summary lists units by task ID with their titles", () => {
    const now = Date.now();
    const view = fold([
      started("3", "Third"), started("1", "First"), started("2", "Second"),
      finished("3"), finished("1"), finished("2"),
      stepOf("1", "merging", "onto main"), stepOf("1", "merge", "merged onto main at 0123456789 (1 commit)"),
      stepOf("2", "merging", "onto main"), stepOf("2", "merge", "its rebase onto main conflicted in a.ts; runs again alone", false),
      stepOf("3", "merging", "onto main"), stepOf("3", "decision", "scope_violation: unit 3 changed files outside …", false),
    ], now);
    expect(view.lanes.map((l) => `${l.id}:${l.step}`)).toEqual(["2:sent-back"]);
    expect(laneLine(view.lanes[0]!, now, 200)).toContain("↺ 2 Second · sent back to run alone: its rebase onto main conflicted in a.ts ·");
    foldEvent(view, started("2", "Second", { attempt: 2 }), now);
    expect(view.lanes[0]).toMatchObject({ id: "2", step: "implementing", attempt: { n: 2 } });
    foldEvent(view, finished("2"), now);
    foldEvent(view, stepOf("2", "merging", "onto main"), now);
    foldEvent(view, stepOf("2", "merge", "merged onto main at abcdef0123 (1 commit)"), now);
    expect(view.lanes).toEqual([]);
    // No lanes left: the one status line again.
    expect(displayLines(view, now, 120, 40)).toEqual(["◐ planning feat · tmux -L s attach -t sequential-feat"]);
    const table = summaryTable(view);
    expect(table.slice(1, 4).map((l) => l.split(/\s{2,}/).slice(0, 5).join("|"))).toEqual(["1|First|1|0|merged", "2|Second|2|0|merged", "3|Third|1|0|decision"]);
    expect(table.at(-1)).toStartWith("2 unit(s) done, 0 failed attempt(s)");
  });

  test("a unit that runs in the main checkout (no manifest) is done when its loop ends, never queued for merge", () => {
    const view = fold([
      started("1", "One"),
      started("2", "In place", { worktree: null }),
      started("3", "Reviewed in place", { worktree: null, review: true }),
      finished("1"),
      finished("2"),
      finished("3"),
    ]);
    expect(view.lanes.map((l) => `${l.id}:${l.step}`)).toEqual(["1:queued", "3:review"]);
    foldEvent(view, stepOf("3", "review", "approved after 0 fix rounds; done"), Date.now());
    expect(view.lanes.map((l) => l.id)).toEqual(["1"]);
    expect(view.rows.map((r) => `${r.id}:${r.result}`)).toEqual(["1:queued", "2:done", "3:done"]);
    expect(queueLine(view, Date.now(), 200)).toStartWith("⇄ merge queue: queued 1 · 1 in flight");
  });

  test("a unit queued by an earlier run merges in this one: a lane from its merge turn, with the title the turn gives", () => {
    const now = Date.now();
    const view = fold([{ type: "unit-step", unitId: "2", step: "merging", ok: true, detail: "onto main", title: "Queued before" }], now);
    expect(laneBlock(view, now, 200, 40)).toEqual([expect.stringMatching(/^⇄ 2 Queued before · merging · 0\.0 s$/), "⇄ merge queue: merging 2 · 1 in flight · run 1m 05s · tmux -L s attach -t sequential-feat"]);
    foldEvent(view, stepOf("2", "merge", "merged onto main at 0123456789 (1 commit)"), now);
    expect(view.rows).toMatchObject([{ id: "2", title: "Queued before", result: "merged", attempts: 0 }]);
  });

  test("a unit blocked before its first attempt (a failed --worktree-setup) still gets a row", () => {
    const view = fold([started("1", "One"), stepOf("2", "decision", "worktree_setup: npm ci failed", false)]);
    expect(view.rows.map((r) => `${r.id}:${r.result}`)).toEqual(["2:decision"]);
  });

  test("a sequential run has no lanes: its unit is the one status line, as before", () => {
    const now = Date.now();
    const view = fold([{ type: "unit-next", unitId: "1", title: "First", position: 1, total: 2, nextId: "2" }, started("1", "First"), stepOf("1", "review", "reviewer 1 started; log /x")], now);
    expect(view.lanes).toEqual([]);
    const lines = displayLines(view, now, 200, 40);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("◐ unit 1/2: 1 First · review: reviewer 1 started");
  });
});

describe("fitting the block", () => {
  const wide = (): RunEvent[] => [
    started("1", "実装する：ユーザー認証とセッション管理のモジュール"),
    started("2", "🚀 Deploy 🚀 the 🚀 rocket 🚀 service 🚀 today"),
    started("3", "e\u0301te\u0301 cafe\u0301 re\u0301sume\u0301 with combining marks all along"),
    finished("2"),
  ];

  test("every line fits every width from 10 to 160 columns, wide characters counted as two; the ID and step come first", () => {
    const now = Date.now();
    const view = fold(wide(), now);
    for (let width = 10; width <= 160; width++) {
      for (const line of laneBlock(view, now, width, 40)) expect(displayWidth(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
    }
    const at40 = laneBlock(view, now, 40, 40);
    expect(at40[0]).toMatch(/^◐ 1 実装.*… · implementing · [\d.]+ s$/);
    expect(at40[1]).toMatch(/^◌ 2 🚀.*… · queued for merge · [\d.]+ s$/);
    expect(at40[3]).toBe("⇄ merge queue: queued 2 · 3 in flight");
    // At the widest the whole title and every piece are there.
    expect(laneBlock(view, now, 160, 40)[0]).toMatch(/^◐ 1 実装する：ユーザー認証とセッション管理のモジュール · implementing · [\d.]+ s · attempt 1\/3 · codex · window @1$/);
  });

  test("control characters in a title or a reason cannot move the cursor", () => {
    const now = Date.now();
    const view = fold([started("1", "evil\x1b[2J\x1b[Htitle"), finished("1", "failed")], now);
    view.lanes[0]!.note = "bad\rreason\x1b[31m";
    const line = laneLine(view.lanes[0]!, now, 200);
    expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(line).toContain("evil\uFFFD[2J\uFFFD[Htitle");
  });

  test("more units than the terminal has rows: the block keeps to the height and says how many more are in flight", () => {
    const now = Date.now();
    const view = fold(Array.from({ length: 12 }, (_, i) => started(String(i + 1), `Unit ${i + 1}`)), now);
    const lines = laneBlock(view, now, 100, 6);
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 4).map((l) => l.split(" ")[1])).toEqual(["1", "2", "3", "4"]);
    expect(lines[4]).toBe("… 8 more in flight");
    expect(lines[5]).toStartWith("⇄ merge queue: empty · 12 in flight");
    expect(laneBlock(view, now, 100, 1)).toHaveLength(2);
  });

  test("the queue line cuts a long queue, never the count of units in flight first", () => {
    const now = Date.now();
    const ids = Array.from({ length: 30 }, (_, i) => String(i + 1));
    const view = fold([...ids.map((id) => started(id, `U${id}`)), ...ids.map((id) => finished(id))], now);
    const line = queueLine(view, now, 60);
    expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(line).toMatch(/^⇄ merge queue: queued 1, 2, 3, .*… · 30 in flight · run 1m 05s$/);
  });
});

/** A small terminal: \r, \n (scrolling off the top), CSI n A, CSI J, CSI 2K, and printable text (one cell a character). */
function terminal(columns: number, rows: number) {
  let screen: string[] = [""];
  let row = 0;
  let col = 0;
  const put = (ch: string) => {
    const line = screen[row]!.padEnd(col, " ");
    screen[row] = line.slice(0, col) + ch + line.slice(col + 1);
    col += 1;
  };
  const write = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === "\r") col = 0;
      else if (ch === "\n") {
        row += 1;
        col = 0;
        if (row >= screen.length) screen.push("");
      } else if (ch === "\x1b") {
        const m = /^\x1b\[(\d*)([AJK])/.exec(text.slice(i));
        if (!m) throw new Error(`unexpected escape at ${JSON.stringify(text.slice(i, i + 8))}`);
        const n = Number(m[1] || "0");
        if (m[2] === "A") row = Math.max(0, row - Math.max(1, n));
        else if (m[2] === "J") screen = [...screen.slice(0, row), screen[row]!.slice(0, col)];
        else screen[row] = "";
        i += m[0].length - 1;
      } else {
        if (col >= columns) throw new Error(`a line wider than the terminal: ${screen[row]}`);
        put(ch);
      }
    }
    while (screen.length > 10_000) (screen.shift(), (row -= 1));
  };
  const stream = { columns, rows, write: (text: string) => (write(text), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => screen.map((l) => l.trimEnd()) };
}

describe("the block on a terminal", () => {
  test("redrawn in place: finished units scroll above, the block is always the last lines, nothing left behind", () => {
    process.env.NO_COLOR = "1";
    const term = terminal(100, 30);
    const display = createLiveDisplay(term.stream);
    display.report({ type: "run-started", specName: "feat", runner: "direct", attach: null });
    for (const event of busy()) display.report(event);
    let lines = term.lines();
    expect(lines).toHaveLength(9);
    expect(lines.slice(0, 3)).toEqual(["✔ 10 Tenth (2.0 s, attempt 1)", "✔ 3 Third (2.0 s, attempt 1)", "✔ 2 Second (2.0 s, attempt 1)"]);
    expect(lines.slice(3).map((l) => l.split(" · ")[0])).toEqual(["⇄ 2 Second", "◌ 3 Third", "◐ 4 Fourth", "◐ 5 Fifth", "◌ 10 Tenth", "⇄ merge queue: merging 2"]);
    // Unit 2 merges: its line goes, a line about it scrolls above, the block shrinks by one.
    display.report(stepOf("2", "merge", "merged onto main at 0123456789 (1 commit)"));
    lines = term.lines();
    expect(lines[3]).toBe("✔ 2 Second: merged onto main at 0123456789 (1 commit)");
    expect(lines.slice(4).map((l) => l.split(" · ")[0])).toEqual(["◌ 3 Third", "◐ 4 Fourth", "◐ 5 Fifth", "◌ 10 Tenth", "⇄ merge queue: queued 3, 10"]);
    expect(lines).toHaveLength(9);
    for (const id of ["3", "10", "4", "5"]) {
      display.report(stepOf(id, "merging", "onto main"));
      display.report(stepOf(id, "merge", `merged onto main at ${id}0000 (1 commit)`));
    }
    display.close();
    lines = term.lines();
    // Every unit's merge line above, and no block left: the cursor is on an empty last line.
    expect(lines.filter((l) => l.includes("merged onto main"))).toHaveLength(5);
    expect(lines.at(-1)).toBe("");
    expect(lines.some((l) => l.includes("merge queue") || l.includes("implementing"))).toBe(false);
  });

  test("after the terminal is made narrower, the redraw climbs over the rows the old lines wrapped into", () => {
    let written = "";
    const stream = { columns: 100, rows: 30, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream;
    const display = createLiveDisplay(stream);
    for (const id of ["1", "2"]) display.report(started(id, "x".repeat(80)));
    written = "";
    display.report(stepOf("1", "verify", "`true` passed"));
    // Three lines of up to 99 columns on 100: up 2.
    expect(written).toStartWith("\r\x1b[2A\x1b[J");
    (stream as { columns: number }).columns = 40;
    written = "";
    display.report(stepOf("2", "verify", "`true` passed"));
    // The same lines now take ceil(99 / 40) = 3 rows each, the queue line fewer.
    const up = Number(/^\r\x1b\[(\d+)A\x1b\[J/.exec(written)?.[1]);
    expect(up).toBeGreaterThanOrEqual(6);
    display.close();
  });
});

describe("--json lines", () => {
  test("every event carries unitId after its type: the unit's ID, or null on an event about the run", async () => {
    const { jsonLine } = await import("../../src/cli/run-reporter.ts");
    const parsed = (event: Parameters<typeof jsonLine>[0]) => JSON.parse(jsonLine(event)) as Record<string, unknown>;
    expect(Object.keys(parsed(started("2.1", "Sub")))).toEqual(["time", "type", "unitId", "title", "attempt", "maxAttempts", "backend", "where", "log", "windowId", "worktree", "review"]);
    expect(parsed(started("2.1", "Sub")).unitId).toBe("2.1");
    expect(parsed(stepOf("7", "merging", "onto main"))).toMatchObject({ type: "unit-step", unitId: "7", step: "merging" });
    for (const event of [
      { type: "run-started", specName: "f", runner: "direct", attach: null },
      { type: "warning", message: "w" },
      { type: "sleeping", untilMs: 1 },
      { type: "spec-changed", detail: "d" },
      { type: "run-ended", final: "complete", unit: "3" },
    ] as const) expect(parsed(event).unitId).toBeNull();
  });
});
