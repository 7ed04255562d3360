// Display width of fitted and padded lines: CJK and emoji take two columns, combining marks none; the status
// line keeps unit, attempt and elapsed time and cuts the title; the summary table lines up and does not wrap.
import { describe, expect, test } from "bun:test";
import { cutToWidth, displayWidth, padToWidth } from "../../src/cli/display-width.ts";
import { statusLine } from "../../src/cli/live-display.ts";
import { summaryTable } from "../../src/cli/run-reporter.ts";
import { emptyView, foldEvent, type RunView } from "../../src/cli/run-view.ts";

const TITLES = {
  cjk: "사용자 인증 흐름을 구현하고 세션 토큰을 저장한다 그리고 만료를 처리한다",
  emoji: "Ship the 🚀 launch page with ✅ checks and 🎉 confetti for every new signup",
  combining: "Cafe\u0301 cre\u0300me bru\u0302le\u0301e: re\u0301sume\u0301 the nai\u0308ve coo\u0308perative flow",
};

function viewRunning(title: string, now: number): RunView {
  const view = emptyView(now - 65_000);
  foldEvent(view, { type: "run-started", specName: "s", attach: "tmux -L sock attach -t sequential-s" } as never, now);
  foldEvent(view, { type: "unit-next", unitId: "12.3", title, position: 4, total: 9, nextId: "12.4" }, now - 5_000);
  foldEvent(view, { type: "unit-started", unitId: "12.3", attempt: 2, maxAttempts: 3, backend: "command", windowId: "@7", log: "/x", where: "tmux" } as never, now - 5_000);
  return view;
}

describe("display width", () => {
  test("widths, cuts between graphemes, padding by columns", () => {
    expect(displayWidth("한국어")).toBe(6);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(cutToWidth("한국어", 5)).toBe("한국…");
    expect(displayWidth(cutToWidth(TITLES.combining, 7))).toBeLessThanOrEqual(7);
    // A combining mark is never split from its letter.
    expect(cutToWidth("e\u0301e\u0301e\u0301", 2)).toBe("e\u0301…");
    expect(padToWidth("한", 4)).toBe("한  ");
    expect(padToWidth("7", 3, "start")).toBe("  7");
  });

  for (const [kind, title] of Object.entries(TITLES)) {
    for (const width of [139, 79, 60]) {
      test(`status line with a ${kind} title fits ${width} columns, keeping unit, attempt and elapsed`, () => {
        const now = Date.now();
        const line = statusLine(viewRunning(title, now), now, width);
        expect(displayWidth(line)).toBeLessThanOrEqual(width);
        expect(line).toContain("◐ unit 4/9: 12.3 ");
        expect(line).toContain("· attempt 2/3 ·");
        expect(line).toMatch(/· 5\.0 s \(run 1m 05s\)/);
        if (width < 80) expect(line).toContain("…");
      });
    }
  }

  test("control characters in a title (an escape sequence, a tab) are drawn as U+FFFD, never sent", () => {
    const now = Date.now();
    const line = statusLine(viewRunning("Evil \x1b[2J\x1b]0;pwned\x07\ttitle", now), now, 139);
    expect(line).not.toMatch(/[\x00-\x1f]/);
    expect(line).toContain("Evil \uFFFD[2J\uFFFD]0;pwned\uFFFD\uFFFDtitle");
  });

  test("at 80 columns the title is cut before the attempt or the timer; at 200 everything shows", () => {
    const now = Date.now();
    const narrow = statusLine(viewRunning(TITLES.cjk, now), now, 79);
    expect(narrow.indexOf("attempt")).toBeGreaterThan(narrow.indexOf("…"));
    const wide = statusLine(viewRunning("Short", now), now, 199);
    expect(wide).toContain("◐ unit 4/9: 12.3 Short · attempt 2/3 · command · 5.0 s (run 1m 05s) · next: 12.4 · tmux -L sock attach -t sequential-s \\; select-window -t @7");
  });

  test("the summary table's columns line up by display width and fit the terminal", () => {
    const view = emptyView(Date.now());
    for (const [i, title] of Object.values(TITLES).entries()) {
      foldEvent(view, { type: "unit-next", unitId: String(i + 1), title, position: i + 1, total: 3, nextId: null }, Date.now());
      foldEvent(view, { type: "attempt-finished", unitId: String(i + 1), attempt: 1, status: "done", durationMs: 754_000, reason: "", log: "/x", tokens: null }, Date.now());
    }
    for (const columns of [140, 80]) {
      const table = summaryTable(view, columns);
      const rows = table.slice(0, 4);
      // "Time" starts where every row's duration starts, in columns.
      const timeAt = displayWidth(rows[0]!.slice(0, rows[0]!.indexOf("Time")));
      for (const row of rows.slice(1)) {
        expect(displayWidth(row.slice(0, row.indexOf("12m 34s")))).toBe(timeAt);
        expect(row.endsWith("12m 34s")).toBe(true);
      }
      for (const line of table) {
        expect(line).not.toContain("\n");
        expect(displayWidth(line)).toBeLessThan(columns);
        expect(line).toBe(line.trimEnd());
      }
    }
  });

  test("with tokens, the Tokens column lines up under its heading", () => {
    const view = emptyView(Date.now());
    for (const [i, title] of ["한국어 제목", "plain"].entries()) {
      foldEvent(view, { type: "unit-next", unitId: String(i + 1), title, position: i + 1, total: 2, nextId: null }, Date.now());
      foldEvent(view, { type: "attempt-finished", unitId: String(i + 1), attempt: 1, status: "done", durationMs: 1_000, reason: "", log: "/x", tokens: i === 0 ? 12345 : null }, Date.now());
    }
    const [head, first, second] = summaryTable(view, 100);
    expect(displayWidth(head!)).toBe(displayWidth(first!));
    expect(displayWidth(head!)).toBe(displayWidth(second!));
    // Then the Cost column: "-" for an event without a usage record.
    expect(first).toMatch(/12345\s+-$/);
    expect(second).toMatch(/-\s+-$/);
  });
});
