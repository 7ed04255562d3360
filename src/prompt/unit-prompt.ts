// Builds the prompt one attempt of one dispatch unit receives, from the template in unit.md.
import { relative } from "node:path";
import type { DispatchUnit, Task } from "../spec/types.ts";
import template from "./unit.md" with { type: "text" };

/** Where the spec's files are; `null` for a file that does not exist. Absolute paths. */
export interface PromptFiles {
  requirements: string | null;
  design: string | null;
  tasks: string;
  state: string;
  progress: string;
}

/** Everything the prompt is made from. */
export interface PromptInput {
  specName: string;
  workdir: string;
  unit: DispatchUnit;
  files: PromptFiles;
  attempt: number;
  maxAttempts: number;
  /** One line per earlier failed attempt of this unit (reason and log path), oldest first. */
  previousAttempts: string[];
  /** The unit task's parents, nearest first (leaf granularity runs a sub-task on its own). */
  parents?: { id: string; title: string }[];
  /** --verify commands seqorch runs after TASK_DONE. */
  checks?: string[];
  /** --commit: seqorch commits the unit's files, the agent must not. */
  seqorchCommits?: boolean;
  /** The checks that failed after the previous attempt's TASK_DONE, with the tail of their output. */
  failingChecks?: { command: string; exitCode: number | null; tail: string }[];
  /** A human's note from `seqorch decide … retry --note`. */
  guidance?: string | null;
}

/** A path as the agent should see it: relative to the workdir when inside it, `@`-prefixed. */
function ref(workdir: string, path: string): string {
  const rel = relative(workdir, path);
  return `@${rel && !rel.startsWith("..") ? rel : path}`;
}

function specFiles(input: PromptInput): string {
  const { files, workdir } = input;
  const line = (label: string, path: string | null, missing: string) =>
    path ? `- ${label}: ${ref(workdir, path)}` : `- ${label}: (missing: ${missing})`;
  return [
    line("Requirements", files.requirements, "this spec has no requirements.md; work from the task and the design"),
    line("Design", files.design, "this spec has no design.md; work from the task and the requirements"),
    line("Tasks", files.tasks, ""),
    `- Run state (read only): ${ref(workdir, files.state)}`,
    `- Progress log (read only): ${ref(workdir, files.progress)}`,
  ].join("\n");
}

/** A task's text for the prompt: its title, details verbatim, checklist items and requirement references. */
function taskText(task: Task, indent: string): string {
  const out: string[] = [];
  for (const detail of task.details) out.push(`${indent}${detail.trimEnd()}`);
  for (const item of task.checklist) out.push(`${indent}- [${item.done ? "x" : " "}] ${item.text}`);
  if (task.requirements.length > 0 && !task.details.some((d) => /requirement|需求|요구|требован|requisito/i.test(d))) {
    out.push(`${indent}- Requirements: ${task.requirements.join(", ")}`);
  }
  return out.join("\n");
}

function taskBlock(unit: DispatchUnit, parents: { id: string; title: string }[]): string {
  if (!unit.task) return `Task group ${unit.id}: ${unit.title} (a heading in tasks.md; its work is the sub-tasks below).`;
  const body = taskText(unit.task, "");
  const within = parents.map((p) => `(It is part of task ${p.id}: ${p.title}; its other sub-tasks are run separately.)`);
  return [`${unit.id}. ${unit.title}`, ...(body ? [body] : []), ...within].join("\n");
}

function subtaskList(unit: DispatchUnit): string {
  if (unit.subtasks.length === 0) return "(none: the task above is the whole unit)";
  return unit.subtasks
    .map((t) => {
      const body = taskText(t, "  ");
      return body ? `- ${t.id} ${t.title}\n${body}` : `- ${t.id} ${t.title}`;
    })
    .join("\n");
}

/**
 * The prompt for one attempt. Task text from tasks.md is inserted verbatim as data, in one pass,
 * so `{{…}}` inside it is never expanded.
 */
export function buildUnitPrompt(input: PromptInput): string {
  const values: Record<string, string> = {
    TASK_ID: input.unit.id,
    TASK_TITLE: input.unit.title,
    SPEC_NAME: input.specName,
    SPEC_FILES: specFiles(input),
    TASK_BLOCK: taskBlock(input.unit, input.parents ?? []),
    SUBTASKS: subtaskList(input.unit),
    PREVIOUS:
      input.previousAttempts.length > 0
        ? `\n## Earlier attempts of this unit\n${input.previousAttempts.map((p) => `- ${p}`).join("\n")}\n`
        : "",
    COMMIT_RULE: input.seqorchCommits
      ? "Do not commit: seqorch commits the files you changed when the unit passes its checks."
      : `If the workdir is a git repository, commit your work with a message such as \`feat(${input.specName}): task ${input.unit.id}\`.`,
    CHECKS: input.checks?.length
      ? `\n5. After you say TASK_DONE, seqorch runs these checks in the workdir; any failure fails this attempt: ${input.checks.map((c) => `\`${c}\``).join(", ")}.`
      : "",
    GUIDANCE: input.guidance ? `\n## Guidance from a human\n${input.guidance}\n` : "",
    FAILING_CHECKS: input.failingChecks?.length
      ? `\n## Checks that failed after the previous attempt\n${input.failingChecks.map((c) => `### \`${c.command}\` (exit ${c.exitCode ?? "none"}), last lines\n\`\`\`\n${c.tail}\n\`\`\``).join("\n")}\n`
      : "",
    ATTEMPT: String(input.attempt),
    MAX_ATTEMPTS: String(input.maxAttempts),
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}
