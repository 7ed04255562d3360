// One display line fitted to the terminal's width: a head, a title cut to what is left, and ranked pieces dropped
// from the least important when they do not fit. Widths are display widths (src/cli/display-width.ts).
import { cutToWidth, displayWidth } from "./display-width.ts";

/** One piece of a line; lower `rank` is kept first when the line must be cut to fit. */
export interface Segment {
  text: string;
  rank: number;
}

/** The shortest a title is cut to before the lower-ranked pieces are dropped, in columns. */
const TITLE_MIN = 16;
const SEPARATOR = " · ";

/**
 * `head title · piece · piece …` in at most `width` columns: every rank-0 piece is kept; ranks 1 to 4 are added in
 * turn while they fit beside the title cut to 16 columns; then the title takes the room left (cut with `…`), and
 * the whole line is cut last. The pieces keep their order.
 */
export function fitLine(head: string, title: string, rest: readonly Segment[], width: number): string {
  const titleWidth = displayWidth(title);
  const join = (kept: Segment[], titleText: string) => [titleText ? `${head} ${titleText}` : head, ...kept.map((s) => s.text)].join(SEPARATOR);
  let kept = rest.filter((s) => s.rank === 0);
  const titleFloor = Math.min(titleWidth, TITLE_MIN);
  // Room the title needs at its floor: its columns plus the space after the head.
  const floorCost = titleFloor > 0 ? titleFloor + 1 : 0;
  for (const rank of [1, 2, 3, 4]) {
    const tried = rest.filter((s) => kept.includes(s) || s.rank === rank);
    if (displayWidth(join(tried, "")) + floorCost <= width) kept = tried;
  }
  const room = width - displayWidth(join(kept, "")) - 1;
  const line = join(kept, title ? cutToWidth(title, Math.max(room, Math.min(1, titleWidth))) : "");
  return cutToWidth(line, width);
}
