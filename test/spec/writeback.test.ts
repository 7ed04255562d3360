// applyMarks / writeMarks: only the checkbox character changes; tasks are found again after user edits (kiro-tasks-format.md Part 2).
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpecNotFoundError } from "../../src/errors.ts";
import { applyMarks, type MarkChange, writeMarks } from "../../src/spec/writeback.ts";

const change = (key: string, title: string, to: MarkChange["to"], onlyIf?: MarkChange["onlyIf"]): MarkChange => ({
  key,
  id: key.split("#")[0] ?? key,
  title,
  to,
  ...(onlyIf ? { onlyIf } : {}),
});

/** Offsets where two equal-length byte strings differ. */
function diffOffsets(a: Uint8Array, b: Uint8Array): number[] {
  expect(b.length).toBe(a.length);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

const CRLF_TAB_BOM = "\uFEFF# Plan \r\n\r\n- [ ] 1. One  \r\n\t- [ ] 1.1 Sub\t\r\n\t\t- _Requirements: 1.1_\r\n- [x] 2. Two\r\n";

describe("applyMarks", () => {
  test("a CRLF + tab + BOM file changes in exactly one byte", () => {
    const out = applyMarks(CRLF_TAB_BOM, "tasks.md", [change("1.1", "Sub", "x")]);
    expect(out).toEqual({ text: CRLF_TAB_BOM.replace("\t- [ ] 1.1", "\t- [x] 1.1"), applied: ["1.1"], missing: [], skipped: [] });
    const before = Buffer.from(CRLF_TAB_BOM);
    expect(diffOffsets(before, Buffer.from(out.text))).toEqual([before.indexOf("\t- [ ] 1.1") + 4]);
  });

  test("letter IDs (14a.1, 2.1b) and a full-width colon after the ID: the box of that line, found on its recorded line too", () => {
    const text = "- [ ] 14a. X\n  - [ ] 14a.1 a\n  - [ ] 2.1 b\n  - [ ] 2.1b c\n- [ ] 3：建立项目\n";
    const out = applyMarks(text, "tasks.md", [change("14a.1", "a", "x"), change("2.1b", "c", "x"), change("3", "建立项目", "x")]);
    expect(out.applied).toEqual(["14a.1", "2.1b", "3"]);
    expect(out.text).toBe("- [ ] 14a. X\n  - [x] 14a.1 a\n  - [ ] 2.1 b\n  - [x] 2.1b c\n- [x] 3：建立项目\n");
    const atLine = applyMarks(text, "tasks.md", [{ ...change("3", "建立项目", "-"), line: 5 }]);
    expect(atLine.text.split("\n")[4]).toBe("- [-] 3：建立项目");
  });

  const cases: { name: string; text: string; changes: MarkChange[]; lines: string[]; applied: string[]; missing: string[]; skipped: string[] }[] = [
    {
      name: "by key",
      text: "- [ ] 1. One\n- [ ] 2. Two\n",
      changes: [change("2", "Two", "-")],
      lines: ["- [ ] 1. One", "- [-] 2. Two"],
      applied: ["2"],
      missing: [],
      skipped: [],
    },
    {
      name: "a repeated ID: the key targets the second line",
      text: "- [-] 13. G\n  - [ ]* 13.4 Property test\n  - [ ] 13.4 Update handleReturn()\n",
      changes: [change("13.4#2", "Update handleReturn()", "x")],
      lines: ["- [-] 13. G", "  - [ ]* 13.4 Property test", "  - [x] 13.4 Update handleReturn()"],
      applied: ["13.4#2"],
      missing: [],
      skipped: [],
    },
    {
      name: "the user inserted a task with the same ID: found by id+title",
      text: "- [ ] 3. Inserted by the user\n- [ ] 3. Original three\n",
      changes: [change("3", "Original three", "x")],
      lines: ["- [ ] 3. Inserted by the user", "- [x] 3. Original three"],
      applied: ["3"],
      missing: [],
      skipped: [],
    },
    {
      name: "the task was renumbered: found by its unique title",
      text: "- [ ] 1. New first\n- [ ] 2. Was one\n",
      changes: [change("1", "Was one", "x")],
      lines: ["- [ ] 1. New first", "- [x] 2. Was one"],
      applied: ["1"],
      missing: [],
      skipped: [],
    },
    {
      name: "a task that is gone is missing, nothing changes",
      text: "- [ ] 1. One\n",
      changes: [change("2", "Two", "x")],
      lines: ["- [ ] 1. One"],
      applied: [],
      missing: ["2"],
      skipped: [],
    },
    {
      name: "onlyIf: a done task is not set back to in-progress",
      text: "- [x] 1. One\n- [~] 2. Two\n",
      changes: [change("1", "One", "-", [" ", "~"]), change("2", "Two", "-", [" ", "~"])],
      lines: ["- [x] 1. One", "- [-] 2. Two"],
      applied: ["2"],
      missing: [],
      skipped: ["1"],
    },
    {
      name: "several changes, other markers, optional marker and a nested list marker",
      text: "* [ ] 1. Star\n+ [ ]\\* 2. Plus optional\n- - [ ] 3. Nested marker\n",
      changes: [change("3", "Nested marker", "X"), change("1", "Star", "x"), change("2", "Plus optional", "~")],
      lines: ["* [x] 1. Star", "+ [~]\\* 2. Plus optional", "- - [X] 3. Nested marker"],
      applied: ["1", "2", "3"],
      missing: [],
      skipped: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = applyMarks(c.text, "tasks.md", c.changes);
      expect(out.text).toBe(`${c.lines.join("\n")}\n`);
      expect([out.applied.sort(), out.missing, out.skipped]).toEqual([c.applied, c.missing, c.skipped]);
    });
  }

  test("a line inside a code fence is never touched", () => {
    const text = "```\n- [ ] 1. One\n```\n- [ ] 1. One\n";
    expect(applyMarks(text, "tasks.md", [change("1", "One", "x")]).text).toBe("```\n- [ ] 1. One\n```\n- [x] 1. One\n");
  });
});

describe("writeMarks", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = "";
  });
  const fixture = (content: string | Uint8Array, mode = 0o644): string => {
    dir = mkdtempSync(join(tmpdir(), "seqorch-writeback-"));
    const path = join(dir, "tasks.md");
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };

  test("round trip on a CRLF + tab + BOM file: one byte differs, mode kept, no temporary file left", async () => {
    const path = fixture(CRLF_TAB_BOM, 0o640);
    const before = readFileSync(path);
    expect(await writeMarks(path, [change("1", "One", "x")])).toMatchObject({ applied: ["1"], missing: [], skipped: [] });
    const after = readFileSync(path);
    expect(diffOffsets(before, after)).toEqual([before.indexOf("- [ ] 1. One") + 3]);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["tasks.md"]);
  });

  test("the mode survives a umask that would mask it", async () => {
    const path = fixture("- [ ] 1. One\n", 0o666);
    await writeMarks(path, [change("1", "One", "x")]);
    expect(statSync(path).mode & 0o777).toBe(0o666);
  });

  test("re-reads the file: a task the user inserted meanwhile does not receive the mark", async () => {
    const path = fixture("- [ ] 1. One\n- [ ] 2. Two\n");
    writeFileSync(path, "- [ ] 1. One\n- [ ] 2. Inserted\n- [ ] 2. Two\n");
    await writeMarks(path, [change("2", "Two", "x")]);
    expect(readFileSync(path, "utf8")).toBe("- [ ] 1. One\n- [ ] 2. Inserted\n- [x] 2. Two\n");
  });

  test("bytes that are not valid UTF-8 stay as they were", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("- [ ] 1. Caf"), 0xe9, ...new TextEncoder().encode(" \xA0\n- [ ] 2. Two\n")]);
    const path = fixture(bytes);
    await writeMarks(path, [change("2", "Two", "x")]);
    const after = readFileSync(path);
    expect(diffOffsets(bytes, after)).toEqual([after.lastIndexOf("[x]") + 1]);
  });

  test("nothing to apply leaves the file untouched", async () => {
    const path = fixture("- [x] 1. One\n");
    const mtime = statSync(path).mtimeMs;
    expect(await writeMarks(path, [change("1", "One", "-", [" "]), change("9", "Nine", "x")])).toMatchObject({ applied: [], missing: ["9"], skipped: ["1"] });
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  test("a missing file is SpecNotFoundError", async () => {
    dir = mkdtempSync(join(tmpdir(), "seqorch-writeback-"));
    await expect(writeMarks(join(dir, "tasks.md"), [change("1", "One", "x")])).rejects.toBeInstanceOf(SpecNotFoundError);
  });
});
