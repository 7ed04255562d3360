// Random tasks.md texts made of every line shape the format allows (shared/reference/kiro-tasks-format.md), for the
// tests that hold a fast pass (fast-parse.ts, fast-plan.ts) to the full parse and plan.
import { rng as seeded } from "../../scripts/seeded-random.ts";

/** A seeded generator (scripts/seeded-random.ts), so that a failing text can be made again from its seed. */
export const random = (seed: number): (() => number) => seeded(seed);

export type Rng = () => number;
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

const MARKS = [" ", " ", " ", "x", "X", "-", "~"];
export const TITLES = [
  "Set up the project",
  "Implement the parser: lines and tasks",
  "Add tests [optional]",
  "**Bold title**",
  "Título con acentos — ünïcödé 🚀",
  "2.5x faster start-up",
  "Wire `seqorch run` to the store",
  "",
  "Title with trailing spaces   ",
  "Task: with a colon",
];
/** Detail lines most files are made of. */
export const COMMON_DETAILS = [
  "- Do the first part",
  "- Detail with a colon: here",
  "Plain paragraph text",
  "continued paragraph line",
  "- **Bold detail**: value",
  "- _Requirements: 1.1, 2.3_",
  "- _Requirements: 1.1_",
  "- _Depends on: 1_",
  "- _Writes: go.mod, `main.go`_",
];
export const DETAILS = [
  ...COMMON_DETAILS,
  "- Detail with a colon: here",
  "Plain paragraph text",
  "continued paragraph line",
  "- **Bold detail**: value",
  "- [link](https://example.com) to read",
  "- 1.2 looks like a task",
  "- 26. Looks like a task too",
  "- [⏭️] 6. Skipped one",
  "* star bullet",
  "+ plus bullet",
  "-no space after the marker",
  "- ",
  "- [",
  "-   [",
  "- 1",
  "* *",
  "+ -",
  "-    [ ] 1. Spaced marker",
  "a. [x] lettered item",
  "b) [ ] another lettered item",
  "Note [brackets] in text",
  "# not a heading when indented",
  "1. numbered prose",
  "\u00a0non-breaking space first",
  "trailing non-breaking space\u00a0",
  "`inline code` first",
  "- _Requirements: 1.1, 2.3_",
  "- _Requirements: 1.1_",
  "_Requirements: [1.1, 1.2]_",
  "- _Requirements: 4, 20 (AC 9)_ and more",
  "- _Requirements: 1.1 _",
  "- _Requirements: _",
  "- _Requirements:1.1_",
  "_Requirements: 2.1_ ",
  "- _Requirements: 1.1,",
  "  3.2_",
  "- _Writes: go.mod, `main.go`_",
  "_Reads: docs/a.md_",
  "- _Depends on: 1_",
  "- _Depends on: 1.1, 2_",
  "- _Dependencies: task-2, T2.1, none_",
  "- **Requirements**: 2.2",
  "- _Requisitos: 3.1_",
  "- _criticality: complex_",
  "- Requirements: 5.5",
  "- [ ] checklist item",
  "- [x] done checklist item",
  "  - [ ] nested checklist item",
];
export const HEADINGS = [
  "# Implementation Plan",
  "## Phase 1: Foundations",
  "### Notes",
  "## Success Criteria",
  "### 1. Numbered heading",
  "#### 1.1 Numbered sub-heading",
  "## Task 2: Heading task",
  "#",
  "#NoSpace",
  "## Heading with closing hashes ##",
  "### Definition of Done",
];
/** Whole-file features only the full parse reads (each one sends the file there). */
export const RARE = ["```json", '{"waves":[{"id":0,"tasks":["1"]}]}', "```", "<!-- a comment -->", "<!-- opened", "closed -->", "~~~", "依赖：2", "\tTabbed detail", "- [ ]\t1. Tabbed task"];

/** One task line: `indent` spaces, a marker, a checkbox, an ID and a title, with the variations of Part 1. */
function taskLine(rng: Rng, id: string, indent: number): string {
  const marker = pick(rng, ["-", "-", "-", "*", "+", "- -", "- ", "*  "]);
  const optional = rng() < 0.1 ? pick(rng, ["*", "\\*"]) : "";
  const bold = rng() < 0.08;
  const end = pick(rng, [".", ".", "", "", ":", " :", "**"]);
  const idText = bold ? `**${id}${end === "**" ? "" : end}**` : `${id}${end === "**" ? "" : end}`;
  const gap = pick(rng, [" ", " ", "  "]);
  return `${" ".repeat(indent)}${marker} [${pick(rng, MARKS)}]${optional} ${idText}${gap}${pick(rng, TITLES)}`;
}

/**
 * A tasks.md of 1–6 parents with 0–4 sub-tasks each, detail lines, key lines and blank lines between them; with
 * `rare` > 0 also the shapes only the full parse takes (repeats, out-of-order sub-tasks, headings, fences…).
 */
export function tasksText(rng: Rng, rare: number): string {
  const lines: string[] = [];
  if (rng() < 0.7) lines.push("# Implementation Plan", "");
  const parents = 1 + Math.floor(rng() * (rng() < 0.2 ? 14 : 6));
  for (let p = 1; p <= parents; p++) {
    const parentId = rng() < rare * 0.1 ? String(p - 1 || 1) : rng() < rare * 0.05 ? `${p}a` : rng() < rare * 0.05 ? `${p}${p}` : String(p);
    if (rng() < rare * 0.3) lines.push(pick(rng, HEADINGS));
    lines.push(taskLine(rng, parentId, rng() < 0.1 ? 1 : 0));
    const subs = Math.floor(rng() * 5);
    for (let s = 1; s <= subs; s++) {
      const n = rng() < rare * 0.05 ? s - 1 || 1 : s;
      const subId = rng() < rare * 0.1 ? `${p + 1}.${n}` : rng() < rare * 0.05 ? `${parentId}.${n}b` : `${parentId}.${n}`;
      lines.push(taskLine(rng, subId, pick(rng, [0, 2, 2, 2, 4, 3])));
      if (rng() < 0.2) lines.push(taskLine(rng, `${subId}.1`, 4));
      const details = Math.floor(rng() * 4);
      for (let d = 0; d < details; d++) lines.push(" ".repeat(pick(rng, [0, 2, 4, 4, 6])) + pick(rng, rng() < 0.9 - rare * 0.6 ? COMMON_DETAILS : DETAILS));
      if (rng() < 0.2) lines.push(pick(rng, ["", "   ", "    "]));
    }
    if (rng() < rare * 0.2) lines.push(pick(rng, RARE));
    if (rng() < 0.5) lines.push("");
  }
  if (rng() < rare * 0.2) lines.push(pick(rng, ["## Notes", "## Success Criteria"]), "- [ ] All tests pass", "- [x] Reviewed");
  let text = lines.join("\n") + (rng() < 0.8 ? "\n" : "");
  if (rng() < rare * 0.05) text = text.replaceAll("\n", "\r\n");
  if (rng() < 0.05) text = `\uFEFF${text}`;
  return text;
}

