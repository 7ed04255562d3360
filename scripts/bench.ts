// Benchmark: seqorch's cost against floors measured in the same run (the machine's speed drifts, ratios do not).
// Usage: npm run build && bun run scripts/bench.ts [--units 200] [--runs 5] [--only direct,git,output,big,tmux,plan,log,startup]
//        [--binary dist/seqorch] [--before OTHER_BINARY]...
//
// Every figure is printed beside its floor, as a ratio (or a difference for memory). Each round runs every floor
// and then every binary, round after round (interleaved), so a slow moment of the machine hits both; the ratio
// is taken per round and the median over the rounds is printed with its spread (min–max).
//
// Floors (compiled with the same Bun and the same flags as seqorch, from the sources written below):
// - direct: a loop that writes the prompt, spawns the agent with the prompt on stdin and its output in a file,
//   reads the reply, ticks the box in tasks.md and writes a state file atomically (fsynced), per unit;
// - tmux: the same with a minimal tmux unit: `new-window` running the agent then `wait-for -S`, and `wait-for`;
// - memory: a compiled Bun hello-world's peak RSS (seqorch's peak anonymous memory is also taken without its
//   forced full collection every few units, SEQORCH_GC_EVERY=0, to show what that collection keeps off);
// - plan: a read-match-print loop over tasks.md (one regex per line, units with sub-tasks, JSON out), on the
//   10,000-task file and on a one-task file (whose figure is plan's start-up against the floor's);
// - 1 GiB log: seqorch itself with the instant agent (the target is a difference in peak RSS).
// Wall time is the target; CPU time (user + system, the agent's and git's included) is printed beside it because
// it drifts far less when other work shares the machine.
// Runs inside a fresh git repository (where users run it; the runaway check then runs git) and, for direct
// mode, outside one too; and once with an agent that prints what a real one does in a short unit (256 KiB), and
// once over the first units of a 1,000-task spec (what grows with the spec's size; the floor rewrites tasks.md).
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { COMPILE_FLAGS } from "./build.ts";

const argv = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
const UNITS = Number(option("units") ?? 200);
const RUNS = Number(option("runs") ?? 5);
const ONLY = new Set((option("only") ?? "direct,git,output,big,tmux,plan,log,startup").split(","));
const AGENT = `cat >/dev/null; echo '<promise>TASK_DONE</promise>'`;
/** An agent printing what a real one prints in a short unit: 256 KiB in lines of 64 bytes, then the marker. */
const OUTPUT_KIB = 256;
const SIZED_AGENT = `cat >/dev/null; yes 'agent output line of sixty-four bytes, as a real agent prints..' | head -n ${OUTPUT_KIB * 16}; echo '<promise>TASK_DONE</promise>'`;
/** 1 GiB of agent output in lines of 64 bytes, then the marker. */
const GIB = 1024 ** 3;
const LOUD_AGENT = `cat >/dev/null; yes 'agent output line of sixty-four bytes, as a chatty agent prints..' | head -c ${GIB}; echo '<promise>TASK_DONE</promise>'`;
const PLAN_PARENTS = 2000;
const PLAN_SUBTASKS = 4;

type Binary = { label: string; path: string };
const binaries: Binary[] = [{ label: "seqorch", path: resolve(option("binary") ?? join(import.meta.dir, "..", "dist", "seqorch")) }];
// Each --before adds a binary measured in the same rounds (labelled "before", or by file name when several).
const befores = argv.flatMap((a, i) => (a === "--before" && argv[i + 1] ? [resolve(argv[i + 1]!)] : []));
binaries.unshift(...befores.map((path) => ({ label: befores.length === 1 ? "before" : path.split("/").at(-1)!.slice(0, 14), path })));

const work = mkdtempSync(join(tmpdir(), "seqorch-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
// Every binary runs from a fresh copy made the same way: how an executable's file was written and cached changes
// how many of its pages a run maps (peak RSS of the same binary: 35 or 42 MB), so copies keep RSS comparable.
for (const [i, b] of binaries.entries()) {
  const copy = join(work, `binary-${i}`);
  copyFileSync(b.path, copy);
  chmodSync(copy, 0o755);
  b.path = copy;
}
const GIT_ENV = { GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@example.invalid", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@example.invalid" };

// ---------------------------------------------------------------- floors (sources compiled once per bench run)

const FLOOR_DIRECT = `
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
const [tasksFile, dir, units, command, mode, socket] = process.argv.slice(2);
const stateFile = dir + "/state.json";
const state = { completed: [], attempts: {} };
const q = (s) => "'" + s.replaceAll("'", "'\\\\''") + "'";
if (mode === "tmux") Bun.spawnSync(["tmux", "-L", socket, "new-session", "-d", "-s", "floor"]);
for (let i = 1; i <= Number(units); i++) {
  const attempt = dir + "/" + i;
  mkdirSync(attempt);
  const prompt = attempt + "/prompt.md", out = attempt + "/out.log";
  writeFileSync(prompt, "Do task " + i + " of the spec.\\n");
  const started = new Date().toISOString();
  if (mode === "tmux") {
    const channel = "floor-" + i;
    const waiter = Bun.spawn(["tmux", "-L", socket, "wait-for", channel]);
    const script = "/bin/sh -c " + q(command) + " <" + q(prompt) + " >" + q(out) + "; tmux -L " + socket + " wait-for -S " + channel;
    await Bun.spawn(["tmux", "-L", socket, "new-window", "-d", "-t", "floor:", "--", "/bin/sh", "-c", script]).exited;
    await waiter.exited;
  } else {
    const stdin = openSync(prompt, "r"), stdout = openSync(out, "a");
    const proc = Bun.spawn(["/bin/sh", "-c", command], { stdio: [stdin, stdout, "ignore"] });
    closeSync(stdin);
    closeSync(stdout);
    await proc.exited;
  }
  if (!readFileSync(out, "utf8").includes("<promise>TASK_DONE</promise>")) throw new Error("no marker in " + out);
  writeFileSync(tasksFile, readFileSync(tasksFile, "utf8").replace("- [ ] " + i + ". ", "- [x] " + i + ". "));
  state.completed.push(String(i));
  state.attempts[i] = [{ n: 1, status: "done", started_at: started, ended_at: new Date().toISOString(), log: out }];
  const tmp = stateFile + ".tmp", fd = openSync(tmp, "w");
  writeSync(fd, JSON.stringify(state, null, 1));
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, stateFile);
}
if (mode === "tmux") Bun.spawnSync(["tmux", "-L", socket, "kill-server"]);
`;

const FLOOR_PLAN = `
const text = await Bun.file(process.argv[2]).text();
const box = /^(\\s*)[-*] \\[([ xX~-])\\](\\*)? +(\\d+(?:\\.\\d+)*)\\.? +(.*)$/;
const units = [];
const lines = text.split("\\n");
for (let n = 0; n < lines.length; n++) {
  const m = box.exec(lines[n]);
  if (!m) continue;
  const task = { id: m[4], key: m[4], title: m[5].trim(), line: n + 1, done: m[2] !== " " };
  if (m[1].length === 0) units.push({ ...task, subtasks: [] });
  else units.at(-1)?.subtasks.push(task);
}
console.log(JSON.stringify({ units: units.filter((u) => !u.done) }));
`;

/** Prints hello, then stays for the ms given (so that its memory can be sampled like seqorch's). */
const HELLO = `console.log("hello"); if (process.argv[2]) await Bun.sleep(Number(process.argv[2]));`;

function compile(name: string, source: string): string {
  const src = join(work, `${name}.ts`);
  writeFileSync(src, source);
  return compileFile(name, src);
}

/** Compiles `src` (a file) with the build's flags into the bench's folder; returns the executable's path. */
function compileFile(name: string, src: string): string {
  const out = join(work, name);
  const proc = Bun.spawnSync([process.execPath, "build", ...COMPILE_FLAGS, src, "--outfile", out], { stdout: "ignore", stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`cannot compile the ${name} floor: ${proc.stderr.toString()}`);
  return out;
}

// ---------------------------------------------------------------- inputs

function tasksText(units: number): string {
  const lines = ["# Implementation Plan", ""];
  for (let i = 1; i <= units; i++) lines.push(`- [ ] ${i}. Benchmark task ${i}`, `  - Do thing ${i}`, `  - _Requirements: 1.${i}_`, "");
  return lines.join("\n");
}

/** A project folder with a spec of `units` tasks; with `git`, a repository with everything committed. */
function makeProject(units: number, git: boolean): { root: string; spec: string } {
  const root = mkdtempSync(join(work, "project-"));
  const spec = join(root, ".kiro", "specs", "bench");
  mkdirSync(spec, { recursive: true });
  writeFileSync(join(spec, "tasks.md"), tasksText(units));
  writeFileSync(join(spec, "requirements.md"), "# Requirements\n");
  writeFileSync(join(spec, "design.md"), "# Design\n");
  writeFileSync(join(root, "README.md"), "# A project\n");
  if (git) {
    for (const args of [["init", "-q"], ["add", "-A"], ["commit", "-qm", "initial"]]) {
      const proc = Bun.spawnSync(["git", ...args], { cwd: root, env: { ...process.env, ...GIT_ENV }, stdout: "ignore", stderr: "pipe" });
      if (proc.exitCode !== 0) throw new Error(`git ${args[0]}: ${proc.stderr.toString()}`);
    }
  }
  return { root, spec };
}

/** A spec folder of PLAN_PARENTS × PLAN_SUBTASKS sub-tasks (with a detail line and a key line each); its path. */
function planTasksFile(): string {
  const dir = join(work, "plan", ".kiro", "specs", "big");
  mkdirSync(dir, { recursive: true });
  const lines = ["# Implementation Plan", ""];
  for (let p = 1; p <= PLAN_PARENTS; p++) {
    lines.push(`- [ ] ${p}. Parent task ${p} with a title of a usual length`);
    for (let s = 1; s <= PLAN_SUBTASKS; s++) {
      lines.push(`  - [ ] ${p}.${s} Sub-task ${p}.${s}: implement the part of the feature it names`, `    - Detail of ${p}.${s}`, `    - _Requirements: ${p}.${s}_`);
    }
    lines.push("");
  }
  writeFileSync(join(dir, "tasks.md"), lines.join("\n"));
  return dir;
}

/** A spec folder of one task: plan's cost with (almost) nothing to parse, i.e. its start-up. */
function planOneTaskFile(): string {
  const dir = join(work, "plan", ".kiro", "specs", "one");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tasks.md"), "- [ ] 1. The only task\n");
  return dir;
}

// ---------------------------------------------------------------- measuring

/**
 * Wall time and CPU time (user + system of the process and the children it waited for), ms; peak RSS, MB; and
 * the peak of its anonymous memory (heap, stacks: RssAnon, sampled every 5 ms; 0 when not sampled), MB.
 */
type Sample = { ms: number; cpuMs: number; rssMb: number; anonMb: number };

/** Wall time (ms) and peak RSS (MB, of the process and its waited-for children) of one command. Throws on failure. */
function timed(cmd: string[], cwd?: string): Sample {
  const start = performance.now();
  const proc = Bun.spawnSync(cmd, { cwd, env: { ...process.env, CI: "true" }, stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - start;
  if (proc.exitCode !== 0) throw new Error(`${cmd.join(" ").slice(0, 200)} exited ${proc.exitCode}: ${proc.stderr.toString().slice(-2000)}`);
  return { ms, cpuMs: Number(proc.resourceUsage?.cpuTime.total ?? 0n) / 1000, rssMb: Number(proc.resourceUsage?.maxRSS ?? 0) / 1024 / 1024, anonMb: 0 };
}

/**
 * {@link timed}, with the process's anonymous memory sampled from /proc every 5 ms. Peak RSS also counts the
 * pages of the executable's file that are mapped, which vary by several MB with the state of the page cache
 * (how the file was written, what was evicted); the anonymous part is what the process itself allocated.
 */
async function timedSampled(cmd: string[], cwd?: string, env: Record<string, string> = {}, exitCode = 0): Promise<Sample> {
  const start = performance.now();
  const proc = Bun.spawn(cmd, { cwd, env: { ...process.env, CI: "true", ...env }, stdout: "ignore", stderr: "pipe" });
  let anonKb = 0;
  const sample = () => {
    try {
      const kb = Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))?.[1] ?? 0);
      if (kb > anonKb) anonKb = kb;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" && (error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  };
  sample();
  const timer = setInterval(sample, 5);
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  clearInterval(timer);
  const ms = performance.now() - start;
  if (code !== exitCode) throw new Error(`${cmd.join(" ").slice(0, 200)} exited ${code}: ${stderr.slice(-2000)}`);
  const usage = proc.resourceUsage();
  return { ms, cpuMs: Number(usage?.cpuTime.total ?? 0n) / 1000, rssMb: Number(usage?.maxRSS ?? 0) / 1024 / 1024, anonMb: anonKb / 1024 };
}

function runArgs(spec: string, agent: string, mode: "direct" | "tmux", socket: string, maxIterations = 100_000): string[] {
  const modeArgs = mode === "tmux" ? ["--tmux-socket", socket, "--tmux-session", "bench"] : ["--no-tmux"];
  return ["run", "--spec", spec, "--delay", "0", "--max-iterations", String(maxIterations), "--agent-command", agent, ...modeArgs];
}

let socketCounter = 0;
/** One seqorch run of a fresh project (`env` added to its environment); per-unit time in ms and peak RSS. */
async function seqorchRun(binary: string, mode: "direct" | "tmux", git: boolean, units: number, agent = AGENT, env: Record<string, string> = {}, tasks = units): Promise<Sample> {
  const { root, spec } = makeProject(tasks, git);
  const socket = `seqorch-bench-${process.pid}-${++socketCounter}`;
  try {
    // Fewer units than tasks: the run stops at --max-iterations, which exits 1.
    const sample = await timedSampled([binary, ...runArgs(spec, agent, mode, socket, tasks > units ? units : 100_000)], root, env, tasks > units ? 1 : 0);
    return { ...sample, ms: sample.ms / units, cpuMs: sample.cpuMs / units };
  } finally {
    if (mode === "tmux") Bun.spawnSync(["tmux", "-L", socket, "kill-server"], { stderr: "ignore" });
    rmSync(root, { recursive: true, force: true });
  }
}

/** One run of the direct or tmux floor on a fresh project; per-unit time in ms. */
function floorRun(floor: string, mode: "direct" | "tmux", git: boolean, agent = AGENT, tasks = UNITS): Sample {
  const { root, spec } = makeProject(tasks, git);
  const dir = join(root, "floor");
  mkdirSync(dir);
  try {
    const sample = timed([floor, join(spec, "tasks.md"), dir, String(UNITS), agent, mode, `seqorch-floor-${process.pid}-${++socketCounter}`], root);
    return { ...sample, ms: sample.ms / UNITS, cpuMs: sample.cpuMs / UNITS };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const f = (n: number, digits = 2) => n.toFixed(digits);
/** `median (min–max)` of a list. */
const spread = (values: number[], digits = 2) => `${f(median(values), digits)} (${f(Math.min(...values), digits)}–${f(Math.max(...values), digits)})`;

/** One line of the report: a figure, its floor, the ratio (or difference) per round as median (spread), the target. */
type Row = { figure: string; unit: string; floor: number[]; values: Map<string, number[]>; compare: "ratio" | "diff"; target: string };
const rows: Row[] = [];
function row(figure: string, unit: string, compare: Row["compare"], target: string): Row {
  const r: Row = { figure, unit, floor: [], values: new Map(binaries.map((b) => [b.label, []])), compare, target };
  rows.push(r);
  return r;
}

// ---------------------------------------------------------------- the rounds

const floorDirect = compile("floor-direct", FLOOR_DIRECT);
const floorPlan = compile("floor-plan", FLOOR_PLAN);
const hello = compile("hello", HELLO);
const planSpec = ONLY.has("plan") ? planTasksFile() : "";
const planOneSpec = ONLY.has("plan") ? planOneTaskFile() : "";

const directNoGit = ONLY.has("direct") ? row("direct, no git, per unit", "ms", "ratio", "≤ 2×") : null;
const directNoGitCpu = ONLY.has("direct") ? row("direct, no git, CPU per unit (with the agent's)", "ms", "ratio", "—") : null;
const directGit = ONLY.has("git") ? row("direct, in git, per unit", "ms", "ratio", "≤ 2×") : null;
const directGitCpu = ONLY.has("git") ? row("direct, in git, CPU per unit (with the agent's and git's)", "ms", "ratio", "—") : null;
const sized = ONLY.has("output") ? row(`direct, in git, per unit, ${OUTPUT_KIB} KiB of agent output each`, "ms", "ratio", "≤ 2×") : null;
/** The tasks of the spec a "big spec" row runs the first UNITS units of (the per-unit work that grows with the spec). */
const BIG_SPEC = 1000;
const big = ONLY.has("big") ? row(`direct, in git, per unit, the first ${UNITS} units of a ${BIG_SPEC.toLocaleString("en")}-task spec`, "ms", "ratio", "≤ 2×") : null;
const bigCpu = ONLY.has("big") ? row(`direct, in git, CPU per unit, the first ${UNITS} units of a ${BIG_SPEC.toLocaleString("en")}-task spec`, "ms", "ratio", "—") : null;
const sizedCpu = ONLY.has("output") ? row(`direct, in git, CPU per unit, ${OUTPUT_KIB} KiB of agent output each`, "ms", "ratio", "—") : null;
// The run and unit machines of this source tree alone (scripts/machines-only.ts: instant actors), beside the same
// round's direct floor in git: the share of that floor the orchestration's state machines take by themselves.
const machinesOnly = ONLY.has("git") ? compileFile("machines-only", join(import.meta.dir, "machines-only.ts")) : "";
const machines: Row | null = ONLY.has("git")
  ? { figure: "the run and unit machines alone (instant actors, this source tree), per unit", unit: "ms", floor: [], values: new Map([["machines", []]]), compare: "ratio", target: "(part of the direct figure)" }
  : null;
if (machines) rows.push(machines);
const memory = ONLY.has("git") ? row(`peak RSS, ${UNITS} direct units in git`, "MB", "diff", "≤ +16 MB over hello-world") : null;
const anon = ONLY.has("git") ? row(`peak anonymous RSS, ${UNITS} direct units in git`, "MB", "diff", "(the part of the above the process allocated)") : null;
// The same run without the full collection every few units (SEQORCH_GC_EVERY=0): what the heap would keep.
const noGc = ONLY.has("git") ? row(`peak anonymous RSS, ${UNITS} direct units in git, no forced GC (SEQORCH_GC_EVERY=0)`, "MB", "diff", "(what the forced collection keeps off)") : null;
const tmux = ONLY.has("tmux") ? row("tmux, in git, per unit", "ms", "ratio", "≤ 1.5×") : null;
const tmuxCpu = ONLY.has("tmux") ? row("tmux, in git, CPU per unit (seqorch and its tmux clients; not the server's or the pane's)", "ms", "ratio", "—") : null;
const planTime = ONLY.has("plan") ? row(`plan --json, ${PLAN_PARENTS * (PLAN_SUBTASKS + 1)} tasks`, "ms", "ratio", "≤ 2×") : null;
const planRss = ONLY.has("plan") ? row("plan --json peak RSS", "MB", "ratio", "≤ 60 MB") : null;
const planAnon = ONLY.has("plan") ? row("plan --json peak anonymous RSS", "MB", "ratio", "(the part of the above the process allocated)") : null;
const planCpu = ONLY.has("plan") ? row(`plan --json, ${PLAN_PARENTS * (PLAN_SUBTASKS + 1)} tasks, CPU (user + system, GC threads included)`, "ms", "ratio", "—") : null;
const planOne = ONLY.has("plan") ? row("plan --json, 1 task (start-up: the floor reads the same file)", "ms", "ratio", "—") : null;
const loud = ONLY.has("log") ? row("peak RSS, 1 GiB of output (1 unit)", "MB", "diff", "≤ +10 MB over the instant agent") : null;
const startup = ONLY.has("startup") ? row("start-up, --help", "ms", "ratio", "—") : null;

/**
 * Read every executable through once, so that all of them are in the page cache when they run: a binary's peak
 * RSS counts the pages of its file that are mapped, and the kernel maps cached pages around each fault, so an
 * executable in the cache shows several MB more than one partly out of it (the same file: 35 MB or 42 MB).
 */
function warmPageCache(paths: string[]): void {
  for (const path of paths) Bun.spawnSync(["cat", path], { stdout: "ignore", stderr: "ignore" });
}

/**
 * One round of a per-unit row pair: the floor, then every binary, wall and CPU ms per unit. Returns each binary's
 * sample (its memory too), by label.
 */
async function perUnitRound(wall: Row, cpu: Row, mode: "direct" | "tmux", git: boolean, agent = AGENT, tasks = UNITS): Promise<Map<string, Sample>> {
  const floor = floorRun(floorDirect, mode, git, agent, tasks);
  wall.floor.push(floor.ms);
  cpu.floor.push(floor.cpuMs);
  const samples = new Map<string, Sample>();
  for (const b of binaries) {
    const sample = await seqorchRun(b.path, mode, git, UNITS, agent, {}, tasks);
    wall.values.get(b.label)!.push(sample.ms);
    cpu.values.get(b.label)!.push(sample.cpuMs);
    samples.set(b.label, sample);
  }
  return samples;
}

for (let round = 1; round <= RUNS; round++) {
  process.stderr.write(`round ${round}/${RUNS}\n`);
  warmPageCache([hello, floorDirect, floorPlan, ...binaries.map((b) => b.path)]);
  if (directNoGit && directNoGitCpu) await perUnitRound(directNoGit, directNoGitCpu, "direct", false);
  if (directGit && directGitCpu && memory) {
    const helloSample = await timedSampled([hello, "50"]);
    memory.floor.push(helloSample.rssMb);
    anon!.floor.push(helloSample.anonMb);
    noGc!.floor.push(helloSample.anonMb);
    const samples = await perUnitRound(directGit, directGitCpu, "direct", true);
    machines!.floor.push(directGit.floor.at(-1)!);
    const alone = Bun.spawnSync([machinesOnly, String(UNITS)], { stderr: "pipe" });
    if (alone.exitCode !== 0) throw new Error(`machines-only exited ${alone.exitCode}: ${alone.stderr.toString()}`);
    machines!.values.get("machines")!.push(Number(alone.stdout.toString()));
    for (const b of binaries) {
      memory.values.get(b.label)!.push(samples.get(b.label)!.rssMb);
      anon!.values.get(b.label)!.push(samples.get(b.label)!.anonMb);
      noGc!.values.get(b.label)!.push((await seqorchRun(b.path, "direct", true, UNITS, AGENT, { SEQORCH_GC_EVERY: "0" })).anonMb);
    }
  }
  if (sized && sizedCpu) await perUnitRound(sized, sizedCpu, "direct", true, SIZED_AGENT);
  if (big && bigCpu) await perUnitRound(big, bigCpu, "direct", true, AGENT, BIG_SPEC);
  if (tmux && tmuxCpu) await perUnitRound(tmux, tmuxCpu, "tmux", true);
  if (planTime && planRss && planAnon && planCpu && planOne) {
    const floor = await timedSampled([floorPlan, join(planSpec, "tasks.md")]);
    planTime.floor.push(floor.ms);
    planRss.floor.push(floor.rssMb);
    planAnon.floor.push(floor.anonMb);
    planCpu.floor.push(floor.cpuMs);
    planOne.floor.push(timed([floorPlan, join(planOneSpec, "tasks.md")]).ms);
    for (const b of binaries) {
      const sample = await timedSampled([b.path, "plan", "--json", "--spec", planSpec]);
      planTime.values.get(b.label)!.push(sample.ms);
      planRss.values.get(b.label)!.push(sample.rssMb);
      planAnon.values.get(b.label)!.push(sample.anonMb);
      planCpu.values.get(b.label)!.push(sample.cpuMs);
      planOne.values.get(b.label)!.push(timed([b.path, "plan", "--json", "--spec", planOneSpec]).ms);
    }
  }
  if (loud) {
    for (const b of binaries) {
      const quiet = await seqorchRun(b.path, "direct", true, 1);
      loud.floor.push(quiet.rssMb);
      loud.values.get(b.label)!.push((await seqorchRun(b.path, "direct", true, 1, LOUD_AGENT)).rssMb - quiet.rssMb);
    }
  }
  if (startup) {
    const floor: number[] = [];
    const values = new Map(binaries.map((b) => [b.label, [] as number[]]));
    for (let i = 0; i < 10; i++) {
      floor.push(timed([hello]).ms);
      for (const b of binaries) values.get(b.label)!.push(timed([b.path, "--help"]).ms);
    }
    startup.floor.push(median(floor));
    for (const b of binaries) startup.values.get(b.label)!.push(median(values.get(b.label)!));
  }
}

// ---------------------------------------------------------------- the report

console.log(`seqorch bench: ${UNITS} units per run, ${RUNS} interleaved rounds, instant agent, --delay 0; median (min–max) over the rounds`);
for (const r of rows) {
  console.log(`\n${r.figure}   target ${r.target}`);
  const floorName = r.figure.startsWith("peak RSS, 1 GiB") ? "instant agent" : r.figure.startsWith("peak") ? "hello-world" : "floor";
  console.log(`  ${floorName.padEnd(14)} ${spread(r.floor)} ${r.unit}`);
  for (const [label, values] of r.values) {
    if (r.figure.startsWith("peak RSS, 1 GiB")) {
      console.log(`  ${label.padEnd(14)} +${spread(values, 1)} MB over the instant-agent run`);
      continue;
    }
    const per = values.map((v, i) => (r.compare === "ratio" ? v / r.floor[i]! : v - r.floor[i]!));
    const compared = r.compare === "ratio" ? `${spread(per)}× the floor` : `+${spread(per, 1)} MB`;
    console.log(`  ${label.padEnd(14)} ${spread(values)} ${r.unit}   ${compared}`);
  }
}
