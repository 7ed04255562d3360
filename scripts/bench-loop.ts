// Benchmark: the multi-agent loop's own cost per unit (verify, commit, review bookkeeping), without agent time.
// Usage: npm run build && bun run scripts/bench-loop.ts [--units 30] [--runs 3]
// Runs dist/seqorch --no-tmux on a generated spec in a git repository with an instant agent (and an instant
// reviewer that approves), three ways: plain, --verify true --commit, and --verify true --commit --review. The loop's
// cost per unit is (gated run − plain run) / units. The floor, measured in the same run, is the irreducible work
// the gates stand for done directly: one `sh -c true`, one `git status` and one `git add` + `git commit` of one file
// per unit (plus, for review, a `git diff` and one more agent start). The figure is printed as a ratio to it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const UNITS = flag("units", 30);
const RUNS = flag("runs", 3);
const binary = join(import.meta.dir, "..", "dist", "seqorch");
const GIT_ENV = { GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@example.com", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@example.com" };
// One command in both roles: implement writes the unit's file; review approves.
const AGENT = `cat >/dev/null; if [ "$SEQORCH_ROLE" = review ]; then echo '<review>{"verdict":"approve","findings":[]}</review>'; else echo "$SEQORCH_TASK_ID" > "f$SEQORCH_TASK_ID.txt"; echo '<promise>TASK_DONE</promise>'; fi`;

function sh(cwd: string, ...cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { cwd, env: { ...process.env, ...GIT_ENV }, stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
}

function makeRepo(): { root: string; spec: string } {
  const root = mkdtempSync(join(tmpdir(), "seqorch-bench-loop-"));
  const spec = join(root, ".kiro", "specs", "bench");
  mkdirSync(spec, { recursive: true });
  const lines = ["# Implementation Plan", ""];
  for (let i = 1; i <= UNITS; i++) lines.push(`- [ ] ${i}. Benchmark task ${i}`, `  - Do thing ${i}`, "");
  writeFileSync(join(spec, "tasks.md"), lines.join("\n"));
  writeFileSync(join(spec, "requirements.md"), "# Requirements\n");
  writeFileSync(join(spec, "design.md"), "# Design\n");
  sh(root, "git", "init", "-q", "-b", "main");
  sh(root, "git", "add", "-A");
  sh(root, "git", "commit", "-qm", "init");
  return { root, spec };
}

function runMs(extra: string[]): number {
  const { root, spec } = makeRepo();
  try {
    const start = performance.now();
    const r = Bun.spawnSync([binary, "run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", AGENT, ...extra], { cwd: root, env: { ...process.env, ...GIT_ENV, CI: "true" }, stdout: "ignore", stderr: "pipe" });
    const ms = performance.now() - start;
    if (r.exitCode !== 0) throw new Error(`seqorch run ${extra.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
    return ms;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The same git and shell work done directly, per unit (ms): the floor. `review` adds a diff and an agent start. */
function floorMs(review: boolean): number {
  const { root } = makeRepo();
  try {
    const start = performance.now();
    for (let i = 1; i <= UNITS; i++) {
      writeFileSync(join(root, `f${i}.txt`), `${i}\n`);
      sh(root, "/bin/sh", "-c", "true");
      sh(root, "git", "status", "--porcelain");
      sh(root, "git", "add", "--", `f${i}.txt`);
      sh(root, "git", "commit", "-qm", `unit ${i}`, "--", `f${i}.txt`);
      if (review) {
        sh(root, "git", "diff", "HEAD~1", "HEAD");
        sh(root, "/bin/sh", "-c", AGENT.replace(/"\$SEQORCH_ROLE" = review/, "1 = 1"));
      }
    }
    return (performance.now() - start) / UNITS;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const plain: number[] = [];
const gated: number[] = [];
const reviewed: number[] = [];
const floorGate: number[] = [];
const floorReview: number[] = [];
for (let run = 0; run < RUNS; run++) {
  plain.push(runMs([]));
  gated.push(runMs(["--verify", "true", "--commit"]));
  reviewed.push(runMs(["--verify", "true", "--commit", "--review"]));
  floorGate.push(floorMs(false));
  floorReview.push(floorMs(true));
}
const per = (total: number[]) => median(total) / UNITS;
const gateCost = per(gated) - per(plain);
const reviewCost = per(reviewed) - per(plain);
console.log(`units ${UNITS}, runs ${RUNS} (medians), runner direct, instant agent and reviewer`);
console.log(`plain run:                      ${per(plain).toFixed(1)} ms/unit`);
console.log(`--verify --commit:              ${per(gated).toFixed(1)} ms/unit → the gates cost ${gateCost.toFixed(1)} ms/unit; floor (sh + git status + add + commit) ${median(floorGate).toFixed(1)} ms/unit; ratio ${(gateCost / median(floorGate)).toFixed(2)}`);
console.log(`--verify --commit --review:     ${per(reviewed).toFixed(1)} ms/unit → the loop costs ${reviewCost.toFixed(1)} ms/unit; floor (+ git diff + one agent start) ${median(floorReview).toFixed(1)} ms/unit; ratio ${(reviewCost / median(floorReview)).toFixed(2)}`);
