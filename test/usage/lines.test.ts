// The line reader behind usage parsing (src/usage/lines.ts): with a needle it skips the lines without it, chunk by
// chunk, and must still find every line that holds it, wherever the 64 KiB chunks cut the file.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newCursor, readAllLines, readNewLines } from "../../src/usage/lines.ts";

const dir = mkdtempSync(join(tmpdir(), "seqorch-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lines of varied lengths; every `every`-th one holds the needle, at varied places in the line. */
function text(lines: number, every: number, seed: number): string[] {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) >>> 0) % 997);
  return Array.from({ length: lines }, (_, i) => {
    const filler = "y".repeat(next());
    return i % every === 0 ? `${filler.slice(0, next() % (filler.length + 1))}<usage>{"n":${i}}</usage>${filler}` : `${filler}${i}`;
  });
}

describe("readAllLines with a needle", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`finds exactly the lines holding it, across chunk boundaries (seed ${seed})`, () => {
      const lines = text(4_000, 7 + seed, seed);
      const file = join(dir, `log-${seed}`);
      writeFileSync(file, lines.join("\n") + (seed % 2 ? "\n" : ""));
      const found: string[] = [];
      readAllLines(file, (line) => found.push(line), "<usage>");
      expect(found).toEqual(lines.filter((l) => l.includes("<usage>")));
    });
  }

  test("a needle cut in two by a chunk boundary, and a file read while it grows", () => {
    const file = join(dir, "grow");
    const head = "x".repeat(64 * 1024 - 3); // the needle starts 3 bytes before the first chunk ends
    writeFileSync(file, `${head}<usage>1</usage>\nplain\n`);
    const cursor = newCursor("<usage>");
    const found: string[] = [];
    readNewLines(file, cursor, (l) => found.push(l));
    writeFileSync(file, `${head}<usage>1</usage>\nplain\nno<us`, { flag: "w" });
    readNewLines(file, cursor, (l) => found.push(l));
    writeFileSync(file, `${head}<usage>1</usage>\nplain\nno<usage>2</usage>\n`, { flag: "w" });
    readNewLines(file, cursor, (l) => found.push(l));
    expect(found).toEqual([`${head}<usage>1</usage>`, "no<usage>2</usage>"]);
  });
});
