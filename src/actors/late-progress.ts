// A done attempt's progress entry written once its runaway check (a `git status` in its own process) has ended,
// while the run goes on to the next unit: the recorder need not wait for git, only the next agent's start does
// (its "before" is that status). Entries stay in order: whatever writes the progress log next waits for it.

import type { RunContext } from "./run-context.ts";

/**
 * Write a progress entry later, with `write` (it awaits the check's warnings and appends the entry), after any
 * entry deferred before it. Its failure (a WriteError) is thrown by the next {@link lateProgressWritten}.
 */
export function deferProgress(context: RunContext, write: () => Promise<void>): void {
  const before = context.memory.lateProgress ?? Promise.resolve();
  context.memory.lateProgress = before.then(write);
  // Handled where it is awaited; until then a rejection is not an unhandled one.
  context.memory.lateProgress.catch(() => {});
}

/**
 * Resolves once every deferred progress entry is written (at once when none is pending). Throws what writing one
 * threw (WriteError), once. Called before the next attempt starts, before any other progress entry, and at the
 * run's end.
 */
export async function lateProgressWritten(context: RunContext): Promise<void> {
  const pending = context.memory.lateProgress;
  if (pending === undefined) return;
  try {
    await pending;
  } finally {
    if (context.memory.lateProgress === pending) context.memory.lateProgress = undefined;
  }
}
