// The dispatcher actor's work: write the prompt, record the attempt as started, mark the unit `[-]`, start the agent.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AttemptInput, Dispatched } from "../../machines/orchestrator.ts";
import { buildUnitPrompt } from "../prompt/unit-prompt.ts";
import type { AttemptHandle, LaunchSpec } from "../runner/types.ts";
import type { DispatchUnit } from "../spec/types.ts";
import { crashPoint } from "../fault-injection.ts";
import { WriteError } from "../errors.ts";
import type { AttemptRecord } from "../store/state.ts";
import { startMarks, writeUnitMarks } from "./marks.ts";
import { adoptedHandle } from "./recover-run.ts";
import { evidenceBefore } from "./runaway.ts";
import { lateProgressWritten } from "./late-progress.ts";
import { recordUnitStart } from "./pipeline-record.ts";
import { verifyTail } from "./verifier.ts";
import { contextForUnit, type RunContext } from "./run-context.ts";
import { appendProgressNote } from "../store/progress.ts";

/** A unit key as a folder or window name: `13.4#2` → `13.4_2`. */
export function safeName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** The per-attempt folder: `<attemptsDir>/<unit>.<attempt>/` (one mkdir per attempt). */
export function attemptDirOf(context: RunContext, unitKey: string, attempt: number): string {
  return join(context.paths.attemptsDir, `${safeName(unitKey)}.${attempt}`);
}

/** Create the attempts folder once per run, with a .gitignore that keeps attempt files out of the user's commits. */
function ensureAttemptsDir(context: RunContext): void {
  const { attemptsDir } = context.paths;
  const prepared = context.memory.preparedDirs;
  if (prepared.has(attemptsDir)) return;
  mkdirSync(attemptsDir, { recursive: true });
  const ignore = join(attemptsDir, "..", ".gitignore");
  if (!existsSync(ignore)) writeFileSync(ignore, "# seqorch attempt files (prompts, agent logs)\n*\n");
  prepared.add(attemptsDir);
}

/**
 * Create the folder of a new attempt: numbered after the unit's recorded attempts, skipping folders that already
 * exist (left by a run whose state was reset, or that died before recording the attempt).
 */
function newAttemptDir(context: RunContext, unitKey: string): { seq: number; dir: string } {
  for (let seq = (context.store.get().attempts[unitKey]?.length ?? 0) + 1; ; seq++) {
    const dir = attemptDirOf(context, unitKey, seq);
    try {
      mkdirSync(dir);
      return { seq, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new WriteError(dir, (error as NodeJS.ErrnoException).code ?? String(error));
    }
  }
}

/** Write an attempt's prompt to `file`. Throws WriteError naming it. */
function writePrompt(text: string, file: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new WriteError(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
}

/** One line per earlier failed attempt of a unit, for the prompt. */
function previousAttempts(context: RunContext, unitKey: string): string[] {
  return (context.store.get().attempts[unitKey] ?? [])
    .filter((a) => a.status === "failed" || a.status === "interrupted" || a.status === "over-budget")
    .map((a) => `attempt ${a.n}: ${a.reason ?? a.status} (log: ${a.log})`);
}

/** The checks that failed after the unit's last attempt (its TASK_DONE was not accepted), with their output's tail. */
function failingChecksOf(context: RunContext, unitKey: string): { command: string; exitCode: number | null; tail: string }[] {
  const last = context.store.get().attempts[unitKey]?.at(-1);
  if (!last?.reason?.startsWith("verify failed")) return [];
  return (context.store.get().pipeline[unitKey]?.verify ?? [])
    .filter((v) => v.exit_code !== 0)
    .map((v) => ({ command: v.command, exitCode: v.exit_code, tail: verifyTail(v.log) }));
}

/** The agent session id of the unit's latest attempt on `backend` that recorded one (for --resume-session). */
function previousSessionOf(context: RunContext, unitKey: string, backend: string): string | null {
  const records = context.store.get().attempts[unitKey] ?? [];
  return records.findLast((a) => a.backend === backend && a.agent_session_id)?.agent_session_id ?? null;
}

/** The prompt of an attempt of `unit` (src/prompt/unit-prompt.ts). */
function promptOf(context: RunContext, unit: DispatchUnit, input: AttemptInput): string {
  const { paths } = context;
  return buildUnitPrompt({
    specName: paths.specName,
    workdir: paths.workdir,
    unit,
    files: {
      requirements: paths.requirementsFile,
      design: paths.designFile,
      tasks: paths.tasksFile,
      state: paths.stateFile,
      progress: paths.progressFile,
    },
    attempt: input.attempt,
    maxAttempts: context.maxAttempts,
    previousAttempts: previousAttempts(context, unit.key),
    parents: unit.task ? context.planReader.ancestorsOf(unit.task.key) : [],
    checks: context.gates.verify,
    seqorchCommits: context.gates.commit,
    failingChecks: failingChecksOf(context, unit.key),
    guidance: context.store.get().pipeline[unit.key]?.guidance ?? null,
  });
}

/** What the runner starts for an attempt: the backend's command line, in the attempt's folder `at.dir`. */
function launchSpecOf(context: RunContext, unit: DispatchUnit, input: AttemptInput, at: { dir: string; promptFile: string; attemptId: string }): LaunchSpec {
  const { paths } = context;
  const launch = context.adapterFor(input.assignment.backend).buildLaunch({
    taskId: unit.key,
    specDir: paths.specDir,
    workdir: paths.workdir,
    attempt: input.attempt,
    promptFile: at.promptFile,
    previousSessionId: previousSessionOf(context, unit.key, input.assignment.backend),
  });
  return {
    argv: launch.argv,
    env: { ...launch.env, SEQORCH_ATTEMPT_ID: at.attemptId, SEQORCH_ROLE: "implement", SEQORCH_FIX_ROUND: "0" },
    cwd: paths.workdir,
    stdinFile: launch.stdin === "prompt" ? at.promptFile : null,
    outLog: join(at.dir, "out.log"),
    errLog: join(at.dir, "err.log"),
    attemptDir: at.dir,
    windowName: `task-${unit.key}`,
  };
}

/** The record of an attempt about to start (status running; its pid or window added once it has one). */
function runningRecord(context: RunContext, input: AttemptInput, at: { n: number; startedAt: string; log: string; attemptId: string }): AttemptRecord {
  return {
    n: at.n,
    iteration: context.store.get().iteration + 1,
    backend: input.assignment.backend,
    status: "running",
    reason: null,
    started_at: at.startedAt,
    ended_at: null,
    duration_ms: null,
    exit_code: null,
    counted: true,
    log: at.log,
    runner: context.runner.kind,
    window_id: null,
    session_id: null,
    pid: null,
    channel: null,
    detached: false,
    attempt_id: at.attemptId,
    agent_session_id: null,
    agent_usage: null,
    ...(input.assignment.fallbackFrom ? { fallback_from: input.assignment.fallbackFrom, fallback_reason: input.assignment.fallbackReason ?? null } : {}),
  };
}

/**
 * Start one attempt of `unit`. Throws when the agent cannot start, and WriteError when seqorch cannot write its
 * own files for it (the attempt folder, the prompt, the intent journal: a full or read-only disk); that one is
 * kept for the recorder, which ends the run with it instead of counting an attempt the agent never had.
 */
export async function dispatchAttempt(runContext: RunContext, unit: DispatchUnit, input: AttemptInput): Promise<Dispatched> {
  try {
    return await startAttempt(runContext, unit, input);
  } catch (error) {
    if (error instanceof WriteError) (runContext.memory.unwritable ??= new Map()).set(unit.key, error);
    throw error;
  }
}

async function startAttempt(runContext: RunContext, unit: DispatchUnit, input: AttemptInput): Promise<Dispatched> {
  const context = contextForUnit(runContext, unit.key); // its worktree with --parallel, else the run's workdir
  const adopted = context.adoptable.get(unit.key);
  if (adopted) return adoptAttempt(context, unit, input, adopted);
  if (input.assignment.fallbackFrom) {
    await lateProgressWritten(context); // its note follows the previous unit's entry
    noteFallback(context, unit, input);
  }
  // Records are numbered over all runs (a halted unit that gets fresh attempts keeps its old logs).
  ensureAttemptsDir(context);
  const { seq, dir } = newAttemptDir(context, unit.key);
  const promptFile = join(dir, "prompt.md");
  writePrompt(promptOf(context, unit, input), promptFile);
  crashPoint("dispatch.prompt");
  const attemptId = `${process.pid}-${Date.now().toString(36)}-${safeName(unit.key)}.${seq}`;
  const spec = launchSpecOf(context, unit, input, { dir, promptFile, attemptId });
  await recordUnitStart(context, unit.key);
  if (context.store.get().pipeline[unit.key]?.guidance) context.store.update((state) => void (state.pipeline[unit.key]!.guidance = null), { units: [unit.key] });
  const before = await evidenceBefore(context);
  if (context.writeback) await writeUnitMarks(context, startMarks(unit));
  crashPoint("dispatch.marks");
  const startedAt = new Date().toISOString();
  // The intent is recorded before the start (attempt id, log, folder), so a run that dies between the start and
  // the result leaves a record that recovery can find the agent by (its attempt id, or the tmux script's path):
  // one line appended to the state's intent journal (src/store/intents.ts), not a state write. Not fsynced: a
  // power cut that loses it ends the agent too, and the unit is simply retried. The pid or window is added in
  // memory and reaches the disk with the next write (the result, or the run's end for an attempt left running
  // by --detach-on-stop).
  context.store.start(unit.key, input.attempt, runningRecord(context, input, { n: seq, startedAt, log: spec.outLog, attemptId }));
  crashPoint("dispatch.intent");
  // A start that fails is recorded too (the recorder closes the record as a failed attempt).
  let handle: AttemptHandle | null = null;
  let startError: unknown = null;
  try {
    handle = await context.runner.start(spec);
  } catch (error) {
    startError = error;
  }
  crashPoint("dispatch.started");
  if (handle) {
    const started = handle;
    context.store.update((state) => {
      const record = state.attempts[unit.key]?.find((a) => a.n === seq);
      if (!record) return;
      record.window_id = started.windowId;
      record.session_id = started.sessionId;
      record.pid = started.pid;
      record.channel = started.channel ?? null;
    }, { defer: true, units: [unit.key] });
  }
  if (!handle) throw startError;
  crashPoint("dispatch.recorded");
  reportStarted(context, unit, input, handle.windowId ? `tmux window ${handle.windowId} (${spec.windowName})` : `pid ${handle.pid}`, spec.outLog, handle.windowId);
  return { attempt: input.attempt, outLog: spec.outLog, handle, before };
}

/**
 * The unit moves to a fallback backend (--fallback-backend): say so in the progress log and to the display,
 * once per move (not again for a retry on the same fallback).
 */
function noteFallback(context: RunContext, unit: DispatchUnit, input: AttemptInput): void {
  const { backend, fallbackFrom, fallbackReason } = input.assignment;
  if (context.store.get().attempts[unit.key]?.at(-1)?.backend === backend) return;
  const reason = fallbackReason ?? `${fallbackFrom} is rate-limited`;
  appendProgressNote(context.paths.progressFile, `Unit ${unit.id}: fallback to ${backend} ${new Date().toISOString()}`, [
    `${reason}`,
    `Attempt ${input.attempt} runs on ${backend} (the rate-limited attempt is not counted); the next unit starts on its own backend`,
  ]);
  context.report({ type: "fallback", unitId: unit.id, from: context.store.get().attempts[unit.key]?.at(-1)?.backend ?? fallbackFrom ?? "", to: backend, reason });
}

/** Tell the display that an attempt of `unit` runs `where` (a tmux window or a pid), writing to `log`. */
function reportStarted(context: RunContext, unit: DispatchUnit, input: AttemptInput, where: string, log: string, windowId: string | null): void {
  context.report({
    type: "unit-started",
    unitId: unit.id,
    title: unit.title,
    review: context.gates.review !== null,
    worktree: context.worktree?.branch ?? null,
    attempt: input.attempt,
    maxAttempts: context.maxAttempts,
    backend: input.assignment.backend,
    where,
    log,
    windowId,
  });
}

/** Take over an attempt left running by a run stopped with --detach-on-stop, instead of starting a new one. */
function adoptAttempt(context: RunContext, unit: DispatchUnit, input: AttemptInput, record: AttemptRecord): Dispatched {
  context.adoptable.delete(unit.key);
  context.store.update((state) => {
    state.current = { unit: unit.key, attempt: input.attempt, started_at: record.started_at };
    const r = state.attempts[unit.key]?.find((a) => a.n === record.n);
    if (r) r.detached = false;
  }, { units: [unit.key] });
  reportStarted(context, unit, input, `adopted ${record.window_id ? `tmux window ${record.window_id}` : `pid ${record.pid}`}`, record.log, record.window_id);
  return { attempt: input.attempt, outLog: record.log, handle: adoptedHandle(record) };
}
