// Completion and halt markers: only the agent's own closing words count, never a quoted marker.
import { describe, expect, test } from "bun:test";
import { detectSignal, HALT, TASK_DONE } from "../../src/signals.ts";

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
});
