// Benchmark: the orchestrator's own overhead per unit (tmux and direct runners), start-up time and peak memory.
// Usage: npm run build && bun run scripts/bench.ts [--units 200] [--runs 3]
// Runs dist/seqorch on a generated spec with an instant agent and --delay 0; subtracts the agent's own cost
// (the same command run directly, as many times) so the figure is what seqorch adds per unit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const UNITS = flag("units", 200);
const RUNS = flag("runs", 5);
const binary = join(import.meta.dir, "..", "dist", "seqorch");
const AGENT = `cat >/dev/null; echo '<promise>TASK_DONE</promise>'`;

function makeSpec(): { root: string; spec: string } {
  const root = mkdtempSync(join(tmpdir(), "seqorch-bench-"));
  const spec = join(root, ".kiro", "specs", "bench");
  mkdirSync(spec, { recursive: true });
  const lines = ["# Implementation Plan", ""];
  for (let i = 1; i <= UNITS; i++) lines.push(`- [ ] ${i}. Benchmark task ${i}`, `  - Do thing ${i}`, `  - _Requirements: 1.${i}_`, "");
  writeFileSync(join(spec, "tasks.md"), lines.join("\n"));
  writeFileSync(join(spec, "requirements.md"), "# Requirements\n");
  writeFileSync(join(spec, "design.md"), "# Design\n");
  return { root, spec };
}

/** Wall time (ms) and peak RSS (bytes) of one run. */
function timed(cmd: string[], env: Record<string, string> = {}): { ms: number; maxRss: number; code: number } {
  const start = performance.now();
  const proc = Bun.spawnSync(cmd, { env: { ...process.env, CI: "true", ...env }, stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - start;
  if (proc.exitCode !== 0) console.error(proc.stderr.toString());
  return { ms, maxRss: Number(proc.resourceUsage?.maxRSS ?? 0), code: proc.exitCode ?? -1 };
}

function agentBaselineMs(): number {
  const start = performance.now();
  for (let i = 0; i < UNITS; i++) Bun.spawnSync(["/bin/sh", "-c", AGENT], { stdin: "ignore", stdout: "ignore" });
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Best of the runs, with the median and worst: other load on the machine only ever adds time, so the best run is
 * the closest to seqorch's own cost; the spread shows how noisy the machine was.
 */
function spread(values: number[]): string {
  return `${Math.min(...values).toFixed(2)} ms best (median ${median(values).toFixed(2)}, worst ${Math.max(...values).toFixed(2)})`;
}

function benchRunner(mode: "direct" | "tmux"): { perUnit: number[]; perUnitMs: number; maxRssMb: number } {
  const perUnit: number[] = [];
  let maxRss = 0;
  for (let r = 0; r < RUNS; r++) {
    const { root, spec } = makeSpec();
    const socket = `seqorch-bench-${process.pid}-${r}`;
    const modeArgs = mode === "tmux" ? ["--tmux-socket", socket, "--tmux-session", "bench"] : ["--no-tmux"];
    const baseline = agentBaselineMs();
    const run = timed([binary, "run", "--spec", spec, "--delay", "0", "--max-iterations", String(UNITS + 10), "--agent-command", AGENT, ...modeArgs]);
    if (mode === "tmux") Bun.spawnSync(["tmux", "-L", socket, "kill-server"], { stderr: "ignore" });
    rmSync(root, { recursive: true, force: true });
    if (run.code !== 0) throw new Error(`${mode} run exited ${run.code}`);
    perUnit.push((run.ms - baseline) / UNITS);
    maxRss = Math.max(maxRss, run.maxRss);
  }
  return { perUnit, perUnitMs: median(perUnit), maxRssMb: maxRss / 1024 / 1024 };
}

function startupMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) times.push(timed([binary, "--help"]).ms);
  return times.reduce((a, b) => a + b, 0) / times.length;
}

const direct = benchRunner("direct");
const tmux = benchRunner("tmux");
const startup = startupMs();
console.log(`units per run:                ${UNITS} (${RUNS} runs per runner, instant agent, --delay 0)`);
console.log(`overhead per unit, direct:    ${spread(direct.perUnit)}   (target < 10)`);
console.log(`overhead per unit, tmux:      ${spread(tmux.perUnit)}   (target < 25)`);
console.log(`start-up, seqorch --help:     ${startup.toFixed(1)} ms   (target < 25)`);
console.log(`peak memory (max RSS):        ${Math.max(direct.maxRssMb, tmux.maxRssMb).toFixed(1)} MB   (target < 60)`);
