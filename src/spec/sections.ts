// Headings whose section holds no tasks ("Success Criteria", "Notes", "Definition of Done"…): checkbox items there are ignored.
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Unnumbered checkbox items").
import type { ClassifiedLine } from "./lines.ts";

/**
 * Heading names that open a non-task section: the whole heading (after emoji, numbering and a parenthesised
 * remark are removed) is one of these, optionally after one qualifying word ("Implementation Notes").
 * Deliberately narrow: "Phase 11: Integration Testing and Acceptance" holds tasks.
 */
const NON_TASK_HEADING =
  /^(?:[\p{L}\p{N}]+\s+)?(?:success\s+criteria|acceptance\s+criteria|exit\s+criteria|completion\s+criteria|done\s+criteria|criteria|notes?|acceptance|definition\s+of\s+done|checklist|quality\s+gates)$/iu;

/** The heading text reduced to words: `## 🎯 Success Criteria (v1)` → `Success Criteria`. */
function headingWords(text: string): string {
  return text
    .replace(/\([^)]*\)\s*$/u, "")
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** True for a heading that opens a section whose checkbox items are not tasks. */
export function isNonTaskHeading(text: string): boolean {
  return NON_TASK_HEADING.test(headingWords(text));
}

/**
 * For each line, the text of the non-task section heading it sits under, or null. A section lasts until the next
 * heading of the same or a higher level. Numbered headings (`### 3. Acceptance tests`) never open one.
 */
export function nonTaskSections(lines: ClassifiedLine[]): (string | null)[] {
  let section: { level: number; text: string } | null = null;
  return lines.map((line) => {
    if (line.kind !== "heading") return section?.text ?? null;
    if (section && line.level <= section.level) section = null;
    if (!section && !line.numbered && isNonTaskHeading(line.text)) section = { level: line.level, text: line.text };
    return section?.text ?? null;
  });
}
