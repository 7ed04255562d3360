// What every command loads before it runs: the bundle's top-level imports of Node's modules (the bundler hoists
// them out of modules loaded on demand). node:crypto costs each start about 0.4 ms and 0.4 MB, and only
// `--inspect` (its @statelyai/inspect) needs a UUID; the build's `worker` condition gives it the global one.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./helpers.ts";

describe("the bundle's start-up imports", () => {
  test("no static import of crypto (node:crypto) in the bundle every command loads", () => {
    const bundle = readFileSync(join(repoRoot, "dist", "seqorch.mjs"), "utf8");
    const imports = [...bundle.matchAll(/import\s*(?:\{[^}]*\}|\*\s*as\s+[\w$]+|[\w$]+)\s*from\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((name) => name === "crypto" || name === "node:crypto")).toEqual([]);
  });
});
