// capLog against a real writer process appending (O_APPEND) while the log is trimmed: after every trim the log is
// the note, then a run of consecutive numbers with nothing lost after the kept tail; memory stays flat.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capLog } from "../../src/runner/log-cap.ts";

const dir = mkdtempSync(join(tmpdir(), "seqorch-logcap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Gaps in the numbered lines after the note (the first line may be cut mid-number, the last still being written). */
function gapsIn(text: string): string[] {
  const lines = text.split("\n");
  const numbers = lines.slice(2, -1).map(Number);
  return numbers.flatMap((n, i) => (i > 0 && n !== numbers[i - 1]! + 1 ? [`${numbers[i - 1]} → ${n}`] : []));
}

describe("capLog", () => {
  test("trims while a process appends a line per write: nothing after the kept tail is ever lost", async () => {
    const log = join(dir, "count.log");
    writeFileSync(log, "");
    const fd = openSync(log, "a");
    const writer = Bun.spawn(["awk", "BEGIN { for (i = 1; i <= 4000000; i++) { print i; fflush() } }"], { stdout: fd, detached: true });
    closeSync(fd);
    const problems: string[] = [];
    let trims = 0;
    const cap = 256 * 1024;
    while (writer.exitCode === null && trims < 40) {
      await Bun.sleep(5);
      if (capLog(log, cap, writer.pid) === 0) continue;
      trims++;
      const text = readFileSync(log, "utf8");
      if (!text.startsWith("[seqorch: ")) problems.push(`trim ${trims}: the note was overwritten: ${JSON.stringify(text.slice(0, 40))}`);
      problems.push(...gapsIn(text).map((g) => `trim ${trims}: gap ${g}`));
    }
    writer.kill("SIGKILL");
    await writer.exited;
    expect(trims).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  }, 60_000);

  test("output without newlines: a tail of about the cap is kept", () => {
    const log = join(dir, "flat.log");
    writeFileSync(log, "z".repeat(5_000_000) + "END");
    const cut = capLog(log, 1_000_000);
    const size = statSync(log).size;
    expect(cut).toBeGreaterThan(0);
    expect(size).toBeLessThanOrEqual(1_000_000);
    expect(size).toBeGreaterThan(750_000);
    expect(readFileSync(log, "utf8").endsWith("zzzEND")).toBe(true);
  });

  test("a large cap does not take memory the size of the cap", () => {
    const log = join(dir, "big.log");
    const fd = openSync(log, "w");
    const block = Buffer.alloc(1024 * 1024, "a\n");
    for (let i = 0; i < 300; i++) writeFileSync(fd, block);
    closeSync(fd);
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    capLog(log, 200 * 1024 * 1024);
    const grew = process.memoryUsage().rss - before;
    expect(statSync(log).size).toBeLessThanOrEqual(200 * 1024 * 1024);
    expect(grew).toBeLessThan(20 * 1024 * 1024);
  });
});
