// Completion and halt markers: only the agent's own closing words count, never a quoted marker.
import { describe, expect, test } from "bun:test";
import { rng } from "../../scripts/seeded-random.ts";
import { detectSignal, HALT, TASK_DONE } from "../../src/signals.ts";

/** The rule as first written (split every line, drop fenced blocks, last 5 non-empty lines): the reference. */
function referenceSignal(message: string): "done" | "halt" | null {
  const kept: string[] = [];
  let open: string | null = null;
  for (const line of message.split(/\r?\n/)) {
    const fence = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line.replace(/\t/g, "    "));
    if (open === null) {
      if (fence && !(fence[1]![0] === "`" && fence[2]!.includes("`"))) open = fence[1]!;
      else kept.push(line);
    } else if (fence && fence[1]![0] === open[0] && fence[1]!.length >= open.length && fence[2]!.trim() === "") open = null;
  }
  const tail = kept.filter((l) => l.trim() !== "").slice(-5).join("\n").replace(/`[^`\n]*`/g, "");
  const done = tail.lastIndexOf(TASK_DONE);
  const halt = tail.lastIndexOf(HALT);
  if (done < 0 && halt < 0) return null;
  return halt > done ? "halt" : "done";
}

const PIECES = ["", "  ", "\t", "Working on it.", TASK_DONE, HALT, `\`${TASK_DONE}\``, "```", "~~~", "```sh", "\t```", "  ~~~~", `say ${HALT} later`, "x".repeat(300), "y ".repeat(900)];

describe("detectSignal", () => {
  test("a marker on its own last line counts; the last of two wins", () => {
    expect(detectSignal(`All done.\n${TASK_DONE}`)).toBe("done");
    expect(detectSignal(`${TASK_DONE}\nWait, no.\n${HALT}`)).toBe("halt");
  });

  test("a marker in inline backticks does not count", () => {
    expect(detectSignal(`I will print \`${TASK_DONE}\` when finished.`)).toBeNull();
  });

  test.each([
    ["``` fence", "```\n" + TASK_DONE + "\n```"],
    ["``` fence with an info string", "```text\n" + TASK_DONE + "\n```"],
    ["~~~ fence with an info string", "~~~ markdown\n" + TASK_DONE + "\n~~~"],
    ["longer fence closed by a longer one", "````\n```\n" + TASK_DONE + "\n```\n````"],
    ["indented fence", "  ```\n  " + TASK_DONE + "\n  ```"],
    ["unclosed fence (to the end)", "Here is the marker:\n```\n" + TASK_DONE],
  ])("a marker inside a fenced block does not count: %s", (_, text) => {
    expect(detectSignal(`The protocol says to print this:\n${text}`)).toBeNull();
    expect(detectSignal(`Quoting it:\n${text.replace(TASK_DONE, HALT)}`)).toBeNull();
  });

  test("a ~~~ line does not close a ``` fence, and a marker after a closed fence counts", () => {
    expect(detectSignal("```\n~~~\n" + TASK_DONE + "\n```")).toBeNull();
    expect(detectSignal("```sh\necho hi\n```\nFinished.\n" + TASK_DONE)).toBe("done");
  });

  test("a fence opened long before the last lines still hides what is inside it", () => {
    const body = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    expect(detectSignal("```\n" + body + "\n" + TASK_DONE + "\n```")).toBeNull();
  });

  test("long messages (a real agent's, to 64 KiB) give what the whole-message rule gives: 3,000 random messages", () => {
    const random = rng(20261202);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    for (let i = 0; i < 3000; i++) {
      // Half of them without any fence (the case read from the end only), the rest with any piece.
      const pieces = i % 2 === 0 ? PIECES.filter((p) => !p.includes("``") && !p.includes("~~")) : PIECES;
      const lines = Array.from({ length: 1 + Math.floor(random() * 120) }, () => pick(pieces));
      const message = lines.join(random() < 0.2 ? "\r\n" : "\n") + pick(["", "\n", "\n\n  \n"]);
      expect(detectSignal(message)).toBe(referenceSignal(message));
    }
  });

  test("a long message's last lines are found across a long line: the fifth from the end and a quoted one", () => {
    const short = ["a", "b", "c", "d"].join("\n");
    // The fifth line from the end is long and ends with the marker: it counts.
    const fifth = `${"filler ".repeat(800)}\n${"x".repeat(5000)} ${TASK_DONE}\n${short}`;
    expect(detectSignal(fifth)).toBe("done");
    expect(referenceSignal(fifth)).toBe("done");
    // A long line that is all inline code (a backtick at each end) hides its marker, even when its start is far back.
    const quoted = `${"filler ".repeat(800)}\n\`${"x".repeat(5000)} ${TASK_DONE}\`\n${short}`;
    expect(detectSignal(quoted)).toBeNull();
    expect(referenceSignal(quoted)).toBeNull();
  });
});
