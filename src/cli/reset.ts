// `seqorch reset`: start a spec over: the state file and the attempt logs are moved to timestamped backups (never
// deleted), so new attempts are numbered from 1 again in the display, the log folders, `status` and `logs`.
// tasks.md keeps its ticks unless --untick is given (then the units the state recorded done are unticked).
import { defineCommand } from "citty";
import { existsSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { WriteError } from "../errors.ts";
import { log } from "../log.ts";
import { parseTasks } from "../spec/parse.ts";
import { writeMarks, type MarkChange } from "../spec/writeback.ts";
import { acquireLock } from "../store/lock.ts";
import { appendProgressNote } from "../store/progress.ts";
import { loadState } from "../store/state.ts";
import { moveIntents } from "../store/intents.ts";
import { rejectUnknown } from "./run-options.ts";
import { specFromArgs } from "./spec-args.ts";

const resetArgs = {
  spec: { type: "string", description: "Spec folder", valueHint: "DIR", required: false },
  untick: { type: "boolean", description: "Also untick in tasks.md the tasks the state recorded done (default: tasks.md is left as it is)" },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
  "progress-file": { type: "string", description: "Progress log (default <spec>/SEQUENTIAL_PROGRESS.md)", valueHint: "FILE" },
} as const;

/** Move `path` to `backup`; WriteError naming `path` when that fails. */
function moveAside(path: string, backup: string): void {
  try {
    renameSync(path, backup);
  } catch (error) {
    throw new WriteError(path, (error as NodeJS.ErrnoException).code ?? String(error));
  }
}

/** The newest `<stateFile>.bak-<time>` beside the state file, or null. */
function latestBackup(stateFile: string): string | null {
  const prefix = `${basename(stateFile)}.bak-`;
  const names = readdirSync(dirname(stateFile)).filter((n) => n.startsWith(prefix)).sort();
  return names.length ? join(dirname(stateFile), names.at(-1)!) : null;
}

/** Untick the `[x]` tasks of `tasksFile` whose keys are in `done`; returns how many were unticked. */
async function untick(tasksFile: string, done: readonly string[]): Promise<number> {
  const keys = new Set(done);
  const changes: MarkChange[] = parseTasks(readFileSync(tasksFile, "utf8"), tasksFile)
    .tasks.filter((t) => keys.has(t.key) && t.ticked)
    .map((t) => ({ key: t.key, id: t.id, title: t.title, line: t.line, to: " ", onlyIf: ["x", "X"] }));
  if (changes.length === 0) return 0;
  return (await writeMarks(tasksFile, changes)).applied.length;
}

export const resetCommand = defineCommand({
  meta: { name: "reset", description: "Start a spec over: back up the state file and attempt logs (tasks.md keeps its ticks unless --untick)" },
  args: resetArgs,
  async run({ args }) {
    rejectUnknown(args as Record<string, unknown>, resetArgs);
    const { spec, stateFile } = specFromArgs(args);
    const progressFile = args["progress-file"] ?? join(spec.specDir, "SEQUENTIAL_PROGRESS.md");
    const attemptsDir = join(dirname(stateFile), ".seqorch", "attempts");
    const lock = acquireLock(`${stateFile}.lock`);
    try {
      if (!existsSync(stateFile)) {
        const last = args.untick ? latestBackup(stateFile) : null;
        if (!last) {
          log.info(`${stateFile} does not exist: nothing to reset`);
          return 0;
        }
        // Already reset: --untick then unticks what the latest backup recorded done.
        const unticked = await untick(spec.tasksFile, loadState(last)?.completed ?? []);
        log.success(`Unticked ${unticked} task(s) in ${spec.tasksFile} that ${last} recorded done.`);
        return 0;
      }
      // Read before the move: a state file that does not load is only moved (StateFileError with --untick).
      const done = args.untick ? (loadState(stateFile)?.completed ?? []) : [];
      const time = new Date().toISOString().replace(/[:.]/g, "-");
      const backup = `${stateFile}.bak-${time}`;
      moveAside(stateFile, backup);
      // Its intent journal (the attempts started since its last write) goes with it, as the backup's.
      moveIntents(stateFile, backup);
      const logsBackup = existsSync(attemptsDir) ? `${attemptsDir}.bak-${time}` : null;
      if (logsBackup) moveAside(attemptsDir, logsBackup);
      const unticked = args.untick ? await untick(spec.tasksFile, done) : 0;
      const notes = [`state file backed up to ${backup}`, ...(logsBackup ? [`attempt logs moved to ${logsBackup}`] : []), ...(args.untick ? [`${unticked} task(s) unticked in tasks.md`] : [])];
      if (existsSync(progressFile)) appendProgressNote(progressFile, `Reset ${new Date().toISOString()}`, notes);
      log.success(`State reset; the old state is in ${backup}${logsBackup ? `, its attempt logs in ${logsBackup}` : ""}.`);
      if (args.untick) log.info(`Unticked ${unticked} task(s) the state recorded done in ${spec.tasksFile}.`);
      else log.info(`The ticks in ${spec.tasksFile} stay, and runs skip ticked tasks; \`seqorch reset --untick --spec ${spec.specDir}\` unticks the ones this state recorded done.`);
      return 0;
    } finally {
      lock.release();
    }
  },
});
