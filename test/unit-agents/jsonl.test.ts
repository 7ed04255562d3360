// The JSONL reader: streaming, long and non-JSON lines skipped, chunk boundaries, missing files.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readJsonl, stderrSummary } from "../../src/agents/jsonl.ts";

const dir = mkdtempSync(join(tmpdir(), "seqorch-jsonl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `f${++n}.jsonl`);
  writeFileSync(path, content);
  return path;
}
async function all(path: string, max?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const event of readJsonl(path, max)) out.push(event);
  return out;
}

describe("readJsonl", () => {
  test("objects in order; non-JSON lines, arrays, scalars and blank lines skipped; last line without newline kept", async () => {
    const path = file('{"a":1}\nWARNING: not json\n\n[1,2]\n42\n{"b":"x"}\r\n  {"c":true}');
    expect(await all(path)).toEqual([{ a: 1 }, { b: "x" }, { c: true }]);
  });

  test("a line longer than the limit is skipped, the lines around it are kept", async () => {
    const long = `{"big":"${"x".repeat(5000)}"}`;
    const path = file(`{"n":1}\n${long}\n{"n":2}\n`);
    expect(await all(path, 1000)).toEqual([{ n: 1 }, { n: 2 }]);
    expect((await all(path)).length).toBe(3);
  });

  test("lines spanning many read chunks, and a multi-byte character cut between chunks", async () => {
    const text = "é".repeat(70_000); // 140 000 bytes: three 64 KiB chunks, cuts inside characters
    const path = file(`{"t":"${text}"}\n{"after":1}\n`);
    const events = (await all(path)) as { t?: string; after?: number }[];
    expect(events[0]!.t).toBe(text);
    expect(events[1]).toEqual({ after: 1 });
  });

  test("a 10 MiB+ line (the default limit) is skipped without keeping it", async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, "a");
    const path = file(Buffer.concat([Buffer.from('{"n":1}\n{"x":"'), big, Buffer.from('"}\n{"n":2}\n')]));
    expect(await all(path)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test("a missing file yields nothing", async () => {
    expect(await all(join(dir, "nope.jsonl"))).toEqual([]);
  });
});

describe("stderrSummary", () => {
  test("the last meaningful lines, without colour codes, known warnings or stack frames", () => {
    const path = file(
      "Warning: 256-color support not detected.\nRipgrep is not available. Falling back to GrepTool.\n\x1b[31mError: boom\x1b[0m\n    at foo (x.js:1:1)\n{\n}\nsecond problem\n",
    );
    expect(stderrSummary(path)).toBe("Error: boom | second problem");
    expect(stderrSummary(join(dir, "missing.err"))).toBe("");
  });
});
