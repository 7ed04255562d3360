// Writes/reads manifests: path normalisation, the folder-overlap rule, a unit's manifest from tasks.md, scope checks.
import { describe, expect, test } from "bun:test";
import { parseTasks } from "../../src/spec/parse.ts";
import { planUnits } from "../../src/spec/plan.ts";
import {
  filesOutsideManifest,
  manifestKind,
  normaliseManifestPath,
  pathsOverlap,
  unitManifest,
  writesOverlap,
} from "../../src/schedule/manifest.ts";

const md = (...lines: string[]): string => `${lines.join("\n")}\n`;

describe("normaliseManifestPath", () => {
  test.each([
    ["src/a.ts", "src/a.ts"],
    ["./src/a.ts", "src/a.ts"],
    ["`src/a.ts`", "src/a.ts"],
    ["src//lib/", "src/lib"],
    ["src\\win\\file.ts", "src/win/file.ts"],
    ["/src/a.ts", "src/a.ts"],
    ["src/./x/../b.ts", "src/b.ts"],
    ["cmd/root.go_", "cmd/root.go"],
    ["src/**/*.ts", "src"],
    ["src/*.test.ts", "src"],
    ["docs/{a,b}.md", "docs"],
    [".", ""],
    ["**", ""],
    ["/", ""],
    ["src/foo_bar.ts", "src/foo_bar.ts"],
  ])("%p → %p", (raw, expected) => {
    expect(normaliseManifestPath(raw)).toBe(expected);
  });

  test.each([[""], ["  "], ["``"], ["../outside.ts"], ["a/../../b"]])("%p → null (empty or outside the repository)", (raw) => {
    expect(normaliseManifestPath(raw)).toBeNull();
  });
});

describe("pathsOverlap", () => {
  test.each([
    ["src/a.ts", "src/a.ts", true],
    ["src", "src/a.ts", true],
    ["src/a.ts", "src", true],
    ["src/lib", "src/lib/deep/x.ts", true],
    ["", "anything", true],
    ["src/a.ts", "src/b.ts", false],
    ["src", "srcx/a.ts", false],
    ["src/a", "src/ab.ts", false],
    ["docs", "src/docs", false],
  ])("%p vs %p → %p", (a, b, expected) => {
    expect(pathsOverlap(a, b)).toBe(expected);
    expect(pathsOverlap(b, a)).toBe(expected);
  });
});

describe("writesOverlap and manifestKind", () => {
  test.each([
    [{ writes: ["src/a.ts"], reads: [] }, { writes: ["src/b.ts"], reads: [] }, false],
    [{ writes: ["src"], reads: [] }, { writes: ["test/x.ts", "src/b.ts"], reads: [] }, true],
    [{ writes: [], reads: ["src/a.ts"] }, { writes: ["src/a.ts"], reads: [] }, false],
    [{ writes: ["a"], reads: ["b"] }, { writes: ["b"], reads: ["a"] }, false],
  ])("%j with %j → %p (reads never overlap)", (a, b, expected) => {
    expect(writesOverlap(a, b)).toBe(expected);
  });

  test.each([
    [{ writes: ["x"], reads: [] }, "writes"],
    [{ writes: ["x"], reads: ["y"] }, "writes"],
    [{ writes: [], reads: ["y"] }, "reads-only"],
    [{ writes: [], reads: [] }, "none"],
  ] as const)("%j → %p", (manifest, kind) => {
    expect(manifestKind({ writes: [...manifest.writes], reads: [...manifest.reads] })).toBe(kind);
  });
});

describe("unitManifest from tasks.md", () => {
  const plan = planUnits(
    parseTasks(
      md(
        "- [ ] 1. Parent",
        "  - _writes: src/parser/, ./src/index.ts_",
        "  - [ ] 1.1 Child",
        "    - _Writes: `src/lexer.ts`, src/parser/deep.ts_",
        "    - _Reads: README.md, src/index.ts_",
        "- [ ] 2. Reader",
        "  - _reads: docs/_",
        "- [ ] 3. Nothing declared",
        "- [ ] 4. Trailing closer",
        "  - _writes: go.mod, cmd/root.go_",
      ),
      "tasks.md",
    ),
  );
  const byKey = (key: string) => {
    const unit = plan.units.find((u) => u.key === key);
    if (!unit) throw new Error(`no unit ${key}`);
    return unit;
  };

  test("a parent's manifest is the union over its sub-tasks, normalised; a path written and read counts as written", () => {
    expect(unitManifest(byKey("1"))).toEqual({
      writes: ["src/parser", "src/index.ts", "src/lexer.ts", "src/parser/deep.ts"],
      reads: ["README.md"],
    });
  });

  test("reads only, no manifest, and the trailing `_` of `_writes: a, b_`", () => {
    expect(manifestKind(unitManifest(byKey("2")))).toBe("reads-only");
    expect(manifestKind(unitManifest(byKey("3")))).toBe("none");
    expect(unitManifest(byKey("4")).writes).toEqual(["go.mod", "cmd/root.go"]);
  });

  test("without `_writes:` / `_reads:` the assignment's are the manifest; declared ones win over them", () => {
    expect(unitManifest(byKey("3"), { writes: ["lib/", "lib/x.ts"], reads: ["./docs"] })).toEqual({ writes: ["lib", "lib/x.ts"], reads: ["docs"] });
    expect(unitManifest(byKey("4"), { writes: ["other.ts"] }).writes).toEqual(["go.mod", "cmd/root.go"]);
    expect(unitManifest(byKey("2"), { reads: ["x.md"] }).reads).toEqual(["docs"]);
  });
});

describe("filesOutsideManifest", () => {
  const manifest = { writes: ["src/parser", "go.mod"], reads: ["README.md"] };
  test.each([
    [["src/parser/a.ts", "go.mod"], []],
    [["src/parser/a.ts", "src/other.ts"], ["src/other.ts"]],
    [["README.md"], ["README.md"]],
    [[".kiro/specs/f/tasks.md", "src/parserx.ts"], ["src/parserx.ts"]],
  ])("%j → %j (the spec folder is ignored, reads do not permit writing)", (changed, expected) => {
    expect(filesOutsideManifest(manifest, changed, [".kiro/specs/f"])).toEqual(expected);
  });

  test("no manifest (the unit ran alone) permits everything; reads only permits nothing", () => {
    expect(filesOutsideManifest({ writes: [], reads: [] }, ["a", "b/c"])).toEqual([]);
    expect(filesOutsideManifest({ writes: [], reads: ["a"] }, ["a", "b/c"])).toEqual(["a", "b/c"]);
  });

  test("a whole-repository write (`.`) permits everything", () => {
    expect(filesOutsideManifest({ writes: [""], reads: [] }, ["a", "b/c"])).toEqual([]);
  });
});
