// The intent journal: the attempts started since the state file was last written, one JSON line each, appended
// to `.seqorch/<state file name>.intents` beside the state file (a folder git ignores). A dispatch records its attempt here instead of writing
// the whole state file: an append to an open file, where a state write creates, writes and renames a new file.
// The state file's readers (loadState) apply the lines that came after its last write, so they see what it
// would have held; the next state write carries them, and the journal is cleared once it is large or the run ends.
import { appendFileSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod/mini";
import { StateFileError, WriteError } from "../errors.ts";
import { inFolder } from "./atomic-write.ts";

/**
 * One started attempt as journalled. `base`: the `updated_at` of the state file it follows (null: no state file
 * yet), so a line applies to that state only, never to an older or newer one (nor to a state started afresh).
 */
export interface Intent {
  base: string | null;
  unit: string;
  /** The run's iteration this dispatch makes (state.iteration after it). */
  iteration: number;
  /** The unit's attempt number this dispatch makes (state.current.attempt). */
  attempt: number;
  /** The attempt record, as the state file's `attempts[unit]` holds it (status "running"). */
  record: Record<string, unknown> & { attempt_id: string; n: number; started_at: string };
}

const IntentSchema = z.object({
  base: z.nullable(z.string()),
  unit: z.string(),
  iteration: z.int().check(z.nonnegative()),
  attempt: z.int().check(z.positive()),
  record: z.looseObject({ attempt_id: z.string(), n: z.int(), started_at: z.string() }),
});

/** The journal of the state file at `stateFile`: `.seqorch/<name>.intents` in its folder (which git ignores). */
export function intentsPath(stateFile: string): string {
  return join(dirname(stateFile), ".seqorch", `${basename(stateFile)}.intents`);
}

/**
 * The journalled intents that follow a state file last written at `base` (its `updated_at`; null when there is
 * none), in order. A last line cut short (a run killed while appending it) is left out; any other line that is
 * not an intent throws StateFileError naming the journal and the line. A missing journal holds none.
 */
export function readIntents(stateFile: string, base: string | null): Intent[] {
  const path = intentsPath(stateFile);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new StateFileError(path, "", `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const lines = text.split("\n");
  const prefix = `{"base":${JSON.stringify(base)},`;
  const intents: Intent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Only a line after the state's last write matters; the others are already in it (or belong to another one).
    if (!line.startsWith(prefix)) {
      if (line !== "" && !line.startsWith('{"base":') && i < lines.length - 1) throw badLine(path, i, "not an intent");
      continue;
    }
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (error) {
      if (i === lines.length - 1) continue; // cut short by a kill: its attempt never started
      throw badLine(path, i, `not valid JSON (${(error as Error).message})`);
    }
    const result = IntentSchema.safeParse(data);
    if (!result.success) throw badLine(path, i, result.error.issues[0]!.message);
    intents.push(result.data as Intent);
  }
  return intents;
}

function badLine(path: string, index: number, reason: string): StateFileError {
  return new StateFileError(path, `line ${index + 1}`, `${reason}; remove the line (its attempt is then forgotten) or run \`seqorch reset\``);
}

/** Append `intent` as one line. Throws WriteError (the journal keeps what it had; a partial line is left out when read). */
export function appendIntent(stateFile: string, intent: Intent): number {
  // `base` first: readers pick the lines of one state by this prefix without parsing the others.
  const line = `${JSON.stringify({ base: intent.base, unit: intent.unit, iteration: intent.iteration, attempt: intent.attempt, record: intent.record })}\n`;
  const path = intentsPath(stateFile);
  try {
    inFolder(path, () => appendFileSync(path, line)); // the .seqorch folder may not be there yet
  } catch (error) {
    throw new WriteError(path, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
  return line.length;
}

/** Remove the journal of `stateFile` (all its intents are in the state file). Missing is fine; throws WriteError. */
export function clearIntents(stateFile: string): void {
  const path = intentsPath(stateFile);
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new WriteError(path, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
}

/** Move the journal of `stateFile` to be the journal of `to` (a backup of it); nothing when there is none. */
export function moveIntents(stateFile: string, to: string): void {
  try {
    renameSync(intentsPath(stateFile), intentsPath(to));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new WriteError(intentsPath(stateFile), (error as NodeJS.ErrnoException).code ?? String(error));
  }
}
