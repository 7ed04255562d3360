// Builds the reviewer's prompt, the re-ask for a missing or invalid block, and the fix prompt, from the .md
// templates beside this file (embedded in the binary). Text from tasks.md and agents is inserted as data, in one pass.
import fixTemplate from "./fix.md" with { type: "text" };
import reaskTemplate from "./reask.md" with { type: "text" };
import reviewerTemplate from "./reviewer.md" with { type: "text" };
import type { MergedFinding } from "./consolidate.ts";
import type { Finding } from "./schema.ts";

const fill = (template: string, values: Record<string, string>): string =>
  template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => values[name] ?? whole);

/** A verify command's result for a prompt: the command, its exit, and the tail of its output. */
export interface VerifyResult {
  command: string;
  exitCode: number | null;
  /** Last lines of its output (at most 150). */
  tail: string;
  timedOut: boolean;
}

/** One finding of an earlier round, as the history of a fix or a re-review shows it. */
export interface RoundFindings {
  round: number;
  findings: Finding[];
}

export interface ReviewerPromptInput {
  specName: string;
  taskId: string;
  taskTitle: string;
  /** The task's text as the implementer got it. */
  taskBlock: string;
  requirementIds: string[];
  requirementsFile: string | null;
  designFile: string | null;
  diffFile: string;
  /** true: `git diff <start>..HEAD` of the unit's commits; false: the working tree's changes. */
  committed: boolean;
  verify: VerifyResult[];
  reviewer: number;
  reviewers: number;
  round: number;
  /** Look at security first (the second reviewer of a security-sensitive unit). */
  securityFocus: boolean;
  /** Findings of the previous round, to mark fixed / still_valid / outdated; and the fix's own diff. */
  previous: Finding[];
  fixDiffFile: string | null;
  /** The round reviews a person's fix (`seqorch decide UNIT fixed`), with their --note; null: an agent's work. */
  humanFix?: { note: string | null } | null;
}

const verifyBlock = (results: VerifyResult[]): string =>
  results.length === 0
    ? "(no --verify command was given)"
    : results.map((r) => `- \`${r.command}\`: ${r.timedOut ? "timed out" : r.exitCode === 0 ? "passed (exit 0)" : `failed (exit ${r.exitCode})`}`).join("\n");

/** A finding as a prompt shows it: id, severity, place, title, evidence and the suggested fix. */
export function findingText(f: Finding): string {
  const where = f.file ? ` ${f.file}${f.line !== null ? `:${f.line}` : ""}` : "";
  const lines = [`- [${f.id}] ${f.severity.toUpperCase()}${where}: ${f.title}`];
  if (f.requirement) lines.push(`  Requirement: ${f.requirement}`);
  if (f.evidence) lines.push(`  Evidence: ${f.evidence}`);
  if (f.fix) lines.push(`  Suggested fix: ${f.fix}`);
  return lines.join("\n");
}

/** The prompt of one reviewer of one round. */
export function buildReviewerPrompt(input: ReviewerPromptInput): string {
  const previous = input.previous.length
    ? `\n## Earlier findings (re-review)\nThis is a re-review after a fix. For each finding below, say in \`previous\` whether it is \`fixed\`, \`still_valid\` or \`outdated\`. Report new findings only for regressions in the fix${input.fixDiffFile ? ` (its own diff: ${input.fixDiffFile})` : ""}.\n${input.previous.map(findingText).join("\n")}\n`
    : "";
  return fill(reviewerTemplate, {
    TASK_ID: input.taskId,
    TASK_TITLE: input.taskTitle,
    SPEC_NAME: input.specName,
    REVIEWER: String(input.reviewer),
    REVIEWERS: String(input.reviewers),
    ROUND: String(input.round),
    FOCUS: input.securityFocus
      ? "\nYour focus is security: injection, secrets in code or logs, unsafe file and process handling, missing authorisation, unvalidated input. Review the rest too.\n"
      : "",
    DIFF_FILE: input.diffFile,
    DIFF_WHAT: input.committed ? "the unit's commits since it started" : "the working tree's changes since the unit started",
    REQUIREMENTS_FILE: input.requirementsFile ?? "(this spec has no requirements.md)",
    DESIGN_FILE: input.designFile ?? "(this spec has no design.md)",
    TASK_BLOCK: input.taskBlock,
    REQUIREMENT_IDS: input.requirementIds.length ? input.requirementIds.join(", ") : "(none listed)",
    VERIFY: verifyBlock(input.verify),
    PREVIOUS: previous,
    HUMAN_FIX: input.humanFix
      ? `\n## A person's fix\nThe loop handed this unit to a person, who fixed it by hand; this round reviews their fix like any other.${input.humanFix.note ? `\nTheir note: ${input.humanFix.note}` : ""}\n`
      : "",
  });
}

/** The one re-ask after a reply without a valid block: the reason, the rules, then the original review prompt. */
export function buildReaskPrompt(reason: string, earlierIds: string[], original: string): string {
  const ids = earlierIds.length ? `\`previous\` may name only these earlier findings: ${earlierIds.join(", ")}.\n` : "";
  return `${fill(reaskTemplate, { REASON: reason, PREVIOUS_IDS: ids })}\n---\nThe review you were asked for:\n\n${original}`;
}

export interface FixPromptInput {
  specName: string;
  taskId: string;
  taskTitle: string;
  taskBlock: string;
  specFiles: string;
  round: number;
  maxRounds: number;
  blocking: MergedFinding[];
  debt: MergedFinding[];
  /** Failing verify output of the last try, if any. */
  verify: VerifyResult[];
  /** Every earlier round's findings (given on the escalated round). */
  history: RoundFindings[];
  /** A human's note from `seqorch decide … retry --note`. */
  guidance: string | null;
  /** `start..HEAD` and the unit's commits, or a line saying there are none. */
  commits: string;
  /** seqorch commits (--commit): the agent must not. */
  seqorchCommits: boolean;
}

/** The prompt of one fix round. */
export function buildFixPrompt(input: FixPromptInput): string {
  const failing = input.verify.filter((v) => v.exitCode !== 0 || v.timedOut);
  return fill(fixTemplate, {
    TASK_ID: input.taskId,
    TASK_TITLE: input.taskTitle,
    SPEC_NAME: input.specName,
    ROUND: String(input.round),
    MAX_ROUNDS: String(input.maxRounds),
    SPEC_FILES: input.specFiles,
    TASK_BLOCK: input.taskBlock,
    BLOCKING: input.blocking.length ? input.blocking.map(findingText).join("\n") : "(none: the checks below failed)",
    DEBT: input.debt.length ? `\n## Minor findings (optional)\n${input.debt.map(findingText).join("\n")}\n` : "",
    VERIFY: failing.length ? `\n## Failing checks\n${failing.map((v) => `### \`${v.command}\` (${v.timedOut ? "timed out" : `exit ${v.exitCode}`})\n\`\`\`\n${v.tail}\n\`\`\``).join("\n")}\n` : "",
    HISTORY: input.history.length
      ? `\n## Earlier rounds\n${input.history.map((h) => `### ${h.round === 0 ? "Review of the implementation" : `Review after fix round ${h.round}`}\n${h.findings.map(findingText).join("\n") || "(no findings)"}`).join("\n")}\n`
      : "",
    GUIDANCE: input.guidance ? `\n## Guidance from a human\n${input.guidance}\n` : "",
    COMMITS: input.commits,
    COMMIT_RULE: input.seqorchCommits ? "Do not commit: seqorch commits each fix round itself, with only the files you changed." : "If the workdir is a git repository, commit your fix.",
  });
}
