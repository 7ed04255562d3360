// Benchmark: the state file's writes as a run makes them, measured against each other in the same rounds.
// Usage: bun run scripts/bench-state-writes.ts [--units 200] [--rounds 5] [--dir DIR]
//
// Per unit, as a direct unit does: an attempt folder and three files in it (prompt, stdout and stderr logs), the
// attempt's start recorded, then its result written fsynced; the state grows by one attempt record (~450 bytes).
// Compared, interleaved round after round (medians, with min–max, of the per-round figures):
// - the start: a whole state write, not fsynced (writeFileAtomic, before) against one intent journal line
//   (src/store/intents.ts, now);
// - the result: a rename of a new file over the state (writeFileAtomic) against the spare written over in place
//   and exchanged (createAtomicWriter with renameat2, now); and, with the spare, a truncated rewrite of it
//   against the write over its blocks (what the fsync costs either way);
// - the creates around them (folder, prompt, logs) under each way of writing the result: on ext4 without a
//   journal each create walks the inodes freed in the last minutes, which a rename per write adds to.
// The folder defaults to a fresh one under the system's temporary folder (where `npm run bench` runs).
import { closeSync, constants, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAtomicWriter, writeFileAtomic } from "../src/store/atomic-write.ts";
import { appendIntent } from "../src/store/intents.ts";
import { loadExchange } from "../src/store/rename-exchange.ts";

const argv = process.argv.slice(2);
const option = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const UNITS = Number(option("units") ?? 200);
const ROUNDS = Number(option("rounds") ?? 5);
const root = mkdtempSync(join(option("dir") ?? tmpdir(), "seqorch-state-writes-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

const exchangeStart = performance.now();
const exchange = loadExchange();
const exchangeMs = performance.now() - exchangeStart;
const record = `{"n":1,"iteration":1,"backend":"command","status":"done","reason":null,"started_at":"2026-12-02T06:33:09.695Z","ended_at":"2026-12-02T06:33:09.711Z","duration_ms":16,"exit_code":0,"counted":true,"log":"/tmp/p/.kiro/specs/b/.seqorch/attempts/100.1/out.log","runner":"direct","window_id":null,"session_id":null,"pid":10750,"channel":null,"detached":false,"attempt_id":"9576-mx5r1r9a-100.1"}`;
const stateOf = (units: number) => Buffer.from(`{\n  "version": 1,\n  "attempts": {\n${Array.from({ length: units }, (_, i) => `    "${i + 1}": [${record}]`).join(",\n")}\n  }\n}\n`);

type Way = "before" | "now";
/** One run of `UNITS` units in a fresh folder; ms per unit of the start, the result and the creates. */
function run(way: Way, round: number): { start: number; result: number; creates: number } {
  const dir = join(root, `${way}-${round}`);
  mkdirSync(join(dir, ".seqorch", "attempts"), { recursive: true });
  const state = join(dir, "SEQUENTIAL_STATE.json");
  writeFileSync(state, stateOf(0));
  const writer = createAtomicWriter(state, exchange);
  let start = 0, result = 0, creates = 0;
  for (let unit = 1; unit <= UNITS; unit++) {
    let t = performance.now();
    const attempt = join(dir, ".seqorch", "attempts", `${unit}.1`);
    mkdirSync(attempt);
    writeFileSync(join(attempt, "prompt.md"), "p".repeat(1700));
    for (const log of ["out.log", "err.log"]) closeSync(openSync(join(attempt, log), "a"));
    creates += performance.now() - t;
    t = performance.now();
    if (way === "before") writeFileAtomic(state, stateOf(unit), { durable: false });
    else appendIntent(state, { base: "2026-12-02T06:33:09.695Z", unit: String(unit), iteration: unit, attempt: 1, record: JSON.parse(record) });
    start += performance.now() - t;
    t = performance.now();
    if (way === "before") writeFileAtomic(state, stateOf(unit));
    else writer.write(stateOf(unit));
    result += performance.now() - t;
  }
  writer.close();
  rmSync(dir, { recursive: true, force: true });
  return { start: start / UNITS, result: result / UNITS, creates: creates / UNITS };
}

/** ms per fsynced write of a growing file, truncated first or written over its blocks. */
function spareWrites(inPlace: boolean, round: number): number {
  const path = join(root, `spare-${inPlace ? "over" : "trunc"}-${round}`);
  let ms = 0;
  for (let unit = 1; unit <= UNITS; unit++) {
    const bytes = stateOf(unit);
    const t = performance.now();
    const fd = inPlace ? openSync(path, constants.O_WRONLY | constants.O_CREAT) : openSync(path, "w");
    writeSync(fd, bytes, 0, bytes.length, 0);
    fsyncSync(fd);
    closeSync(fd);
    ms += performance.now() - t;
  }
  rmSync(path);
  return ms / UNITS;
}

const figures: Record<string, number[]> = { startRatio: [], resultRatio: [], createsRatio: [], spareRatio: [], startBefore: [], startNow: [], resultBefore: [], resultNow: [], createsBefore: [], createsNow: [] };
for (let round = 0; round < ROUNDS; round++) {
  console.error(`round ${round + 1}/${ROUNDS}`);
  const before = run("before", round);
  const now = run("now", round);
  const truncated = spareWrites(false, round);
  const over = spareWrites(true, round);
  figures.startBefore!.push(before.start);
  figures.startNow!.push(now.start);
  figures.resultBefore!.push(before.result);
  figures.resultNow!.push(now.result);
  figures.createsBefore!.push(before.creates);
  figures.createsNow!.push(now.creates);
  figures.startRatio!.push(now.start / before.start);
  figures.resultRatio!.push(now.result / before.result);
  figures.createsRatio!.push(now.creates / before.creates);
  figures.spareRatio!.push(over / truncated);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const show = (v: number[], digits = 3) => `${median(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)})`;
console.log(`state writes: ${UNITS} units per run, ${ROUNDS} interleaved rounds; renameat2 exchange ${exchange ? `loaded in ${exchangeMs.toFixed(2)} ms` : "not available (renames)"}`);
console.log(`start of an attempt, ms per unit:  state write ${show(figures.startBefore!)}  journal line ${show(figures.startNow!)}  ratio ${show(figures.startRatio!, 2)}`);
console.log(`result, fsynced, ms per unit:       rename over ${show(figures.resultBefore!)}  spare exchanged ${show(figures.resultNow!)}  ratio ${show(figures.resultRatio!, 2)}`);
console.log(`the unit's creates, ms per unit:    with renames ${show(figures.createsBefore!)}  with the spare ${show(figures.createsNow!)}  ratio ${show(figures.createsRatio!, 2)}`);
console.log(`fsynced write of the spare:         over its blocks / truncated first ${show(figures.spareRatio!, 2)}`);
