// Terminal columns of text: what every line that is fitted or padded for a terminal is measured with.
// Wide characters (CJK, most emoji) take two columns, combining marks none (Bun.stringWidth, East Asian Width
// with ambiguous characters narrow, as tmux and most terminals draw them); cuts fall between graphemes.

let segmenter: Intl.Segmenter | null = null;

/** Columns `text` takes on a terminal (no escape codes expected). */
export function displayWidth(text: string): number {
  return Bun.stringWidth(text);
}

/**
 * `text` cut to at most `width` columns, ending in `…` when it was cut. Never splits a grapheme (a base letter
 * and its combining marks, an emoji sequence). `width` ≤ 0 gives "".
 */
export function cutToWidth(text: string, width: number): string {
  if (width <= 0) return "";
  if (displayWidth(text) <= width) return text;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let out = "";
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `text` padded with spaces on the right (`end`) or left (`start`) to `width` columns; longer text is kept. */
export function padToWidth(text: string, width: number, side: "end" | "start" = "end"): string {
  const fill = " ".repeat(Math.max(0, width - displayWidth(text)));
  return side === "end" ? text + fill : fill + text;
}

/**
 * `text` safe to draw: control characters (C0, DEL, C1: tabs, escape sequences a task title or an agent's
 * reason may hold) become U+FFFD, so they can neither move the cursor nor throw the width off.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "\uFFFD");
}
