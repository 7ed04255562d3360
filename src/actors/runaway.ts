// Doubting a "done": an agent that says TASK_DONE but changed nothing in the workdir, or unticked boxes itself.
import type { AttemptOutcome, Dispatched } from "../../machines/orchestrator.ts";
import type { RunContext, RunPaths } from "./run-context.ts";
import { intentsPath } from "../store/intents.ts";
import { spareOf } from "../store/atomic-write.ts";
import { lateProgressWritten } from "./late-progress.ts";

/**
 * seqorch's own files, left out of the workdir fingerprint: seqorch writes them around every attempt (the first
 * unit of a fresh run creates the state and progress files, each dispatch appends to the state's intent journal,
 * each state write fills the spare file it is exchanged with),
 * so they would always look like the agent's change.
 */
export function ownFiles(paths: RunPaths): string[] {
  const { tasksFile, stateFile, progressFile, pulseFile } = paths;
  return [tasksFile, stateFile, `${stateFile}.lock`, intentsPath(stateFile), spareOf(stateFile), progressFile, pulseFile];
}

/**
 * What is recorded before an attempt starts: the workdir's git fingerprint (the one the previous attempt ended
 * with, when it just ended: one git process per unit) and the tasks done in tasks.md.
 */
export async function evidenceBefore(context: RunContext): Promise<NonNullable<Dispatched["before"]>> {
  // The previous attempt's progress entry waits for its check's git status, which is this attempt's "before".
  await lateProgressWritten(context);
  return { workdir: await context.workdirGit.before(), doneTasks: [...context.planReader.ticked()] };
}

/**
 * The workdir's fingerprint after an attempt, begun as soon as its agent has ended (`git status` runs in its own
 * process while seqorch reads the reply and records the attempt); null when there was no fingerprint before it
 * (not a git repository: nothing to compare). The promise never rejects unhandled: a failure is thrown where
 * it is awaited.
 */
export function fingerprintAfter(context: RunContext, before: Dispatched["before"]): (() => Promise<string | null>) | null {
  if (!before || before.workdir === null) return null;
  const settled = context.workdirGit.after().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return async () => {
    const result = await settled;
    if ("error" in result) throw result.error;
    return result.value;
  };
}

/**
 * The fingerprint after an attempt that has ended: `early` (begun when its agent exited), unless what the agent
 * left running was found and ended after that (it may have changed files meanwhile): then one taken once `early`
 * is done. Without `early` (the agent did not exit by itself), one begun now.
 */
export function fingerprintAfterEnd(context: RunContext, before: Dispatched["before"], early: ReturnType<typeof fingerprintAfter>, leftovers: boolean): ReturnType<typeof fingerprintAfter> {
  if (early === null) return fingerprintAfter(context, before);
  if (!leftovers) return early;
  const again = early().then(
    () => fingerprintAfter(context, before),
    () => fingerprintAfter(context, before),
  );
  return async () => (await again)?.() ?? null;
}

/**
 * Whether a done's runaway check may end after the attempt is recorded: without --require-changes its findings
 * are only warnings in the progress log, and without checks, commits, reviews or worktrees nothing else runs
 * git in the workdir before the recorder has them (src/actors/recorder.ts awaits them before the progress entry).
 */
export function canDoubtLate(context: RunContext): boolean {
  const { gates } = context;
  return !context.requireChanges && gates.verify.length === 0 && !gates.commit && gates.review === null && !gates.parallel;
}

/**
 * Leave a done's runaway check (`doubted`: doubtDone's promise) to finish while the attempt is recorded; the
 * recorder takes its warnings with {@link lateWarnings}. Replaces one left by an earlier attempt of the unit.
 */
export function doubtLate(context: RunContext, unitKey: string, doubted: Promise<AttemptOutcome>): void {
  const warnings = doubted.then(
    (outcome) => (outcome.kind === "done" ? (outcome.warnings ?? []) : []),
    (error: unknown) => [`the runaway check failed: ${error instanceof Error ? error.message : String(error)}`],
  );
  context.memory.lateDoubts.set(unitKey, warnings);
}

/** The warnings of a done's runaway check left by {@link doubtLate} ([] when there is none), once it has ended. */
export async function lateWarnings(context: RunContext, unitKey: string): Promise<string[]> {
  const pending = context.memory.lateDoubts.get(unitKey);
  if (!pending) return [];
  context.memory.lateDoubts.delete(unitKey);
  return pending;
}

/**
 * Check a done outcome against the evidence: no change at all in the workdir (git) and tasks ticked before
 * but unticked now are warnings in the progress log; with --require-changes they make the attempt fail.
 * `after`: the fingerprint begun when the attempt ended ({@link fingerprintAfter}; absent: one taken now).
 * tasks.md is read before the first await, so marks seqorch writes meanwhile (only ticks) are not the agent's.
 */
export async function doubtDone(context: RunContext, outcome: AttemptOutcome, before: Dispatched["before"], after?: (() => Promise<string | null>) | null): Promise<AttemptOutcome> {
  if (outcome.kind !== "done" || !before) return outcome;
  const warnings: string[] = [];
  const cannotCheck = before.workdir === null && context.requireChanges;
  try {
    const now = context.planReader.ticked();
    const unticked = before.doneTasks.filter((key) => !now.has(key));
    if (unticked.length) warnings.push(`the agent unticked done task(s) in tasks.md: ${unticked.join(", ")}`);
  } catch (error) {
    warnings.push(`tasks.md no longer parses after the attempt: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (before.workdir !== null && (await (after ? after() : context.workdirGit.after())) === before.workdir) {
    warnings.unshift("the agent said TASK_DONE but nothing changed in the workdir (git)");
  }
  if (warnings.length === 0) {
    return cannotCheck ? { ...outcome, warnings: [`--require-changes cannot check for changes: ${context.paths.workdir} is not in a git repository (only unticked boxes are checked)`] } : outcome;
  }
  if (context.requireChanges) return { kind: "failed", reason: `runaway (--require-changes): ${warnings.join("; ")}`, message: outcome.message, exitCode: outcome.exitCode };
  return { ...outcome, warnings };
}
