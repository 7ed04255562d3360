// Letter-final IDs followed by white space (`- [ ] 2.1b Title`): a task when the file has another ID of the same
// family (`2.1`, `2.1a`), else an unnumbered checkbox item (`- [ ] 2.5x faster`, which reads the same way).
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("A task"), as extended in the README's parsing section.
import type { ClassifiedLine } from "./lines.ts";

/** `2.1b` → `2.1`; `14a` → `14`; an ID ending in a digit is its own stem. */
function stemOf(id: string): string {
  const code = id.charCodeAt(id.length - 1);
  return code >= 48 && code <= 57 ? id : id.slice(0, -1);
}

/**
 * Turns each candidate checkbox item (ClassifiedLine "checkbox" with `candidate`) into a task line when another
 * task line, candidate or numbered heading shares its stem. Changes `lines` in place; a file without candidates
 * costs one pass over the lines and nothing else.
 */
export function promoteCandidates(lines: ClassifiedLine[]): void {
  if (!lines.some((line) => line.kind === "checkbox" && line.candidate)) return;
  const family = new Map<string, Set<string>>();
  const add = (id: string) => {
    const stem = stemOf(id);
    const members = family.get(stem);
    if (members) members.add(id);
    else family.set(stem, new Set([id]));
  };
  for (const line of lines) {
    if (line.kind === "task") add(line.id);
    else if (line.kind === "heading" && line.numbered) add(line.numbered.id);
    else if (line.kind === "checkbox" && line.candidate) add(line.candidate.id);
  }
  lines.forEach((line, i) => {
    if (line.kind !== "checkbox" || !line.candidate) return;
    if ((family.get(stemOf(line.candidate.id))?.size ?? 0) < 2) return;
    const { mark, optional, candidate } = line;
    lines[i] = { kind: "task", mark, optional, id: candidate.id, title: candidate.title, line: line.line, raw: line.raw, indent: line.indent };
  });
}
