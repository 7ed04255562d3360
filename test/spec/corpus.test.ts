// Parses every real spec in shared/kiro-corpus/ and checks the dispatch plan against
// expectations written by hand (test/spec/corpus-expectations.ts).
// Read-only: parsing and planning never write, so the corpus files are read in place.

import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseTasks } from "../../src/spec/parse.ts";
import { planUnits } from "../../src/spec/plan.ts";
import type { Plan } from "../../src/spec/types.ts";
import { corpusExpectations } from "./corpus-expectations.ts";

// <repo>/test/spec -> <repo>/../shared/kiro-corpus (shared/ lives beside the repo, also in CI).
const CORPUS = join(import.meta.dir, "..", "..", "..", "shared", "kiro-corpus");

function requireCorpus(): void {
  if (!existsSync(CORPUS) || !statSync(CORPUS).isDirectory()) {
    throw new Error(
      `Kiro corpus not found at ${CORPUS}: clone or copy shared/ beside the repository (expected <parent>/shared/kiro-corpus/).`,
    );
  }
}

describe("kiro corpus", () => {
  test("corpus folder exists and every spec folder has an expectation", () => {
    requireCorpus();
    const folders = readdirSync(CORPUS)
      .filter((name) => existsSync(join(CORPUS, name, "tasks.md")))
      .sort();
    const expected = corpusExpectations.map((e) => e.folder).sort();
    expect(folders).toEqual(expected);
  });

  for (const exp of corpusExpectations) {
    test(`${exp.folder}: ${exp.units} units, ${exp.pending} pending`, () => {
      requireCorpus();
      const file = join(CORPUS, exp.folder, "tasks.md");
      if (!existsSync(file)) throw new Error(`missing corpus file ${file}`);
      const text = readFileSync(file, "utf8");
      const plan: Plan = planUnits(parseTasks(text, file));
      const keys = plan.units.map((u) => u.key);

      expect(plan.units.length).toBe(exp.units);
      expect(plan.units.filter((u) => !u.done && !u.optional).length).toBe(exp.pending);
      if (exp.firstUnit !== null) expect(keys[0]).toBe(exp.firstUnit);
      if (exp.lastUnit !== null) expect(keys[keys.length - 1]).toBe(exp.lastUnit);
      if (exp.sample !== null) {
        const unit = plan.units.find((u) => u.key === exp.sample?.unit);
        if (unit === undefined) {
          throw new Error(`${exp.folder}: no unit with key "${exp.sample.unit}" (units: ${keys.join(", ")})`);
        }
        expect(unit.subtasks.map((t) => t.key)).toEqual(exp.sample.subtasks);
      }
    });
  }
});
