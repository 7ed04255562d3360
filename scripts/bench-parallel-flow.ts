// Benchmark: six units with disjoint manifests and an agent that takes --agent-ms (default 2000), run through the
// parallel pieces (the reducer's choices, real unit worktrees, the agent as a real process, commit, merge queue) at
// --parallel 1 and --parallel 3 on a real repository; prints both wall times and their ratio (the target:
// at most 0.5). The floor is the serial run of the same flow, measured in the same process.
// Usage: bun run scripts/bench-parallel-flow.ts [--units 6] [--agent-ms 2000]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gitOk } from "../src/git/exec.ts";
import { runMergeTurn } from "../src/git/merge-queue.ts";
import { restoreSpecFolder } from "../src/git/spec-restore.ts";
import { createUnitWorktree, unitWorktree, type UnitWorktree } from "../src/git/worktree.ts";
import type { ScheduleUnit } from "../src/schedule/next-units.ts";
import { applyParallelEvent, initialParallelState, nextMoves, type ParallelEvent } from "../src/schedule/parallel-run.ts";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const UNITS = flag("units", 6);
const AGENT_MS = flag("agent-ms", 2000);
const SPEC = ".kiro/specs/bench";

async function newRepo(): Promise<string> {
  const repo = mkdtempSync(join(tmpdir(), "seqorch-bench-flow-"));
  await gitOk(repo, ["init", "-q", "-b", "main"]);
  for (const [k, v] of [["user.name", "Bench"], ["user.email", "bench@example.com"], ["commit.gpgsign", "false"]] as const) await gitOk(repo, ["config", k, v]);
  mkdirSync(join(repo, SPEC), { recursive: true });
  writeFileSync(join(repo, SPEC, "tasks.md"), Array.from({ length: UNITS }, (_, i) => `- [ ] ${i + 1}. Unit ${i + 1}\n`).join(""));
  await gitOk(repo, ["add", "-A"]);
  await gitOk(repo, ["commit", "-q", "-m", "first"]);
  return repo;
}

/** The scripted agent: sleeps, then writes its own file; a real process in the unit's worktree. */
async function agent(wt: UnitWorktree): Promise<void> {
  const file = join(wt.path, "src", `unit${wt.unit}.ts`);
  mkdirSync(dirname(file), { recursive: true });
  const proc = Bun.spawn(["sh", "-c", `sleep ${AGENT_MS / 1000}; echo "export const u = ${wt.unit};" > "$1"`, "agent", file], { cwd: wt.path });
  if ((await proc.exited) !== 0) throw new Error(`agent of unit ${wt.unit} failed`);
}

/** Runs every unit to its merge at `parallel`; returns the wall time in ms. */
async function runFlow(parallel: number): Promise<number> {
  const repo = await newRepo();
  const specDir = join(repo, SPEC);
  const units: ScheduleUnit[] = Array.from({ length: UNITS }, (_, i) => ({
    key: String(i + 1),
    id: String(i + 1),
    dependsOn: [],
    manifest: { writes: [`src/unit${i + 1}.ts`], reads: [] },
  }));
  let state = initialParallelState(units, new Set());
  const apply = (event: ParallelEvent) => (state = applyParallelEvent(units, state, event));
  const trees = new Map<string, { wt: UnitWorktree; base: string }>();
  const running = new Map<string, Promise<string>>();
  const started = performance.now();
  for (;;) {
    const moves = nextMoves(units, state, parallel);
    if (moves.start.length > 0) {
      apply({ type: "started", units: moves.start });
      for (const key of moves.start) {
        const pipeline = async () => {
          const base = (await gitOk(repo, ["rev-parse", "main"])).trim();
          const wt = unitWorktree(specDir, "bench", key);
          await createUnitWorktree(repo, wt, base);
          await agent(wt);
          await restoreSpecFolder(wt.path, SPEC, key);
          await gitOk(wt.path, ["add", "-A"]);
          await gitOk(wt.path, ["commit", "-q", "--no-verify", "-m", `feat(bench): ${key}`]);
          trees.set(key, { wt, base });
          return key;
        };
        running.set(key, pipeline());
      }
      continue;
    }
    if (moves.merge) {
      const key = moves.merge;
      const unit = units.find((u) => u.key === key) as ScheduleUnit;
      const tree = trees.get(key) as { wt: UnitWorktree; base: string };
      apply({ type: "merge-started", unit: key });
      const turn = await runMergeTurn(
        { repo, worktree: tree.wt, integrationBranch: "main", base: tree.base, manifest: unit.manifest, specRel: SPEC, lenient: false, specName: "bench" },
        async () => true,
        0,
      );
      apply({ type: "merge-ended", unit: key, result: turn.outcome.kind === "merged" ? "merged" : turn.outcome.kind });
      continue;
    }
    if (running.size === 0) break;
    const done = await Promise.race(running.values());
    running.delete(done);
    apply({ type: "finished", unit: done, ok: true });
  }
  const ms = performance.now() - started;
  const merged = Object.values(state.status).filter((s) => s === "completed").length;
  const commits = Number((await gitOk(repo, ["rev-list", "--count", "--no-merges", "main"])).trim());
  if (merged !== UNITS || commits !== UNITS + 1) throw new Error(`expected ${UNITS} merged units on a linear history, got ${merged} and ${commits - 1} commits`);
  rmSync(repo, { recursive: true, force: true });
  return ms;
}

const serial = await runFlow(1);
const parallel = await runFlow(3);
console.log(`${UNITS} units, agent ${AGENT_MS} ms, disjoint manifests, real worktrees and merges`);
console.log(`--parallel 1: ${(serial / 1000).toFixed(2)} s (the floor)`);
console.log(`--parallel 3: ${(parallel / 1000).toFixed(2)} s = ${(parallel / serial).toFixed(2)} × the serial time (target ≤ 0.50)`);
