// Makes a state file left by an earlier run consistent before a new run starts: attempts left running by a
// killed orchestrator are ended and recorded as interrupted; a halt is cleared so a human's re-run can go on.
import { killProcessGroup, processHasEnv } from "../runner/process-tree.ts";
import type { AttemptHandle, SessionRunner } from "../runner/types.ts";
import type { AttemptRecord, StateStore } from "./state.ts";

function handleOf(record: AttemptRecord): AttemptHandle {
  return {
    runner: record.runner,
    pid: record.pid,
    windowId: record.window_id,
    sessionId: record.session_id,
    startedAt: Date.parse(record.started_at),
    attemptDir: record.log.replace(/\/[^/]*$/, ""),
  };
}

/**
 * End an agent left running by a killed orchestrator: its tmux window's processes (the window id identifies it),
 * or a direct child's process group when /proc shows it still carries the attempt's SEQORCH_ATTEMPT_ID
 * (a pid alone may have been reused after a reboot).
 */
async function endLeftover(record: AttemptRecord, runner: SessionRunner): Promise<void> {
  if (record.runner === "tmux" && record.window_id && runner.kind === "tmux") {
    await runner.kill(handleOf(record));
  } else if (record.runner === "direct" && record.pid !== null && record.attempt_id) {
    if (processHasEnv(record.pid, `SEQORCH_ATTEMPT_ID=${record.attempt_id}`)) await killProcessGroup(record.pid, { graceMs: 5_000 });
  }
}

/**
 * Recover `store` for a new run. Returns one note per thing done, for the log and the progress file.
 * Attempts still marked running are ended (their tmux window's processes, when the runner can find them)
 * and counted as interrupted attempts; a halted state is cleared, and a unit that had used up its attempts
 * gets a fresh set (the human who re-runs it decided so).
 */
export async function recoverState(store: StateStore, runner: SessionRunner): Promise<string[]> {
  const notes: string[] = [];
  const state = store.get();
  const running = Object.entries(state.attempts).flatMap(([unit, records]) =>
    records.filter((r) => r.status === "running").map((r) => ({ unit, record: r })),
  );
  for (const { record } of running) await endLeftover(record, runner);
  if (running.length > 0 || state.current) {
    const now = new Date().toISOString();
    store.update((draft) => {
      for (const { unit, record } of running) {
        const r = draft.attempts[unit]?.find((a) => a.n === record.n && a.status === "running");
        if (!r) continue;
        r.status = "interrupted";
        r.reason = "the orchestrator stopped during this attempt";
        r.ended_at = now;
        r.duration_ms = Math.max(0, Date.parse(now) - Date.parse(r.started_at));
        notes.push(`unit ${unit}: attempt ${r.n} was left running by an earlier run; recorded as interrupted`);
      }
      draft.current = null;
    });
  }
  if (state.halted) {
    const unit = state.halted_task;
    const reason = state.halted_reason;
    store.update((draft) => {
      if (unit && reason === "attempts-exhausted") for (const r of draft.attempts[unit] ?? []) r.counted = false;
      draft.halted = false;
    });
    notes.push(`resuming after a halt (${reason ?? "unknown reason"}${unit ? `, unit ${unit}` : ""})`);
  }
  return notes;
}
