// Shapes of a parsed Kiro tasks.md and of the dispatch plan made from it.
// Rules: ../shared/reference/kiro-tasks-format.md, Part 2.

/** The character between the brackets of a task's checkbox: `[ ]`, `[x]`, `[X]`, `[-]`, `[~]`. */
export type CheckboxMark = " " | "x" | "X" | "-" | "~";

/** An unnumbered checkbox item inside a task (or a lettered `a. [x]` item): part of the task's prompt, never dispatched. */
export interface ChecklistItem {
  text: string;
  done: boolean;
  /** 1-based line number in tasks.md. */
  line: number;
}

/** One task line of tasks.md (a list item with a checkbox and an ID). */
export interface Task {
  /** Unique within the file: the ID, or `ID#2`, `ID#3`… for later tasks that repeat an ID. */
  key: string;
  /** The ID as written (`0`, `3`, `2.1`, `5.2.1`, `38a`); for files without numbers, the position-derived ID. */
  id: string;
  /** The title after the ID, verbatim (markdown, emoji and trailing status text kept; surrounding space trimmed). */
  title: string;
  mark: CheckboxMark;
  /** True for `[x]` / `[X]`. */
  ticked: boolean;
  /** `[ ]*`, `[ ]\*`, or `[optional]` in the title. */
  optional: boolean;
  /** 1-based line number of the task line. */
  line: number;
  /** Key of the parent task or group (from the ID: `2.1` → `2`), or null. */
  parentKey: string | null;
  /** Keys of direct children (tasks, or a heading group such as `#### 1.1` under task `1`), in file order. */
  childKeys: string[];
  /** Lines that belong to the task (indented bullets, paragraphs), verbatim, without the line terminator. */
  details: string[];
  checklist: ChecklistItem[];
  /** Requirement references as written (`1.1`, `2.3`, free text), from `_Requirements:_` and translated keys. */
  requirements: string[];
  /** From `_writes:_` / `_Writes:_`. */
  writes: string[];
  /** From `_reads:_` / `_Reads:_`. */
  reads: string[];
  /** IDs this task depends on, as written (`_Depends on:_`, `_Dependencies:_`, `depends on:`), `task-` prefixes removed. */
  dependencies: string[];
}

/** A heading that names a parent ID that has no task line (`### 1. Title`, `## Task 2: Title`): its status follows its children. */
export interface Group {
  key: string;
  id: string;
  title: string;
  /** 1-based line number of the heading. */
  line: number;
  /** Key of the enclosing task or group (`#### 1.1` under `### 1.`), or null for a top-level group. */
  parentKey: string | null;
  /** Keys of direct children (tasks or groups), in file order. */
  childKeys: string[];
}

/** A line that looks like a task but is not one, or a checkbox item outside any task. */
export interface IgnoredLine {
  line: number;
  text: string;
  reason: string;
}

/** The whole file, parsed. Pure data: no I/O was needed to make it. */
export interface TasksFile {
  /** Path used in messages (`tasks.md:41: …`). */
  file: string;
  /** Tasks in file order. */
  tasks: Task[];
  groups: Group[];
  ignored: IgnoredLine[];
  warnings: string[];
  /** Waves from a `## Task Dependency Graph` JSON block, shown in the plan; they do not reorder. */
  waves: { id: string; tasks: string[] }[];
  /** "\r\n" when the file uses CRLF. */
  eol: "\n" | "\r\n";
}

/** What one agent run receives: a top-level task or group with its sub-tasks, or a standalone task. */
export interface DispatchUnit {
  /** Key of the unit's task or group (unique in the file). */
  key: string;
  id: string;
  title: string;
  kind: "parent" | "group" | "standalone";
  /** Done: ticked, or every non-optional sub-task done (a parent without non-optional sub-tasks is done only when ticked). */
  done: boolean;
  /** Skipped unless optional tasks are included. */
  optional: boolean;
  /** 1-based line of the unit's task line or heading. */
  line: number;
  /** The unit's own task (null for a heading group). */
  task: Task | null;
  /**
   * Sub-tasks (all levels, file order) the unit carries: for a unit not done, the ones not done
   * (optional ones only with includeOptional, or when the unit itself is optional); for a done unit, all of them.
   */
  subtasks: Task[];
  /** Keys of units this unit waits for (resolved from its and its sub-tasks' dependencies). */
  dependsOn: string[];
}

/** Options that change what a plan contains. */
export interface PlanOptions {
  /** Dispatch optional tasks too (default false). */
  includeOptional?: boolean;
  /** "unit" (default): parent with sub-tasks; "leaf": one unit per leaf task. */
  granularity?: "unit" | "leaf";
}

/** The dispatch plan for a spec. */
export interface Plan {
  file: string;
  /** Every dispatch unit, done or not, in file order. */
  units: DispatchUnit[];
  /** IDs (keys) of tasks already done. */
  done: string[];
  /** Keys of optional tasks that will be skipped. */
  optional: string[];
  ignored: IgnoredLine[];
  warnings: string[];
  waves: { id: string; tasks: string[] }[];
  /** The options the plan was made with (defaults filled in); nextRunnable reads includeOptional. */
  options: Required<PlanOptions>;
}
