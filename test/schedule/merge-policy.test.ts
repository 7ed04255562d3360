// afterMergeTurn: the verdict after a unit's turn in the merge queue, table-driven.
import { expect, test } from "bun:test";
import { afterMergeTurn } from "../../src/schedule/merge-policy.ts";

test.each([
  ["merged", 0, { status: "completed", alone: false, decision: null, resetToBackup: false, keepWorktree: false, sentBack: 0 }],
  ["merged after a re-run", 1, { status: "completed", alone: false, decision: null, resetToBackup: false, keepWorktree: false, sentBack: 1 }],
  ["conflict, first time: again alone, worktree kept", 0, { status: "pending", alone: true, decision: null, resetToBackup: false, keepWorktree: true, sentBack: 1 }],
  ["conflict, second time: decision", 1, { status: "blocked", alone: false, decision: "merge_conflict", resetToBackup: false, keepWorktree: true, sentBack: 1 }],
  ["gate-failed, first time: reset, again alone", 0, { status: "pending", alone: true, decision: null, resetToBackup: true, keepWorktree: true, sentBack: 1 }],
  ["gate-failed, second time: reset and decision", 1, { status: "blocked", alone: false, decision: "merge_conflict", resetToBackup: true, keepWorktree: true, sentBack: 1 }],
  ["scope-violation: decision at once", 0, { status: "blocked", alone: false, decision: "scope_violation", resetToBackup: false, keepWorktree: true, sentBack: 0 }],
  ["refused: decision", 0, { status: "blocked", alone: false, decision: "merge_conflict", resetToBackup: false, keepWorktree: true, sentBack: 0 }],
] as const)("%s", (name, sentBack, expected) => {
  const result = name.split(/[ ,:]/)[0] as Parameters<typeof afterMergeTurn>[0];
  expect(afterMergeTurn(result, sentBack)).toEqual(expected);
});
