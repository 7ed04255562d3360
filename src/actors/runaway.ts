// Doubting a "done": an agent that says TASK_DONE but changed nothing in the workdir, or unticked boxes itself.
import type { AttemptOutcome, Dispatched } from "../../machines/orchestrator.ts";
import type { RunContext, RunPaths } from "./run-context.ts";

/**
 * seqorch's own files, left out of the workdir fingerprint: seqorch writes them around every attempt (the first
 * unit of a fresh run creates the state and progress files), so they would always look like the agent's change.
 */
export function ownFiles(paths: RunPaths): string[] {
  const { tasksFile, stateFile, progressFile } = paths;
  return [tasksFile, stateFile, `${stateFile}.lock`, progressFile];
}

/**
 * What is recorded before an attempt starts: the workdir's git fingerprint (the one the previous attempt ended
 * with, when it just ended: one git process per unit) and the tasks done in tasks.md.
 */
export async function evidenceBefore(context: RunContext): Promise<NonNullable<Dispatched["before"]>> {
  return { workdir: await context.workdirGit.before(), doneTasks: [...context.planReader.ticked()] };
}

/**
 * Check a done outcome against the evidence: no change at all in the workdir (git) and tasks ticked before
 * but unticked now are warnings in the progress log; with --require-changes they make the attempt fail.
 */
export async function doubtDone(context: RunContext, outcome: AttemptOutcome, before: Dispatched["before"]): Promise<AttemptOutcome> {
  if (outcome.kind !== "done" || !before) return outcome;
  const warnings: string[] = [];
  if (before.workdir !== null && (await context.workdirGit.after()) === before.workdir) {
    warnings.push("the agent said TASK_DONE but nothing changed in the workdir (git)");
  }
  const cannotCheck = before.workdir === null && context.requireChanges;
  try {
    const now = context.planReader.ticked();
    const unticked = before.doneTasks.filter((key) => !now.has(key));
    if (unticked.length) warnings.push(`the agent unticked done task(s) in tasks.md: ${unticked.join(", ")}`);
  } catch (error) {
    warnings.push(`tasks.md no longer parses after the attempt: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (warnings.length === 0) {
    return cannotCheck ? { ...outcome, warnings: [`--require-changes cannot check for changes: ${context.paths.workdir} is not in a git repository (only unticked boxes are checked)`] } : outcome;
  }
  if (context.requireChanges) return { kind: "failed", reason: `runaway (--require-changes): ${warnings.join("; ")}`, message: outcome.message, exitCode: outcome.exitCode };
  return { ...outcome, warnings };
}
