// Benchmark: the orchestrator's own cost per unit of a parallel run (`--parallel 4`, the compiled binary, an
// instant agent, --commit: worktree creation and removal, rebase, fast-forward merge, the state's worktree
// registry), beside the serial figure (`--parallel 1 --commit`), each as a ratio to a floor that does the same git
// work by hand in the same round: per unit `git worktree add --no-checkout -b`, `reset --hard`, write, add, commit,
// rebase, `merge --ff-only`, `worktree remove`, `branch -d` for the parallel path, with four units in flight and
// the merges in unit order (the one-lane loop is printed beside it); write, add, commit for the serial one.
// `--before BINARY` (an earlier build, copied aside) runs in the same rounds, interleaved, so a change is measured
// against the same floor; `--git-trace` also counts the git processes per unit each binary starts (GIT_TRACE2_EVENT).
// Usage: npm run build && bun run scripts/bench-parallel.ts [--units 24] [--rounds 3] [--binary dist/seqorch] [--before BINARY] [--git-trace]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const UNITS = Number(option("units", "24"));
const ROUNDS = Number(option("rounds", "3"));
const BINARY = resolve(option("binary", "dist/seqorch"));
const BEFORE = argv.includes("--before") ? resolve(option("before", "")) : null;
const GIT_TRACE = argv.includes("--git-trace");
const SPEC = ".kiro/specs/bench";
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@example.com", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@example.com" };

function write(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

function git(cwd: string, ...args: string[]): void {
  const r = Bun.spawnSync(["git", ...args], { cwd, env: GIT_ENV, stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
}

/** A repository as users have one (200 tracked files) with a spec of UNITS units, each writing its own file. */
function newRepo(): string {
  const repo = mkdtempSync(join(tmpdir(), "seqorch-bench-par-"));
  git(repo, "init", "-q", "-b", "main");
  for (let i = 0; i < 200; i++) write(repo, `lib/file${i}.ts`, `export const x${i} = ${i};\n`);
  const tasks = Array.from({ length: UNITS }, (_, i) => `- [ ] ${i + 1}. Unit ${i + 1}\n  - _writes: src/u${i + 1}.ts_`).join("\n");
  write(repo, `${SPEC}/tasks.md`, `# Tasks\n\n${tasks}\n`);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "first");
  return repo;
}

const AGENT = `/bin/sh -c 'cat > /dev/null; mkdir -p src; echo "export const u = $SEQORCH_TASK_ID;" > "src/u$SEQORCH_TASK_ID.ts"; echo "<promise>TASK_DONE</promise>"'`;

/** What one seqorch run cost: wall ms per unit, and (with --git-trace) the git processes it started per unit. */
interface RunCost {
  ms: number;
  gitPerUnit: number | null;
}

/**
 * The git processes seqorch itself started, from a GIT_TRACE2_EVENT file: `start` events of top-level sessions
 * (a session id without `/`; git's own children, such as the `maintenance run --auto` a commit starts, carry their
 * parent's id before a `/`).
 */
function topLevelGitStarts(file: string): number {
  let n = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.includes('"event":"start"')) continue;
    const sid = (JSON.parse(line) as { sid?: string }).sid ?? "";
    if (!sid.includes("/")) n++;
  }
  return n;
}

/** One seqorch run at `--parallel n` with `binary`. */
function seqorchPerUnit(n: number, binary = BINARY): RunCost {
  const repo = newRepo();
  const trace = GIT_TRACE ? join(repo, "..", `${repo.split("/").at(-1)}.trace2`) : null;
  const start = performance.now();
  const r = Bun.spawnSync([binary, "run", "--spec", join(repo, SPEC), "--delay", "0", "--no-tmux", "--quiet", "--commit", "--parallel", String(n), "--agent-command", AGENT], {
    env: { ...GIT_ENV, CI: "true", ...(trace ? { GIT_TRACE2_EVENT: trace } : {}) },
    stdout: "ignore",
    stderr: "pipe",
  });
  const ms = (performance.now() - start) / UNITS;
  if (r.exitCode !== 0) throw new Error(`seqorch --parallel ${n} exited ${r.exitCode}: ${r.stderr.toString()}`);
  rmSync(repo, { recursive: true, force: true });
  let gitPerUnit: number | null = null;
  if (trace) {
    gitPerUnit = topLevelGitStarts(trace) / UNITS;
    rmSync(trace, { force: true });
  }
  return { ms, gitPerUnit };
}

/** The agent's own work, by hand: the same process start and file write. */
function agentByHand(cwd: string, n: number): void {
  Bun.spawnSync(["/bin/sh", "-c", `mkdir -p src; echo "export const u = ${n};" > "src/u${n}.ts"`], { cwd });
}

/** Wall ms per unit of the git work a parallel unit needs, done by hand, one unit after another. */
function parallelFloorPerUnit(): number {
  const repo = newRepo();
  const start = performance.now();
  for (let i = 1; i <= UNITS; i++) {
    const wt = join(repo, SPEC, ".wt", String(i));
    git(repo, "worktree", "add", "-q", "-b", `u/${i}`, wt, "main");
    agentByHand(wt, i);
    git(wt, "add", "--", `src/u${i}.ts`);
    git(wt, "commit", "-qm", `unit ${i}`);
    git(wt, "rebase", "-q", "main");
    git(repo, "merge", "-q", "--ff-only", `u/${i}`);
    git(repo, "worktree", "remove", wt);
    git(repo, "branch", "-q", "-d", `u/${i}`);
  }
  const ms = (performance.now() - start) / UNITS;
  rmSync(repo, { recursive: true, force: true });
  return ms;
}

/** Runs git without blocking (for the four lanes of the floor); rejects with git's error output. */
async function gitAsync(cwd: string, ...args: string[]): Promise<void> {
  const proc = Bun.spawn(["git", ...args], { cwd, env: GIT_ENV, stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`git ${args.join(" ")}: ${err}`);
}

/**
 * Wall ms per unit of the same git work by hand with four units in flight, as `--parallel 4` runs it: each lane makes
 * its worktree (`worktree add --no-checkout` one at a time, as git's worktree registry needs, then `reset --hard`
 * there), runs the agent, adds and commits; the merges go one at a time in unit order (rebase, `merge --ff-only`,
 * `worktree remove`, `branch -d`), and each merge frees a lane for the next unit. 8 git processes per unit.
 */
async function fourLaneFloorPerUnit(): Promise<number> {
  const repo = newRepo();
  const start = performance.now();
  let registry: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = registry.then(fn, fn);
    registry = run.catch(() => undefined);
    return run;
  };
  const ready = new Map<number, Promise<void>>();
  const unit = async (i: number) => {
    const wt = join(repo, SPEC, ".wt", String(i));
    await serial(() => gitAsync(repo, "worktree", "add", "-q", "--no-checkout", "-b", `u/${i}`, wt, "main"));
    await gitAsync(wt, "reset", "--hard", "-q");
    await new Promise<void>((done) => Bun.spawn(["/bin/sh", "-c", `mkdir -p src; echo "export const u = ${i};" > "src/u${i}.ts"`], { cwd: wt, onExit: () => done() }));
    await gitAsync(wt, "add", "--", `src/u${i}.ts`);
    await gitAsync(wt, "commit", "-qm", `unit ${i}`);
  };
  for (let i = 1; i <= Math.min(4, UNITS); i++) ready.set(i, unit(i));
  for (let i = 1; i <= UNITS; i++) {
    await ready.get(i);
    const wt = join(repo, SPEC, ".wt", String(i));
    await gitAsync(wt, "rebase", "-q", "main");
    await gitAsync(repo, "merge", "-q", "--ff-only", `u/${i}`);
    await serial(() => gitAsync(repo, "worktree", "remove", wt));
    await serial(() => gitAsync(repo, "branch", "-q", "-d", `u/${i}`));
    if (i + 4 <= UNITS) ready.set(i + 4, unit(i + 4));
  }
  const ms = (performance.now() - start) / UNITS;
  rmSync(repo, { recursive: true, force: true });
  return ms;
}

/** Wall ms per unit of the serial path's git work by hand: the agent's write, add, commit. */
function serialFloorPerUnit(): number {
  const repo = newRepo();
  const start = performance.now();
  for (let i = 1; i <= UNITS; i++) {
    agentByHand(repo, i);
    git(repo, "add", "--", `src/u${i}.ts`);
    git(repo, "commit", "-qm", `unit ${i}`);
  }
  const ms = (performance.now() - start) / UNITS;
  rmSync(repo, { recursive: true, force: true });
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

/** The figures of one binary over the rounds: ms per unit, ratio to the floor of the same round, git processes per unit. */
interface Series {
  parallel: number[];
  serial: number[];
  parallelRatio: number[];
  serialRatio: number[];
  parallelGit: number[];
  serialGit: number[];
}
const series = (): Series => ({ parallel: [], serial: [], parallelRatio: [], serialRatio: [], parallelGit: [], serialGit: [] });
const floors = { parallel: [] as number[], serial: [] as number[], oneLane: [] as number[] };
const binaries: [string, string][] = [["seqorch", BINARY], ...(BEFORE ? ([["before", BEFORE]] as [string, string][]) : [])];
const results = new Map(binaries.map(([name]) => [name, series()]));
/** Runs each binary once at `n` and files its figures against `floor`; the order of the binaries alternates by round. */
function measure(round: number, n: 1 | 4, floor: number): void {
  const order = round % 2 === 0 ? binaries : [...binaries].reverse();
  for (const [name, binary] of order) {
    const cost = seqorchPerUnit(n, binary);
    const s = results.get(name)!;
    (n === 4 ? s.parallel : s.serial).push(cost.ms);
    (n === 4 ? s.parallelRatio : s.serialRatio).push(cost.ms / floor);
    if (cost.gitPerUnit !== null) (n === 4 ? s.parallelGit : s.serialGit).push(cost.gitPerUnit);
  }
}
for (let round = 0; round < ROUNDS; round++) {
  floors.oneLane.push(parallelFloorPerUnit());
  const pf = await fourLaneFloorPerUnit();
  floors.parallel.push(pf);
  measure(round, 4, pf);
  const sf = serialFloorPerUnit();
  floors.serial.push(sf);
  measure(round, 1, sf);
}
const gitCount = (xs: number[]) => (xs.length ? `; ${median(xs).toFixed(1)} git processes per unit` : "");
console.log(`${UNITS} units, instant agent, --commit, in a git repository with 200 files; median (min–max) of ${ROUNDS} interleaved rounds, ms per unit`);
console.log(`the same git work by hand (floor): --parallel 4 ${fmt(floors.parallel)} (four lanes, merges in order; one unit after another: ${fmt(floors.oneLane)}); --parallel 1 ${fmt(floors.serial)} (8 git processes per parallel unit, 2 per serial one)`);
for (const [name, binary] of binaries) {
  const s = results.get(name)!;
  console.log(`${name} (${binary}):`);
  console.log(`  --parallel 4: ${fmt(s.parallel)}; ratio ${fmt(s.parallelRatio)}×${gitCount(s.parallelGit)}`);
  console.log(`  --parallel 1: ${fmt(s.serial)}; ratio ${fmt(s.serialRatio)}×${gitCount(s.serialGit)}`);
  console.log(`  orchestrator's own cost per unit (seqorch − floor): --parallel 4 ${(median(s.parallel) - median(floors.parallel)).toFixed(2)} ms, --parallel 1 ${(median(s.serial) - median(floors.serial)).toFixed(2)} ms`);
}
