// Where the Kiro corpus is (real specs from public repositories, CI test input only) and how its tests are gated.
// The corpus is `SEQORCH_CORPUS` when set, else `<repo>/../shared/kiro-corpus`. A plain clone has neither: the corpus
// tests are then not run and one line says so; under CI=true (or with SEQORCH_CORPUS naming a missing folder) the
// missing corpus fails the suite instead.
import { describe, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const repoRoot = join(import.meta.dir, "..");
const configured = process.env.SEQORCH_CORPUS?.trim();
const candidate = configured ? resolve(configured) : join(repoRoot, "..", "shared", "kiro-corpus");

/** The corpus folder, or null when it is not there. */
export const corpusDir: string | null = existsSync(candidate) && statSync(candidate).isDirectory() ? candidate : null;

/** True when a missing corpus must fail: under CI=true, and when SEQORCH_CORPUS names a folder that is not there. */
const required = process.env.CI === "true" || Boolean(configured);

if (!corpusDir && !required) {
  // One line per `bun test` run (this module is loaded once), whichever test files use the corpus.
  console.log(`kiro corpus not found at ${candidate} (set SEQORCH_CORPUS or put shared/ beside the repository): corpus tests not run`);
}

/** Corpus spec folders (those holding a tasks.md), sorted; empty without the corpus. */
export function corpusFolders(): string[] {
  if (!corpusDir) return [];
  const dir = corpusDir;
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, "tasks.md")))
    .sort();
}

/**
 * `describe(name, body)` when the corpus is there. Without it: nothing under a plain `npm test` (the line above
 * says so), and one failing test under CI=true. `body` gets the corpus folder.
 */
export function describeCorpus(name: string, body: (dir: string) => void): void {
  if (corpusDir) {
    const dir = corpusDir;
    describe(name, () => body(dir));
  } else if (required) {
    test(`${name}: the corpus is present (${configured ? "SEQORCH_CORPUS" : "CI=true"})`, () => {
      throw new Error(`kiro corpus not found at ${candidate}: ${configured ? "SEQORCH_CORPUS names it" : "CI=true needs it (set SEQORCH_CORPUS or put shared/ beside the repository)"}`);
    });
  }
}
