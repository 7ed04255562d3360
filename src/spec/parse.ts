// Parses a Kiro tasks.md into tasks, heading groups, ignored lines and waves. Pure: text in, data out.
// Rules: shared/reference/kiro-tasks-format.md, Part 2.
import { claimKey, linkByIds, type HeadingCandidate } from "./hierarchy.ts";
import { promoteCandidates } from "./candidates.ts";
import { parseFast } from "./fast-parse.ts";
import { classifyLines, forEachLine, type ClassifiedLine, type CodeBlock } from "./lines.ts";
import { continueMetaLine, matchMetaLine, type MetaLine } from "./metadata.ts";
import { nonTaskSections, sectionTracker } from "./sections.ts";
import { liftMetaFields, newTask, NO_ITEMS, ownerFor, startsListItem, type Placed } from "./task-fields.ts";
import type { Group, IgnoredLine, Task, TasksFile } from "./types.ts";
import { readWaves } from "./waves.ts";

type Line<K extends ClassifiedLine["kind"]> = Extract<ClassifiedLine, { kind: K }>;

/** Where unnumbered checkbox items go in a file with no numbered task line (see `takeItem`). */
interface Scope {
  heading: HeadingCandidate | null;
  group: Group | null;
  count: number;
}

/** Builds the TasksFile line by line; one instance per parse. */
class TasksBuilder {
  readonly tasks: Task[] = [];
  readonly groups: Group[] = [];
  readonly headings: HeadingCandidate[] = [];
  readonly ignored: IgnoredLine[] = [];
  readonly warnings: string[] = [];
  /**
   * For each task (numbered files), the last task before it with its direct parent ID (`2` for `2.1`), or null:
   * the parent linkByIds would pick, found while reading.
   */
  readonly parents: (Task | null)[] = [];
  /**
   * Keys taken: in a numbered file only those of repeated IDs (`2`, `2#2`…), since a first ID is its own key
   * (see startTask); in a file without numbers every key, groups' included.
   */
  private readonly keys = new Set<string>();
  /** The latest task line seen with each ID (for repeats and for the nearest ancestor of the next tasks). */
  private readonly latest = new Map<string, Placed>();
  /** The line of the first task of each ID that is used again (a first one's line is its task's). */
  private readonly firstLine = new Map<string, number>();
  /** The task the lines being read belong to, with its indentation and ancestors (to attribute detail lines). */
  private current: Placed | null = null;
  /** Owner of the previous line when it was a detail or checklist line: a paragraph continuation stays with it. */
  private lastOwner: Task | null = null;
  /** Owner of the fenced block being read (all its lines go to the task its opening fence belongs to). */
  private codeOwner: Task | null = null;
  private blanks: string[] = [];
  private openMeta: { owner: Task; meta: MetaLine; raws: string[]; line: number } | null = null;
  // Unnumbered files only.
  private scope: Scope = { heading: null, group: null, count: 0 };
  private top = 0;
  private itemIndent: number | null = null;

  /**
   * `wideColons`: the file holds a full-width colon `：` somewhere (else no line is searched for one).
   */
  constructor(
    private readonly file: string,
    private readonly numbered: boolean,
    private readonly wideColons: boolean,
  ) {}

  take(line: ClassifiedLine, section: string | null): void {
    if (this.openMeta) {
      if (line.kind === "text" && !startsListItem(line.text)) {
        this.openMeta.meta = continueMetaLine(this.openMeta.meta, line.text);
        this.openMeta.raws.push(line.raw);
        if (this.openMeta.meta.closed) this.closeMeta();
        return;
      }
      this.closeMeta();
    }
    if (line.kind !== "code") this.codeOwner = null;
    switch (line.kind) {
      case "comment":
        return;
      case "blank":
        if (this.current) this.blanks.push(line.raw);
        this.lastOwner = null;
        return;
      case "code":
        if (!this.current) return;
        this.codeOwner ??= this.lastOwner ?? ownerFor(this.current, line.indent);
        this.addDetail(this.codeOwner, line.raw);
        return;
      case "text":
        return this.takeText(line);
      case "heading":
        return this.takeHeading(line, section);
      case "tasklike":
        if (this.current && line.indent > this.current.indent) return this.addDetail(ownerFor(this.current, line.indent), line.raw);
        this.ignore(line, "looks like a task but has no checkbox");
        this.current = null;
        this.lastOwner = null;
        return;
      case "task":
        if (section !== null) return this.ignore(line, `under the heading "${section}"`);
        this.startTask(line, line.id, line.title, line.optional, null);
        return;
      case "checkbox":
        if (section !== null) return this.ignore(line, `under the heading "${section}"`);
        if (this.numbered || line.lettered) return this.takeChecklist(line);
        return this.takeItem(line);
    }
  }

  private ignore(line: ClassifiedLine, reason: string): void {
    this.ignored.push({ line: line.line, text: line.raw.trim(), reason });
  }

  /** Adds a detail line to `owner`, after the blank lines seen since its previous one (none before its first). */
  private addDetail(owner: Task, raw: string): void {
    if (owner.details === NO_ITEMS) owner.details = [raw];
    else {
      if (this.blanks.length > 0) owner.details.push(...this.blanks);
      owner.details.push(raw);
    }
    if (this.blanks.length > 0) this.blanks = [];
  }

  private takeText(line: Line<"text">): void {
    if (!this.current) return;
    const continued = this.lastOwner !== null && !startsListItem(line.text);
    const owner = continued && this.lastOwner ? this.lastOwner : ownerFor(this.current, line.indent);
    this.lastOwner = owner;
    // Every key line has a colon (`_Requirements: 1.1_`, `依赖：2`): lines without one skip the key pattern.
    // A text line's text has no white space at either end (see classifyLines).
    const meta = line.text.includes(":") || (this.wideColons && line.text.includes("：")) ? matchMetaLine(line.text) : null;
    if (!meta) return this.addDetail(owner, line.raw);
    if (meta.closed) return this.liftMeta(owner, meta, line.raw, line.line);
    this.openMeta = { owner, meta, raws: [line.raw], line: line.line };
  }

  /** Lifts the key line still open, if any (see liftMeta). */
  private closeMeta(): void {
    const open = this.openMeta;
    if (!open) return;
    this.openMeta = null;
    this.liftMeta(open.owner, open.meta, open.raws, open.line);
  }

  /** Lifts a finished key line (`raws`: its line or lines, from `line`) into its field; keeps it in the details when something would be lost. */
  private liftMeta(owner: Task, meta: MetaLine, raws: string | string[], line: number): void {
    if (!liftMetaFields(owner, meta, line, this.file, this.warnings)) return;
    for (const raw of typeof raws === "string" ? [raws] : raws) this.addDetail(owner, raw);
  }

  private takeHeading(line: Line<"heading">, section: string | null): void {
    this.current = null;
    this.lastOwner = null;
    if (this.blanks.length > 0) this.blanks = [];
    this.itemIndent = null;
    const heading = line.numbered && section === null ? { ...line.numbered, line: line.line } : null;
    if (this.numbered) {
      if (heading) this.headings.push(heading);
      return;
    }
    this.scope = { heading, group: null, count: 0 };
    if (heading) this.top = Math.max(this.top, Number.parseInt(heading.id, 10));
  }

  private takeChecklist(line: Line<"checkbox">): void {
    if (!this.current) {
      const where = this.tasks.length === 0 ? "before the first task" : "outside any task";
      return this.ignore(line, `checkbox item ${where}`);
    }
    const owner = ownerFor(this.current, line.indent);
    const item = { text: line.text, done: line.mark === "x" || line.mark === "X", line: line.line };
    if (owner.checklist === NO_ITEMS) owner.checklist = [item];
    else owner.checklist.push(item);
    if (this.blanks.length > 0) this.blanks = [];
    this.lastOwner = owner;
  }

  /**
   * A checkbox item in a file with no numbered task line. Not more indented than the previous item: a task,
   * numbered by position. Under a numbered heading `### N. Title` the items are `N.1`, `N.2`… and the heading is
   * their group; elsewhere they take the next top-level number (one past the highest heading number so far).
   * More indented than the previous item: that item's checklist.
   */
  private takeItem(line: Line<"checkbox">): void {
    if (this.current && this.itemIndent !== null && line.indent > this.itemIndent) return this.takeChecklist(line);
    const { heading } = this.scope;
    const id = heading ? `${heading.id}.${++this.scope.count}` : String(++this.top);
    let parentKey: string | null = null;
    if (heading) {
      this.scope.group ??= this.newGroup(heading);
      parentKey = this.scope.group.key;
    }
    const task = this.startTask(line, id, line.text, line.optional, parentKey);
    this.scope.group?.childKeys.push(task.key);
    this.itemIndent = line.indent;
  }

  private newGroup(heading: HeadingCandidate): Group {
    const group: Group = { ...heading, key: claimKey(heading.id, this.keys), parentKey: null, childKeys: [] };
    this.groups.push(group);
    return group;
  }

  private startTask(line: Line<"task" | "checkbox">, id: string, title: string, optional: boolean, parentKey: string | null): Task {
    const seen = this.latest.get(id);
    // In a numbered file no group has a key yet and only repeats are in `keys`: a first ID is free as it is.
    if (seen && this.numbered) this.keys.add(id);
    const key = !seen && this.numbered ? id : claimKey(id, this.keys);
    if (seen) {
      const first = this.firstLine.get(id) ?? seen.task.line;
      this.firstLine.set(id, first);
      this.warnings.push(`${this.file}:${line.line}: task ID "${id}" is used again (first at line ${first}); this one is "${key}"`);
    }
    const task = newTask(key, id, title, line.mark, optional, line.line, parentKey);
    let up: Placed | null = null;
    if (this.numbered) {
      // The direct parent ID (`2` for `2.1`) first; when no task has it yet, the ancestors above it.
      const dot = id.lastIndexOf(".");
      const parent = dot > 0 ? this.latest.get(id.slice(0, dot)) : undefined;
      up = parent ?? (dot > 0 ? this.nearestAncestor(id, dot) : null);
      this.parents.push(parent ? parent.task : null);
    }
    const placed: Placed = { task, indent: line.indent, up };
    this.latest.set(id, placed);
    this.tasks.push(task);
    this.current = placed;
    this.lastOwner = null;
    if (this.blanks.length > 0) this.blanks = [];
    return task;
  }

  /**
   * The latest task line seen with the nearest ancestor ID of `id` above the one ending before `dot`
   * (`5.2.1` with the dot before `1`: `5`), or null.
   */
  private nearestAncestor(id: string, dot: number): Placed | null {
    for (let end = id.lastIndexOf(".", dot - 1); end > 0; end = id.lastIndexOf(".", end - 1)) {
      const placed = this.latest.get(id.slice(0, end));
      if (placed) return placed;
    }
    return null;
  }

  finish(): void {
    this.closeMeta();
  }
}

/**
 * Parses the text of a tasks.md (`file` is only used in messages). Never throws: odd lines end up in
 * `ignored`, repeated IDs in `warnings`. See shared/reference/kiro-tasks-format.md, Part 2, for every rule;
 * in a file with no numbered task line, unnumbered items get IDs by position (see TasksBuilder.takeItem).
 */
export function parseTasks(text: string, file: string): TasksFile {
  return parseFast(text, file) ?? parseFull(text, file);
}

/**
 * parseTasks without its fast pass (parseFast, for the shapes most files keep to): every rule, for every file.
 * Exported so that tests hold both to the same result; callers use parseTasks.
 */
export function parseFull(text: string, file: string): TasksFile {
  return parseInOnePass(text, file) ?? parseWholeFile(text, file);
}

/**
 * The parse, each line handed to the builder as it is classified (its object dies young): lines are held back
 * only until the first task line outside a non-task section says the file is numbered (until the end when it is
 * not). Null when a line needs the whole file to be read (a candidate, see promoteCandidates): parseWholeFile
 * then parses it.
 */
function parseInOnePass(text: string, file: string): TasksFile | null {
  const sections = sectionTracker();
  const wideColons = text.includes("：");
  /** The non-task section the current line is in: it changes only at a heading. */
  let section: string | null = null;
  const held: { line: ClassifiedLine; section: string | null }[] = [];
  let builder: TasksBuilder | null = null;
  const { codeBlocks, eol, complete } = forEachLine(text, (line) => {
    if (line.kind === "checkbox" && line.candidate) return false;
    if (line.kind === "heading") section = sections.at(line);
    if (builder) return builder.take(line, section);
    if (line.kind !== "task" || section !== null) return void held.push({ line, section });
    builder = new TasksBuilder(file, true, wideColons);
    for (const h of held) builder.take(h.line, h.section);
    held.length = 0;
    builder.take(line, section);
  });
  if (!complete) return null;
  const numbered = builder !== null;
  const done: TasksBuilder = builder ?? new TasksBuilder(file, false, wideColons);
  for (const h of held) done.take(h.line, h.section);
  return finish(done, numbered, codeBlocks, eol, file);
}

/**
 * The parse of the classified lines as a whole (candidates promoted first): what parseTasks does when the one
 * pass cannot. Exported so that tests hold both ways to the same result; callers use parseTasks.
 */
export function parseWholeFile(text: string, file: string): TasksFile {
  const { lines, codeBlocks, eol } = classifyLines(text);
  promoteCandidates(lines);
  const sections = nonTaskSections(lines);
  const numbered = lines.some((line, i) => line.kind === "task" && (sections?.[i] ?? null) === null);
  const builder = new TasksBuilder(file, numbered, text.includes("："));
  for (let i = 0; i < lines.length; i++) builder.take(lines[i]!, sections?.[i] ?? null);
  return finish(builder, numbered, codeBlocks, eol, file);
}

/** The TasksFile from a builder that has taken every line: parents linked, groups and waves made. */
function finish(builder: TasksBuilder, numbered: boolean, codeBlocks: CodeBlock[], eol: TasksFile["eol"], file: string): TasksFile {
  builder.finish();
  // Only a heading can become a group that needs a key of its own: without one, no key set is needed.
  const keys = new Set(builder.headings.length > 0 ? builder.tasks.map((t) => t.key) : []);
  const groups = numbered ? linkByIds(builder.tasks, builder.headings, keys, builder.parents) : builder.groups;
  const waves = readWaves(codeBlocks, file, builder.warnings);
  return { file, tasks: builder.tasks, groups, ignored: builder.ignored, warnings: builder.warnings, waves, eol };
}
