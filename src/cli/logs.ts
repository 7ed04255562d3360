// `seqorch logs`: print or follow the agent output of an attempt (default: the latest one).
import { defineCommand } from "citty";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { loadState, type AttemptRecord } from "../store/state.ts";
import { rejectUnknown } from "./run-options.ts";
import { specFromArgs } from "./spec-args.ts";
import { writeOut } from "./stdout-write.ts";
import { sleepUnlessStopped, stopSignal } from "./stop-signal.ts";

const logsArgs = {
  spec: { type: "string", description: "Spec folder", valueHint: "DIR", required: false },
  unit: { type: "string", description: "The unit's ID (default: the unit of the latest attempt)", valueHint: "ID" },
  attempt: { type: "string", description: "Attempt number of that unit (default: its latest)", valueHint: "N" },
  stderr: { type: "boolean", description: "Print the agent's stderr log instead of its stdout" },
  follow: { type: "boolean", alias: "f", description: "Keep printing new output until the attempt ends (Ctrl-C to stop)" },
  review: { type: "boolean", description: "With --unit: print the unit's reviews instead (each round's verdict and findings, and where its JSON, diff and reviewer logs are)" },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
} as const;

/** The review rounds of `unit` as text: verdict, findings, and the files kept for each. */
function reviewLines(state: NonNullable<ReturnType<typeof loadState>>, unit: string): string[] {
  const rounds = state.pipeline[unit]?.reviews ?? [];
  if (rounds.length === 0) throw new UsageError("--unit", `no review of unit ${unit} is recorded`);
  return rounds.flatMap((r) => [
    `Round ${r.round} (${r.at}): ${r.verdict}`,
    ...r.findings.map((f) => `  [${f.id}] ${f.severity}${f.file ? ` ${f.file}${f.line !== null ? `:${f.line}` : ""}` : ""}: ${f.title}${f.evidence ? `\n    evidence: ${f.evidence}` : ""}${f.fix ? `\n    fix: ${f.fix}` : ""}`),
    `  files: ${r.dir} (diff.patch, <n>.json, reviewer-<n>/out.log)`,
  ]);
}

/**
 * The attempt asked for: by unit and number, or the latest one recorded; null when nothing is recorded at all.
 * Throws UsageError for a unit or attempt number that is not recorded.
 */
function pickAttempt(attempts: Record<string, AttemptRecord[]>, unit: string | undefined, n: string | undefined): { unit: string; record: AttemptRecord } | null {
  if (unit !== undefined) {
    const records = attempts[unit];
    if (!records?.length) throw new UsageError("--unit", `no attempt of unit ${unit} is recorded (units with attempts: ${Object.keys(attempts).join(", ") || "none"})`);
    const record = n === undefined ? records.at(-1)! : records.find((r) => String(r.n) === n);
    if (!record) throw new UsageError("--attempt", `unit ${unit} has attempts ${records.map((r) => r.n).join(", ")}`);
    return { unit, record };
  }
  if (n !== undefined) throw new UsageError("--attempt", "needs --unit");
  const all = Object.entries(attempts).flatMap(([u, records]) => records.map((record) => ({ unit: u, record })));
  const latest = all.sort((a, b) => a.record.started_at.localeCompare(b.record.started_at)).at(-1);
  return latest ?? null;
}

/**
 * Copy bytes of `path` from `offset` to stdout, streaming in 64 KiB pieces, each handed on before the next is
 * read (so a slow reader gets all of it); returns the new offset.
 */
async function copyFrom(path: string, offset: number): Promise<number> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return offset; // not written yet
  }
  try {
    const size = statSync(path).size;
    if (size < offset) offset = 0; // the log was capped (--max-log-bytes): start again from its kept tail
    const buffer = Buffer.alloc(64 * 1024);
    while (offset < size) {
      const n = readSync(fd, buffer, 0, buffer.length, offset);
      if (n === 0) break;
      await writeOut(buffer.subarray(0, n));
      offset += n;
    }
    return offset;
  } finally {
    closeSync(fd);
  }
}

export const logsCommand = defineCommand({
  meta: { name: "logs", description: "Print (or follow with -f) the agent output of an attempt" },
  args: logsArgs,
  async run({ args }) {
    rejectUnknown(args as Record<string, unknown>, logsArgs);
    const { stateFile } = specFromArgs(args);
    if (args.review) {
      if (!args.unit) throw new UsageError("--review", "needs --unit");
      const state = loadState(stateFile);
      if (!state) throw new UsageError("--unit", `no review of unit ${args.unit} is recorded`);
      console.log(reviewLines(state, args.unit).join("\n"));
      return 0;
    }
    const attempts = () => loadState(stateFile)?.attempts ?? {};
    const picked = pickAttempt(attempts(), args.unit, args.attempt);
    if (!picked) {
      // Nothing has run yet: not a usage error. Said on stderr so stdout stays the log's bytes only.
      process.stderr.write(`seqorch: no attempt is recorded yet in ${stateFile} (nothing to show)\n`);
      return 0;
    }
    const { unit, record } = picked;
    const path = args.stderr ? join(record.log, "..", "err.log") : record.log;
    let offset = await copyFrom(path, 0);
    if (!args.follow) return 0;
    const stop = stopSignal();
    while (!stop.aborted) {
      const now = attempts()[unit]?.find((r) => r.n === record.n);
      offset = await copyFrom(path, offset);
      if (!now || now.status !== "running") break;
      await sleepUnlessStopped(250);
    }
    await copyFrom(path, offset);
    return 0;
  },
});
