// The completion and halt markers, and the one rule for finding them in an agent's final message.

/** Printed by an agent that finished its unit. */
export const TASK_DONE = "<promise>TASK_DONE</promise>";
/** Printed by an agent that needs a human: the run halts (exit 2). */
export const HALT = "<promise>HALT</promise>";

/** How many trailing non-empty lines of the final message are searched for a marker. */
const TAIL_LINES = 5;

/**
 * The signal in an agent's final message: the last marker found in its last few non-empty lines,
 * ignoring markers quoted in backticks. Only the final message is searched, so a prompt or task text
 * that quotes a marker and is echoed back (earlier in the output) does not count. Returns null when
 * neither marker is there.
 */
export function detectSignal(finalMessage: string): "done" | "halt" | null {
  const lines = finalMessage.split(/\r?\n/).filter((l) => l.trim() !== "");
  const tail = lines.slice(-TAIL_LINES).join("\n").replace(/`[^`\n]*`/g, "");
  const done = tail.lastIndexOf(TASK_DONE);
  const halt = tail.lastIndexOf(HALT);
  if (done < 0 && halt < 0) return null;
  return halt > done ? "halt" : "done";
}
