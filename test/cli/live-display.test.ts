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
});
