// The progress log's one-line message (src/store/progress.ts oneLine): a long message's start only is folded,
// with the same result as folding all of it.
import { describe, expect, test } from "bun:test";
import { rng } from "../../scripts/seeded-random.ts";
import { oneLine } from "../../src/store/progress.ts";

/** The rule as first written: fold every whitespace run of the whole text, trim, cut to `max`. */
function reference(text: string, max = 400): string {
  const folded = text.replace(/\s+/g, " ").trim();
  return folded.length > max ? `${folded.slice(0, max - 1)}…` : folded;
}

describe("oneLine", () => {
  test("short and long texts, long whitespace runs and a start of blanks: as folding the whole text", () => {
    const random = rng(7);
    const pieces = ["word", " ", "\n", "\t\t", " ".repeat(500), "\n".repeat(2000), "x".repeat(150), "é", "<promise>TASK_DONE</promise>"];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(random() * 60) }, () => pieces[Math.floor(random() * pieces.length)]!).join("");
      for (const max of [400, 10]) expect(oneLine(text, max)).toBe(reference(text, max));
    }
    expect(oneLine(`${" ".repeat(5000)}done`)).toBe("done");
    expect(oneLine("a ".repeat(40_000)).length).toBe(400);
  });
});
