// Benchmark: the orchestrator's own cost per unit of a parallel run (`--parallel 4`, the compiled binary, an
// instant agent, --commit: worktree creation and removal, rebase, fast-forward merge, the state's worktree
// registry), beside the serial figure (`--parallel 1 --commit`), each as a ratio to a floor that does the same git
// work by hand in the same round: per unit `git worktree add -b`, write, add, commit, rebase, `merge --ff-only`,
// `worktree remove`, `branch -d` for the parallel path; write, add, commit for the serial one.
// Usage: npm run build && bun run scripts/bench-parallel.ts [--units 24] [--rounds 3] [--binary dist/seqorch]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

/** Wall ms per unit of one seqorch run at `--parallel n`. */
function seqorchPerUnit(n: number): number {
  const repo = newRepo();
  const start = performance.now();
  const r = Bun.spawnSync([BINARY, "run", "--spec", join(repo, SPEC), "--delay", "0", "--no-tmux", "--quiet", "--commit", "--parallel", String(n), "--agent-command", AGENT], {
    env: { ...GIT_ENV, CI: "true" },
    stdout: "ignore",
    stderr: "pipe",
  });
  const ms = (performance.now() - start) / UNITS;
  if (r.exitCode !== 0) throw new Error(`seqorch --parallel ${n} exited ${r.exitCode}: ${r.stderr.toString()}`);
  rmSync(repo, { recursive: true, force: true });
  return ms;
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

const rows = { parallel: [] as number[], parallelFloor: [] as number[], serial: [] as number[], serialFloor: [] as number[] };
const ratios = { parallel: [] as number[], serial: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  const pf = parallelFloorPerUnit();
  const p = seqorchPerUnit(4);
  const sf = serialFloorPerUnit();
  const s = seqorchPerUnit(1);
  rows.parallelFloor.push(pf);
  rows.parallel.push(p);
  rows.serialFloor.push(sf);
  rows.serial.push(s);
  ratios.parallel.push(p / pf);
  ratios.serial.push(s / sf);
}
console.log(`${UNITS} units, instant agent, --commit, in a git repository with 200 files; median (min–max) of ${ROUNDS} interleaved rounds, ms per unit`);
console.log(`--parallel 4: seqorch ${fmt(rows.parallel)}; the same git work by hand ${fmt(rows.parallelFloor)}; ratio ${fmt(ratios.parallel)}×`);
console.log(`--parallel 1: seqorch ${fmt(rows.serial)}; the same git work by hand ${fmt(rows.serialFloor)}; ratio ${fmt(ratios.serial)}×`);
console.log(`orchestrator's own cost per unit (seqorch − floor): --parallel 4 ${(median(rows.parallel) - median(rows.parallelFloor)).toFixed(2)} ms, --parallel 1 ${(median(rows.serial) - median(rows.serialFloor)).toFixed(2)} ms`);
