// Recognised `_Key: value_` detail lines of a task (requirements, writes, reads, dependencies) and how their values split.
// Rules: shared/reference/kiro-tasks-format.md, Part 2 ("Details").

/** Which Task field a recognised key fills. */
export type MetaKind = "requirements" | "writes" | "reads" | "dependencies";

/** A recognised key line, possibly still open (`_Requirements: 1.1,` continued on the next line). */
export interface MetaLine {
  kind: MetaKind;
  /** The value so far, without the wrapping `_` / `*`. */
  value: string;
  /** False while the opening `_` has not been closed: the next lines continue the value. */
  closed: boolean;
  /** Text after the closing `_` (`_writes: a.go_ and more`); non-empty keeps the line in the details too. */
  trailing: string;
}

const KEYS: [MetaKind, string][] = [
  [
    "requirements",
    "requirements?|requisitos?|requisiti|требования|需求|要件|요구사항|exigences?|anforderungen|wymagania|vereisten|gereksinimler|tələblər",
  ],
  ["writes", "writes"],
  ["reads", "reads"],
  ["dependencies", "depends[ \\t]+on|depends|dependencies|dependency|依赖|依存"],
];

/**
 * A key line: the opening wrapper (1), the key, one capture group per kind in KEYS order (2–5), the wrapper
 * closed before the colon (6), then the value (8). The kinds' names share no word, so the group that matched
 * names the kind.
 */
const KEY_RE = new RegExp(
  String.raw`^(?:[-*+][ \t]+)?(_|\*{1,2})?[ \t]*(?:${KEYS.map(([, k]) => `(${k})`).join("|")})[ \t]*(_|\*{1,2})?[ \t]*[:：][ \t]*(\*{1,2})?[ \t]*(.*)$`,
  "iu",
);
/** KEY_RE's group of the first kind; the kinds follow in KEYS order. */
const FIRST_KIND_GROUP = 2;

/** The first closing `_` (or `*`): one that follows a non-space and is followed by a space or the end. */
const UNDERSCORE_CLOSER = /(?<=\S)_(?=\s|$)/;
const STAR_CLOSER = /(?<=\S)\*{1,2}(?=\s|$)/;
function findCloser(value: string, wrapper: string): number {
  return value.search(wrapper === "_" ? UNDERSCORE_CLOSER : STAR_CLOSER);
}

function closeValue(kind: MetaKind, value: string, wrapper: string): MetaLine {
  const at = findCloser(value, wrapper);
  if (at < 0) return { kind, value: value.trim(), closed: wrapper !== "_", trailing: "" };
  // The text after the run of `_` and `*` that closes the value.
  let end = at;
  for (let c = value.charCodeAt(end); c === 95 || c === 42; c = value.charCodeAt(++end));
  return { kind, value: value.slice(0, at).trim(), closed: true, trailing: end === value.length ? "" : value.slice(end).trim() };
}

/** Reads a detail line (without its leading white space) as a recognised key line, or null. */
export function matchMetaLine(text: string): MetaLine | null {
  const m = KEY_RE.exec(text);
  if (!m) return null;
  let kindIndex = 0;
  while (kindIndex < KEYS.length && m[FIRST_KIND_GROUP + kindIndex] === undefined) kindIndex++;
  const kind = KEYS[kindIndex]?.[0];
  if (!kind) return null;
  const afterKeys = FIRST_KIND_GROUP + KEYS.length;
  const opener = m[1] ?? "";
  const closedBeforeColon = opener !== "" && (m[afterKeys] ?? "") !== "";
  const value = m[afterKeys + 2] ?? "";
  if (opener === "" || closedBeforeColon) return { ...closeValue(kind, value, "*"), closed: true };
  return closeValue(kind, value, opener);
}

/** Adds the next line to an open key line (`_Requirements: 3.1,` / `    9.1_`). */
export function continueMetaLine(open: MetaLine, text: string): MetaLine {
  const next = closeValue(open.kind, text.trim(), "_");
  return { ...next, value: `${open.value} ${next.value}`.trim() };
}

/** What makes a requirements value more than one trimmed entry: a separator, a bracket or a backtick. */
const PLAIN_VALUE_SPECIAL = /[,，、;；[\]`]/;

/** `1.1, 2.3`, `[1.1, 1.2]`, `4, 20 (AC 9)`, `1.1–1.10`, free text: as written, one entry per comma. */
export function splitRequirements(value: string): string[] {
  // Most values are one plain reference (`1.1`): no brackets, backticks or separators, so nothing to split.
  if (!PLAIN_VALUE_SPECIAL.test(value)) {
    const only = value.trim();
    return only === "" ? [] : [only];
  }
  const inner = value.trim().replace(/^\[(.*)\]$/s, "$1");
  return inner
    .split(/[,，、;；]/)
    .map((part) => part.trim().replace(/^`(.*)`$/, "$1").trim())
    .filter((part) => part !== "");
}

/** `go.mod, main.go, cmd/root.go`: file paths, backticks removed. */
export function splitFiles(value: string): string[] {
  return splitRequirements(value);
}

/** A task ID in a dependency list (the task-line ID grammar of lines.ts: `2`, `2.1`, `14a.1`, `2.1b`). */
const DEP_ID = /^\d+[a-z]?(?:\.\d+[a-z]?)*$/;
/** A token that names something with a number in it (`T2.1`, `#3`, `2.x`) but is no task ID: worth a warning. */
const HAS_DIGIT = /\d/;

/**
 * Task IDs named by a dependency value: `1, 2`, `[1.1]`, `task-3`, `Task 2.1 and 2.2`. Only tokens that look
 * like task IDs count, so `none` and prose such as `the SDK` yield nothing; tokens with a digit that are no ID
 * (`T2.1`, `#3`) are returned in `unreadable`, as written, for a warning.
 */
export function splitDependencies(value: string): { ids: string[]; unreadable: string[] } {
  const ids: string[] = [];
  const unreadable: string[] = [];
  for (const token of value.split(/[\s,;，、[\]()`]+/)) {
    const id = token.replace(/^task[-_]?/i, "").replace(/[.:]$/, "");
    if (DEP_ID.test(id)) {
      if (!ids.includes(id)) ids.push(id);
    } else if (HAS_DIGIT.test(id) && !unreadable.includes(token)) unreadable.push(token);
  }
  return { ids, unreadable };
}

/** The criticalities a `_criticality: …_` line may name (the reference's assignment values). */
export const CRITICALITIES = ["standard", "complex", "security-sensitive"] as const;

/**
 * The criticality a task's detail lines give (`_criticality: complex_`, `- _Criticality: security-sensitive_`),
 * or null when none names a known one. The line stays in the task's details (the agent sees it too).
 */
export function criticalityOf(details: readonly string[]): (typeof CRITICALITIES)[number] | null {
  for (const line of details) {
    const m = /^(?:[-*+][ \t]+)?[_*]{0,2}[ \t]*criticality[ \t]*[_*]{0,2}[ \t]*[:：][ \t]*[_*`]*[ \t]*([A-Za-z-]+)/iu.exec(line.trim());
    const value = m?.[1]?.toLowerCase();
    if (value && (CRITICALITIES as readonly string[]).includes(value)) return value as (typeof CRITICALITIES)[number];
  }
  return null;
}
