// `seqorch reset`: start a spec over: the state file is moved to a timestamped backup (never deleted).
import { defineCommand } from "citty";
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { WriteError } from "../errors.ts";
import { log } from "../log.ts";
import { acquireLock } from "../store/lock.ts";
import { appendProgressNote } from "../store/progress.ts";
import { rejectUnknown } from "./run-options.ts";
import { specFromArgs } from "./spec-args.ts";

const resetArgs = {
  spec: { type: "string", description: "Spec folder", valueHint: "DIR", required: false },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
  "progress-file": { type: "string", description: "Progress log (default <spec>/SEQUENTIAL_PROGRESS.md)", valueHint: "FILE" },
} as const;

export const resetCommand = defineCommand({
  meta: { name: "reset", description: "Start a spec over: back up the state file (tasks.md checkboxes are left as they are)" },
  args: resetArgs,
  run({ args }) {
    rejectUnknown(args as Record<string, unknown>, resetArgs);
    const { spec, stateFile } = specFromArgs(args);
    const progressFile = args["progress-file"] ?? join(spec.specDir, "SEQUENTIAL_PROGRESS.md");
    const lock = acquireLock(`${stateFile}.lock`);
    try {
      if (!existsSync(stateFile)) {
        log.info(`${stateFile} does not exist: nothing to reset`);
        return 0;
      }
      const backup = `${stateFile}.bak-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      try {
        renameSync(stateFile, backup);
      } catch (error) {
        throw new WriteError(stateFile, (error as NodeJS.ErrnoException).code ?? String(error));
      }
      if (existsSync(progressFile)) appendProgressNote(progressFile, `Reset ${new Date().toISOString()}`, [`state file backed up to ${backup}`]);
      log.success(`State reset; the old state is in ${backup}`);
      return 0;
    } finally {
      lock.release();
    }
  },
});
