// The dispatcher actor's work: write the prompt, record the attempt as started, mark the unit `[-]`, start the agent.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AttemptInput, Dispatched } from "../../machines/orchestrator.ts";
import { buildUnitPrompt } from "../prompt/unit-prompt.ts";
import type { LaunchSpec } from "../runner/types.ts";
import type { DispatchUnit } from "../spec/types.ts";
import { writeMarks, type MarkChange } from "../spec/writeback.ts";
import type { RunContext } from "./run-context.ts";

/** A unit key as a folder or window name: `13.4#2` → `13.4_2`. */
export function safeName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** The per-attempt folder: `<attemptsDir>/<unit>/<attempt>/`. */
export function attemptDirOf(context: RunContext, unitKey: string, attempt: number): string {
  return join(context.paths.attemptsDir, safeName(unitKey), String(attempt));
}

/** Keep attempt files out of the user's commits. */
function ensureAttemptsDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const ignore = join(dir, "..", ".gitignore");
  if (!existsSync(ignore)) writeFileSync(ignore, "# seqorch attempt files (prompts, agent logs)\n*\n");
}

/** The `[-]` marks for a unit that starts: its own line, or for a heading group its pending sub-tasks. */
export function startMarks(unit: DispatchUnit): MarkChange[] {
  const tasks = unit.task ? [unit.task] : unit.subtasks;
  return tasks.map((t) => ({ key: t.key, id: t.id, title: t.title, to: "-", onlyIf: [" ", "~", "-"] }));
}

/** One line per earlier failed attempt of a unit, for the prompt. */
function previousAttempts(context: RunContext, unitKey: string): string[] {
  return (context.store.get().attempts[unitKey] ?? [])
    .filter((a) => a.status === "failed" || a.status === "interrupted")
    .map((a) => `attempt ${a.n}: ${a.reason ?? a.status} (log: ${a.log})`);
}

/** Start one attempt of `unit`. Throws when the prompt cannot be written or the agent cannot start. */
export async function dispatchAttempt(context: RunContext, unit: DispatchUnit, input: AttemptInput): Promise<Dispatched> {
  const dir = attemptDirOf(context, unit.key, input.attempt);
  ensureAttemptsDir(join(context.paths.attemptsDir, safeName(unit.key)));
  mkdirSync(dir, { recursive: true });
  const promptFile = join(dir, "prompt.md");
  const { paths } = context;
  writeFileSync(
    promptFile,
    buildUnitPrompt({
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
    }),
  );
  const adapter = context.adapterFor(input.assignment.backend);
  const launch = adapter.buildLaunch({
    taskId: unit.key,
    specDir: paths.specDir,
    workdir: paths.workdir,
    attempt: input.attempt,
    promptFile,
  });
  const spec: LaunchSpec = {
    argv: launch.argv,
    env: launch.env,
    cwd: paths.workdir,
    stdinFile: launch.stdin === "prompt" ? promptFile : null,
    outLog: join(dir, "out.log"),
    errLog: join(dir, "err.log"),
    attemptDir: dir,
    windowName: `task-${unit.key}`,
  };
  const startedAt = new Date().toISOString();
  context.store.update((state) => {
    state.started_at ??= startedAt;
    state.halted = false;
    state.iteration += 1;
    state.current = { unit: unit.key, attempt: input.attempt, started_at: startedAt };
    (state.attempts[unit.key] ??= []).push({
      n: input.attempt,
      iteration: state.iteration,
      backend: input.assignment.backend,
      status: "running",
      reason: null,
      started_at: startedAt,
      ended_at: null,
      duration_ms: null,
      exit_code: null,
      counted: true,
      log: spec.outLog,
      err_log: spec.errLog,
      prompt_file: promptFile,
      runner: context.runner.kind,
      window_id: null,
      session_id: null,
      pid: null,
    });
  });
  if (context.writeback) await writeMarks(paths.tasksFile, startMarks(unit)).catch((error: unknown) => warnWriteback(context, error));
  const handle = await context.runner.start(spec);
  context.store.update((state) => {
    const record = state.attempts[unit.key]?.at(-1);
    if (record) {
      record.pid = handle.pid;
      record.window_id = handle.windowId;
      record.session_id = handle.sessionId;
    }
  });
  context.report({
    type: "unit-started",
    unitId: unit.id,
    attempt: input.attempt,
    maxAttempts: context.maxAttempts,
    backend: input.assignment.backend,
    where: handle.windowId ? `tmux window ${handle.windowId} (${spec.windowName})` : `pid ${handle.pid}`,
    log: spec.outLog,
  });
  return { attempt: input.attempt, outLog: spec.outLog, handle };
}

/** A failed checkbox write is a warning: the state file is the record, tasks.md is a courtesy. */
export function warnWriteback(context: RunContext, error: unknown): void {
  context.report({ type: "warning", message: `could not update ${context.paths.tasksFile}: ${error instanceof Error ? error.message : String(error)}` });
}
