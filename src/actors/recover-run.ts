// Makes what an earlier, killed run left behind consistent before a new run starts:
// attempts left "running" are ended, or adopted when the agent had finished (the usage their logs report recorded); progress entries lost between the
// state write and the progress write are restored; ticks lost between the state write and tasks.md are redone;
// a halt is cleared so a human's re-run goes on.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readTail } from "../agents/log-tail.ts";
import { commandLines, endAttemptTree, killGraceMs, processHasEnv, type AttemptTree } from "../runner/process-tree.ts";
import { readExitCode, runsAttempt, treeOf as tmuxTreeOf } from "../runner/tmux.ts";
import type { AttemptHandle } from "../runner/types.ts";
import { detectSignal } from "../signals.ts";
import { appendProgress, STATUS_WORD } from "../store/progress.ts";
import type { AttemptRecord } from "../store/state.ts";
import { priceUsage } from "../usage/prices.ts";
import type { Usage } from "../usage/record.ts";
import { endMarks, writeUnitMarks } from "./marks.ts";
import type { RunContext } from "./run-context.ts";

/**
 * Runs killed during one unit whose cut-short attempts do not count towards --max-attempts (seqorch died, not the
 * agent). Later ones count, so an agent that kills seqorch every time, restarted by a supervisor, halts the unit
 * after this many plus --max-attempts runs instead of looping.
 */
export const FORGIVEN_KILLS_PER_UNIT = 3;

/** The reason recovery gives an attempt whose run died while it ran (its first words, whatever follows). */
const KILLED_RUN = "the orchestrator stopped during this attempt";

/** An attempt recovery recorded interrupted and did not count (a killed run forgiven, within the cap). */
function forgivenKill(record: AttemptRecord): boolean {
  return record.status === "interrupted" && !record.counted && (record.reason ?? "").startsWith(KILLED_RUN);
}

function handleOf(record: AttemptRecord): AttemptHandle {
  return {
    runner: record.runner,
    pid: record.pid,
    windowId: record.window_id,
    sessionId: record.session_id,
    startedAt: Date.parse(record.started_at),
    attemptDir: dirname(record.log),
    ...(record.attempt_id ? { attemptId: record.attempt_id } : {}),
  };
}

/**
 * The processes that provably belong to a recorded attempt. A recorded pid is trusted only when that process
 * still is the attempt's (tmux: the pane's shell runs this attempt's script; direct: it carries the attempt's
 * SEQORCH_ATTEMPT_ID), because after a reboot or a tmux restart it may belong to an unrelated process. An attempt
 * recorded before its start (no pid yet) is found the same ways. Everything else is found by the attempt id.
 */
function recordedTree(record: AttemptRecord): AttemptTree {
  const attemptId = record.attempt_id ?? null;
  const panes = () => commandLines((cmdline) => runsAttempt(cmdline, dirname(record.log))).map((p) => p.pid);
  const owns = (pid: number) => (record.runner === "tmux" ? panes().includes(pid) : attemptId !== null && processHasEnv(pid, `SEQORCH_ATTEMPT_ID=${attemptId}`));
  let leader: number | null = record.pid !== null && owns(record.pid) ? record.pid : null;
  if (leader === null && record.pid === null && record.runner === "tmux") leader = panes()[0] ?? null;
  if (record.runner === "tmux") return tmuxTreeOf({ pid: leader, ...(attemptId ? { attemptId } : {}) });
  return { pgid: leader, rootPid: leader, attemptId };
}

/** End whatever of the attempt still runs (its agent first, with the grace); true when something did. */
async function endIfRunning(_context: RunContext, record: AttemptRecord): Promise<boolean> {
  const found = await endAttemptTree(recordedTree(record), { graceMs: killGraceMs(5_000) });
  return found.length > 0;
}

/**
 * What a finished (or ended) attempt's log says, read by its backend's parser as the session reads it: whether
 * the agent said TASK_DONE, and the usage its stream reported (priced from the config file's table), or null.
 */
async function readLeftAttempt(context: RunContext, record: AttemptRecord): Promise<{ saidDone: boolean; usage: Usage | null }> {
  try {
    const exit = { exitCode: readExitCode(dirname(record.log)), reason: "exited" as const, durationMs: 0 };
    const reply = await context.adapterFor(record.backend).parseReply(record.log, join(dirname(record.log), "err.log"), exit);
    return { saidDone: detectSignal(reply.finalMessage) === "done", usage: reply.usage ? priceUsage(reply.usage, context.prices) : null };
  } catch {
    // The backend is not in this build: read the raw log (no usage without its parser).
    return { saidDone: detectSignal(readTail(record.log, 64 * 1024)) === "done", usage: null };
  }
}

/**
 * Is a detached attempt's agent still running? tmux: no exit file yet, and the pane's shell (the recorded pid) still
 * runs this attempt's script; direct: a process carrying the attempt's SEQORCH_ATTEMPT_ID.
 */
function stillRunning(record: AttemptRecord): boolean {
  if (record.pid === null) return false;
  if (record.runner === "tmux") {
    if (readExitCode(dirname(record.log)) !== null) return false;
    try {
      return runsAttempt(readFileSync(`/proc/${record.pid}/cmdline`, "utf8"), dirname(record.log));
    } catch {
      return false; // gone (or no /proc: not adopted, ended instead)
    }
  }
  return Boolean(record.attempt_id) && processHasEnv(record.pid, `SEQORCH_ATTEMPT_ID=${record.attempt_id}`);
}

/** Send SIGCONT to process group `pgid` (verified to be the attempt's by the caller); a gone group is fine. */
function continueGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGCONT");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** Iteration numbers that have an entry in the progress log. */
function loggedIterations(progressFile: string): Set<number> {
  if (!existsSync(progressFile)) return new Set();
  return new Set([...readFileSync(progressFile, "utf8").matchAll(/^## Iteration (\d+)$/gm)].map((m) => Number(m[1])));
}

/** Start waiting for an adopted attempt again: the handle the runner needs, from the record. */
export function adoptedHandle(record: AttemptRecord): AttemptHandle {
  return { ...handleOf(record), ...(record.channel ? { channel: record.channel } : {}) };
}

/** End an adoptable attempt whose unit is no longer to run (ticked or removed by hand) and record it interrupted. */
export async function dropAdoptable(context: RunContext, unit: string): Promise<void> {
  const record = context.adoptable.get(unit);
  context.adoptable.delete(unit);
  if (!record) return;
  await endIfRunning(context, record);
  context.store.update((draft) => {
    const r = draft.attempts[unit]?.find((a) => a.n === record.n);
    if (r) Object.assign(r, { status: "interrupted", reason: "its unit is no longer to run; the adopted agent was ended", ended_at: new Date().toISOString(), detached: false });
  });
}

/** Recover the run's state; returns one note per thing done, for the log and the progress file. */
export async function recoverRun(context: RunContext): Promise<string[]> {
  const { store } = context;
  const notes: string[] = [];
  const running = Object.entries(store.get().attempts).flatMap(([unit, records]) =>
    records.filter((r) => r.status === "running").map((r) => ({ unit, record: r })),
  );
  const plan = running.length > 0 ? context.planReader.read(store.get().completed).plan : null;
  for (const { unit, record } of running) {
    if (record.detached && stillRunning(record)) {
      // A run killed during a log trim's pause (SIGSTOP) leaves the agent stopped: continue it before adopting it.
      continueGroup(record.pid!);
      context.adoptable.set(unit, record);
      notes.push(`unit ${unit}: adopting attempt ${record.n}, left running by a run stopped with --detach-on-stop`);
      continue;
    }
    // Read before the ending (which makes a tmux pane's script write one): the agent ended on its own.
    const exitedOnItsOwn = readExitCode(dirname(record.log)) !== null;
    const wasRunning = await endIfRunning(context, record);
    // Read only now, after the ending: an agent may finish (TASK_DONE, exit 0) while it is being ended.
    // With --verify or --commit a TASK_DONE is only a claim until the checks ran: the unit runs again.
    const gated = context.gates.verify.length > 0 || context.gates.commit;
    const { saidDone, usage } = await readLeftAttempt(context, record);
    const done = saidDone && !gated;
    const planUnit = plan?.units.find((u) => u.key === unit);
    const now = new Date().toISOString();
    store.update((draft) => {
      const r = draft.attempts[unit]?.find((a) => a.n === record.n);
      if (!r) return;
      r.ended_at = now;
      r.duration_ms = Math.max(0, Date.parse(now) - Date.parse(r.started_at));
      r.exit_code = readExitCode(dirname(record.log));
      // What the agent's stream reported counts for the unit's and run's sums (and the next run's budget).
      r.agent_usage ??= usage;
      if (done) {
        r.status = "done";
        r.reason = wasRunning ? "finished while the next run was ending it; recorded on resume" : "finished while no seqorch was running; recorded on resume";
        for (const key of [unit, ...(planUnit?.subtasks.map((t) => t.key) ?? [])]) if (!draft.completed.includes(key)) draft.completed.push(key);
      } else {
        r.status = "interrupted";
        r.reason = wasRunning ? `${KILLED_RUN}; its agent was ended` : KILLED_RUN;
        if (saidDone) {
          // Not the agent's failure: the run died around it (during its checks or commit, with gates on).
          r.counted = false;
          r.reason = "the agent said TASK_DONE, but the run stopped before its checks and commit; the unit runs again";
        } else if (!exitedOnItsOwn) {
          // Cut short by seqorch's own death (or never started): not the agent's failure, up to the cap.
          const forgiven = (draft.attempts[unit] ?? []).filter((a) => a !== r && forgivenKill(a)).length;
          if (forgiven < FORGIVEN_KILLS_PER_UNIT) r.counted = false;
          else r.reason += `; counted: more than ${FORGIVEN_KILLS_PER_UNIT} runs were killed during this unit`;
        }
      }
    });
    const counted = store.get().attempts[unit]?.find((a) => a.n === record.n)?.counted;
    notes.push(
      done
        ? `unit ${unit}: attempt ${record.n} finished with TASK_DONE after the earlier run stopped; recorded done`
        : `unit ${unit}: attempt ${record.n} was left running by an earlier run; recorded as interrupted${counted ? "" : " (not counted towards --max-attempts)"}`,
    );
    // Nobody works on the unit now: its `[-]` goes back to `[ ]`, as the recorder does for an ended attempt.
    if (!done && planUnit && context.writeback) await writeUnitMarks(context, endMarks(planUnit, false));
  }
  if (store.get().current) store.update((draft) => void (draft.current = null));
  restoreProgress(context, notes);
  if (context.writeback) await retick(context, notes);
  const state = store.get();
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

/** Append the progress entries of ended attempts that the log lacks (the run died between the two writes). */
function restoreProgress(context: RunContext, notes: string[]): void {
  const logged = loggedIterations(context.paths.progressFile);
  const missing = Object.entries(context.store.get().attempts)
    .flatMap(([unit, records]) => records.map((record) => ({ unit, record })))
    .filter(({ record }) => record.status !== "running" && !logged.has(record.iteration))
    .sort((a, b) => a.record.iteration - b.record.iteration);
  for (const { unit, record } of missing) {
    appendProgress(context.paths.progressFile, {
      iteration: record.iteration,
      unitId: unit,
      title: "(entry restored from the state file after a crash)",
      status: `${STATUS_WORD[record.status as keyof typeof STATUS_WORD] ?? record.status}${record.reason ? ` (${record.reason})` : ""}`,
      attempt: record.n,
      maxAttempts: context.maxAttempts,
      backend: record.backend,
      time: record.ended_at ?? new Date().toISOString(),
      durationMs: record.duration_ms ?? 0,
      log: record.log,
      message: "",
    });
  }
  if (missing.length) notes.push(`restored ${missing.length} progress entr${missing.length === 1 ? "y" : "ies"} from the state file`);
}

/** Tick units the state file records done but tasks.md does not show done (the run died before writing them). */
async function retick(context: RunContext, notes: string[]): Promise<void> {
  const completed = new Set(context.store.get().completed);
  const view = context.planReader.read([]);
  const stale = view.plan.units.filter((u) => !u.done && completed.has(u.key));
  for (const unit of stale) await writeUnitMarks(context, endMarks(unit, true));
  if (stale.length) notes.push(`ticked ${stale.map((u) => u.id).join(", ")} in tasks.md (recorded done before the earlier run stopped)`);
}
