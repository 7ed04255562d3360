// The live display's colours: on by default on a terminal, off with NO_COLOR (only cursor control remains).
import { afterEach, describe, expect, test } from "bun:test";
import { createLiveDisplay, statusLine } from "../../src/cli/live-display.ts";
import { emptyView, foldEvent } from "../../src/cli/run-view.ts";

const noColor = process.env.NO_COLOR;
afterEach(() => {
  if (noColor === undefined) delete process.env.NO_COLOR;
  else process.env.NO_COLOR = noColor;
});

/** Everything the display writes for a finished unit, on a fake terminal. */
function drawFinishedUnit(): string {
  let written = "";
  const stream = { columns: 120, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream;
  const display = createLiveDisplay(stream);
  display.report({ type: "unit-next", unitId: "1", title: "First", position: 1, total: 2, nextId: "2" });
  display.report({ type: "attempt-finished", unitId: "1", attempt: 1, status: "done", durationMs: 1200, reason: "", log: "/x/out.log", tokens: null });
  display.close();
  return written;
}

describe("live display", () => {
  test("a finished unit is green on a terminal and plain with NO_COLOR", () => {
    delete process.env.NO_COLOR;
    expect(drawFinishedUnit()).toContain("\x1b[32m✔\x1b[39m 1 First (1.2 s, attempt 1)");
    process.env.NO_COLOR = "1";
    const plain = drawFinishedUnit();
    expect(plain).toContain("✔ 1 First (1.2 s, attempt 1)");
    expect(plain.replace(/\r\x1b\[2K/g, "")).not.toContain("\x1b[");
  });

  test("the status line is cut to the terminal's width", () => {
    const view = foldEvent(emptyView(Date.now()), { type: "unit-next", unitId: "1", title: "x".repeat(300), position: 1, total: 1, nextId: null }, Date.now());
    const line = statusLine(view, Date.now(), 80);
    expect(line.length).toBe(80);
    expect(line.endsWith("…")).toBe(true);
  });

  test("the loop's step is on the status line; a review's verdict and a decision get a line above it", () => {
    process.env.NO_COLOR = "1";
    let written = "";
    const stream = { columns: 160, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream;
    const display = createLiveDisplay(stream);
    display.report({ type: "unit-next", unitId: "2", title: "Second", position: 2, total: 2, nextId: null });
    display.report({ type: "unit-step", unitId: "2", step: "review", ok: true, detail: "reviewer 1 started; log /x" });
    expect(statusLine(display.view, Date.now(), 160)).toContain("review: reviewer 1 started");
    display.report({ type: "unit-step", unitId: "2", step: "review", ok: false, detail: "round 0: fix — [R1] major a.ts:3: Broken" });
    display.report({ type: "unit-step", unitId: "2", step: "decision", ok: false, detail: "review_exhausted: still blocking — answer with: seqorch decide …" });
    display.close();
    expect(written).toContain("⚑ 2 review: round 0: fix — [R1] major a.ts:3: Broken\n");
    expect(written).toContain("⚑ 2 decision: review_exhausted");
    expect(written).not.toContain("⚑ 2 review: reviewer 1 started");
  });
});
