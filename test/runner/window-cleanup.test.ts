// Closing the windows of finished attempts (window-cleanup.ts), with an injected tmux client: only dead `task-…`
// panes are closed, in one client call; live agents, seqorch's own window and a vanished session are left alone.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TmuxResult } from "../../src/runner/tmux-client.ts";
import { fakeTmuxClient } from "./fake-tmux.ts";
import { createTmuxRunner } from "../../src/runner/tmux.ts";
import { closeFinishedWindows } from "../../src/runner/window-cleanup.ts";

/** The fake client; its calls without `tmux -L fake`. */
const fake = (replies: Record<string, TmuxResult[]>) => fakeTmuxClient(replies, false);

const WINDOWS = "@0\t0\tseqorch\n@1\t1\ttask-1\n@2\t0\ttask-2\n@3\t1\ttask-3.1\n@4\t1\tnotes\n";

describe("closeFinishedWindows", () => {
  test("closes only the dead task windows, in one tmux call", async () => {
    const { calls, client } = fake({ "list-windows": [{ code: 0, stdout: WINDOWS, stderr: "" }] });
    expect(await closeFinishedWindows(client, "$3")).toBe(2);
    expect(calls).toEqual([
      ["list-windows", "-t", "$3", "-F", "#{window_id}\t#{pane_dead}\t#{window_name}"],
      ["kill-window", "-t", "@1", ";", "kill-window", "-t", "@3"],
    ]);
  });

  test("nothing finished, or the session gone: no kill at all", async () => {
    const alive = fake({ "list-windows": [{ code: 0, stdout: "@0\t0\tseqorch\n@2\t0\ttask-2\n", stderr: "" }] });
    expect(await closeFinishedWindows(alive.client, "$3")).toBe(0);
    expect(alive.calls).toHaveLength(1);
    const gone = fake({ "list-windows": [{ code: 1, stdout: "", stderr: "can't find session: $3\n" }] });
    expect(await closeFinishedWindows(gone.client, "$3")).toBe(0);
    expect(gone.calls).toHaveLength(1);
  });

  test("the runner closes them when it finds the run's session, unless keepWindows", async () => {
    for (const keepWindows of [false, true]) {
      const { calls, client } = fake({
        "list-sessions": [{ code: 0, stdout: "$3 run_1\n", stderr: "" }],
        "list-windows": [{ code: 0, stdout: WINDOWS, stderr: "" }],
        "new-window": [{ code: 0, stdout: "@5 %5 55\n", stderr: "" }],
      });
      const runner = createTmuxRunner({ sessionName: "run.1", client, keepWindows });
      const dir = mkdtempSync(join(tmpdir(), "seqorch-wc-"));
      try {
        await runner.start({ argv: ["true"], env: {}, cwd: dir, stdinFile: null, outLog: join(dir, "out.log"), errLog: join(dir, "err.log"), attemptDir: dir, windowName: "task-9" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(calls.some((c) => c[0] === "kill-window")).toBe(!keepWindows);
      expect(calls.some((c) => c[0] === "list-windows")).toBe(!keepWindows);
    }
  });

  test("only at the first lookup: a session found again later in the run keeps this run's windows", async () => {
    const { calls, client } = fake({
      "list-sessions": [
        { code: 0, stdout: "$3 run_1\n", stderr: "" },
        { code: 0, stdout: "$3 run_1\n", stderr: "" },
      ],
      "list-windows": [{ code: 0, stdout: WINDOWS, stderr: "" }],
      "new-window": [
        { code: 0, stdout: "@5 %5 55\n", stderr: "" },
        { code: 1, stdout: "", stderr: "can't find session: $3\n" },
        { code: 0, stdout: "@6 %6 66\n", stderr: "" },
      ],
    });
    const runner = createTmuxRunner({ sessionName: "run.1", client });
    const dir = mkdtempSync(join(tmpdir(), "seqorch-wc-"));
    try {
      for (const name of ["task-1", "task-2"]) {
        await runner.start({ argv: ["true"], env: {}, cwd: dir, stdinFile: null, outLog: join(dir, "out.log"), errLog: join(dir, "err.log"), attemptDir: dir, windowName: name });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(calls.filter((c) => c[0] === "list-sessions")).toHaveLength(2);
    expect(calls.filter((c) => c[0] === "list-windows")).toHaveLength(1);
  });
});
