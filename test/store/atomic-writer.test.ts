// The state file's writer during a run: one spare file exchanged with it, so no write allocates or frees an inode.
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAtomicWriter, spareOf } from "../../src/store/atomic-write.ts";
import { loadExchange } from "../../src/store/rename-exchange.ts";
import { WriteError } from "../../src/errors.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function file(): string {
  const dir = mkdtempSync(join(tmpdir(), "seqorch-writer-"));
  dirs.push(dir);
  return join(dir, "SEQUENTIAL_STATE.json");
}
const bytes = (text: string) => Buffer.from(text);

describe("atomic writer", () => {
  test("on Linux renameat2 exchanges two files and reports a missing one", () => {
    const exchange = loadExchange();
    if (process.platform !== "linux") return expect(exchange).toBeNull();
    expect(exchange).not.toBeNull();
    const a = file();
    const b = `${a}.other`;
    writeFileSync(a, "a");
    writeFileSync(b, "b");
    expect(exchange!(a, b)).toBe(true);
    expect([readFileSync(a, "utf8"), readFileSync(b, "utf8")]).toEqual(["b", "a"]);
    expect(exchange!(a, `${a}.missing`)).toBe(false);
  });

  test("writes keep the file's inode and mode; the spare holds the previous content until close removes it", () => {
    const path = file();
    const writer = createAtomicWriter(path, loadExchange());
    writer.write(bytes("first"));
    chmodSync(path, 0o600);
    const inodes = new Set<number>();
    for (let i = 0; i < 5; i++) {
      writer.write(bytes(`write ${i}`), { durable: i % 2 === 0 });
      expect(readFileSync(path, "utf8")).toBe(`write ${i}`);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      inodes.add(statSync(path).ino);
      inodes.add(statSync(spareOf(path)).ino);
    }
    // Two inodes, exchanged back and forth: none made or freed after the first writes.
    if (process.platform === "linux") expect(inodes.size).toBe(2);
    expect(readFileSync(spareOf(path), "utf8")).toBe("write 3");
    writer.close();
    expect(existsSync(spareOf(path))).toBe(false);
    expect(readFileSync(path, "utf8")).toBe("write 4");
  });

  test("a shorter write after longer ones leaves nothing of them behind (the spare is written over and cut to length)", () => {
    const path = file();
    const writer = createAtomicWriter(path, loadExchange());
    for (const text of ["a long first state, longer than the rest", "a second long state, as long as that", "short", "mid-sized one"]) {
      writer.write(bytes(text));
      expect(readFileSync(path, "utf8")).toBe(text);
    }
    expect(readFileSync(spareOf(path), "utf8")).toBe("short");
    writer.close();
  });

  test("without an exchange, or when it fails, writes are renames and stay correct", () => {
    const path = file();
    const none = createAtomicWriter(path, null);
    none.write(bytes("one"));
    none.write(bytes("two"));
    expect(readFileSync(path, "utf8")).toBe("two");
    let calls = 0;
    const failing = createAtomicWriter(path, () => (++calls, false));
    failing.write(bytes("three"));
    failing.write(bytes("four"));
    expect(readFileSync(path, "utf8")).toBe("four");
    // One failed exchange of an existing file is enough to stop trying.
    expect(calls).toBe(1);
  });

  test("a write that cannot happen is a WriteError naming the file, which keeps its content", () => {
    const path = file();
    const writer = createAtomicWriter(path, loadExchange());
    writer.write(bytes("kept"));
    rmSync(spareOf(path), { force: true });
    // The spare's name taken by a folder: the write fails before anything is exchanged.
    require("node:fs").mkdirSync(spareOf(path));
    expect(() => writer.write(bytes("lost"))).toThrow(WriteError);
    expect(() => writer.write(bytes("lost"))).toThrow(path);
    expect(readFileSync(path, "utf8")).toBe("kept");
  });
});
