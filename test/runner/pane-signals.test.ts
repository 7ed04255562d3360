// The panes' end-of-attempt FIFO: real FIFOs, written by real shells the way the attempt script writes them.
import { afterAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPaneSignals } from "../../src/runner/pane-signals.ts";

const root = mkdtempSync(join(tmpdir(), "seqorch-signals-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = () => join(root, `signals-${++counter}`);
const never = new AbortController().signal;

/** What the attempt script runs at its end: one line into the FIFO, opened read-write so that it never blocks. */
function paneWrites(path: string, channel: string): number | null {
  return Bun.spawnSync(["/bin/sh", "-c", 'echo "$1" 1<>"$2" 2>/dev/null', "sh", channel, path], { timeout: 5000 }).exitCode;
}

describe("pane signals", () => {
  test("the FIFO is made with mode 0600, and a pane's line wakes the wait for its channel only", async () => {
    const path = fresh();
    const signals = openPaneSignals(path)!;
    expect(signals).not.toBeNull();
    const stat = lstatSync(path);
    expect(stat.isFIFO()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
    let other = false;
    void signals.wait("chan-other", never).then(() => (other = true));
    const woken = signals.wait("chan-a", never);
    expect(paneWrites(path, "chan-a")).toBe(0);
    expect(await woken).toBe(true);
    expect(other).toBe(false);
    signals.close();
    await Bun.sleep(0);
    expect(other).toBe(true); // closing settles what still waits (false)
  });

  test("a line that came before its wait is kept; parallel panes' lines are told apart", async () => {
    const path = fresh();
    const signals = openPaneSignals(path)!;
    const channels = Array.from({ length: 20 }, (_, i) => `chan-${i}`);
    const writers = channels.map((c) => Bun.spawn(["/bin/sh", "-c", 'echo "$1" 1<>"$2"', "sh", c, path]));
    await Promise.all(writers.map((w) => w.exited));
    await Bun.sleep(50);
    const results = await Promise.all(channels.map((c) => Promise.race([signals.wait(c, never), Bun.sleep(2000).then(() => "timeout")])));
    expect(results).toEqual(channels.map(() => true));
    signals.close();
  });

  test("an aborted wait resolves false; a pane whose reader is gone does not block", async () => {
    const path = fresh();
    const signals = openPaneSignals(path)!;
    const stop = new AbortController();
    const waiting = signals.wait("chan-x", stop.signal);
    stop.abort();
    expect(await waiting).toBe(false);
    signals.close();
    // No reader at all now: the pane's line is dropped and its shell goes on (within the spawn's timeout).
    expect(paneWrites(path, "chan-y")).toBe(0);
    // The FIFO stays for the next run, which reads it again.
    const again = openPaneSignals(path)!;
    const woken = again.wait("chan-z", never);
    expect(paneWrites(path, "chan-z")).toBe(0);
    expect(await woken).toBe(true);
    again.close();
  });

  test("something else at the path is left as it is, and there are no signals", () => {
    const path = fresh();
    writeFileSync(path, "a user's file\n");
    expect(openPaneSignals(path)).toBeNull();
    expect(readFileSync(path, "utf8")).toBe("a user's file\n");
    expect(openPaneSignals(join(root, "no-such-folder", "signals"))).toBeNull();
  });
});
