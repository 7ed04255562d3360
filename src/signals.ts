// The completion and halt markers, and the one rule for finding them in an agent's final message.

/** Printed by an agent that finished its unit. */
export const TASK_DONE = "<promise>TASK_DONE</promise>";
/** Printed by an agent that needs a human: the run halts (exit 2). */
export const HALT = "<promise>HALT</promise>";

/** How many trailing non-empty lines of the final message are searched for a marker. */
const TAIL_LINES = 5;

/** A fence line (CommonMark): up to 3 spaces, then 3 or more backticks or tildes, then an optional info string. */
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * `lines` without fenced code blocks (``` or ~~~, any info string): a block is closed by a fence of the same
 * character at least as long with nothing after it; an unclosed block runs to the end.
 */
function withoutFencedBlocks(lines: readonly string[]): string[] {
  const kept: string[] = [];
  let open: string | null = null;
  for (const line of lines) {
    const fence = FENCE.exec(line.replace(/\t/g, "    "));
    if (open === null) {
      // A backtick fence's info string may not hold a backtick (then it is inline code, not a fence).
      if (fence && !(fence[1]![0] === "`" && fence[2]!.includes("`"))) open = fence[1]!;
      else kept.push(line);
    } else if (fence && fence[1]![0] === open[0] && fence[1]!.length >= open.length && fence[2]!.trim() === "") {
      open = null;
    }
  }
  return kept;
}

/** How much of a message's end is looked at first for its last lines (a real agent's message runs to 64 KiB). */
const TAIL_WINDOW = 4096;

/**
 * The last TAIL_LINES non-empty lines of `message` without splitting all of it, when that gives what the whole
 * split would: the message holds no fence (``` or ~~~, so no line is hidden in a block) and its last TAIL_WINDOW
 * characters hold that many lines after the first one (which may be cut). Null: split the whole message.
 */
function lastLines(message: string): string[] | null {
  if (message.length <= TAIL_WINDOW || message.includes("```") || message.includes("~~~")) return null;
  const lines = message.slice(-TAIL_WINDOW).split(/\r?\n/).slice(1).filter((l) => l.trim() !== "");
  return lines.length >= TAIL_LINES ? lines.slice(-TAIL_LINES) : null;
}

/**
 * The signal in an agent's final message: the last marker found in its last few non-empty lines,
 * ignoring markers quoted in backticks or inside fenced code blocks. Only the final message is searched, so a
 * prompt or task text that quotes a marker and is echoed back (earlier in the output) does not count. Returns
 * null when neither marker is there.
 */
export function detectSignal(finalMessage: string): "done" | "halt" | null {
  const lines = lastLines(finalMessage) ?? withoutFencedBlocks(finalMessage.split(/\r?\n/)).filter((l) => l.trim() !== "").slice(-TAIL_LINES);
  const tail = lines.join("\n").replace(/`[^`\n]*`/g, "");
  const done = tail.lastIndexOf(TASK_DONE);
  const halt = tail.lastIndexOf(HALT);
  if (done < 0 && halt < 0) return null;
  return halt > done ? "halt" : "done";
}
