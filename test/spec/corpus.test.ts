// Parses every real spec in shared/kiro-corpus/ and checks the dispatch plan against
// expectations written by hand (test/spec/corpus-expectations.ts).
// Read-only: parsing and planning never write, so the corpus files are read in place.

import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseTasks, parseWholeFile } from "../../src/spec/parse.ts";
import { planUnits } from "../../src/spec/plan.ts";
import type { Plan } from "../../src/spec/types.ts";
import { corpusFolders, describeCorpus } from "../corpus.ts";
import { corpusExpectations } from "./corpus-expectations.ts";

// Run when the corpus is found (test/corpus.ts: SEQORCH_CORPUS or ../shared/kiro-corpus); CI=true requires it.
describeCorpus("kiro corpus", (CORPUS) => {
  test("every spec folder has an expectation", () => {
    const expected = corpusExpectations.map((e) => e.folder).sort();
    expect(corpusFolders()).toEqual(expected);
  });

  for (const exp of corpusExpectations) {
    test(`${exp.folder}: ${exp.units} units, ${exp.pending} pending`, () => {
      const file = join(CORPUS, exp.folder, "tasks.md");
      if (!existsSync(file)) throw new Error(`missing corpus file ${file}`);
      const text = readFileSync(file, "utf8");
      const parsed = parseTasks(text, file);
      // The one-pass parse and the whole-file parse agree on every real spec.
      expect(parsed).toEqual(parseWholeFile(text, file));
      const plan: Plan = planUnits(parsed);
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
