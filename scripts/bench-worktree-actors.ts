// Benchmark: the orchestrator's own cost per unit with --parallel N and an instant agent, through the actors a
// parallel run uses (src/actors/worktree-open.ts, committer.ts, merge-worktree.ts: worktree creation, state records
// written and fsynced, the commit in the worktree, backup ref, scope check, rebase, fast-forward, tick, removal),
// beside the serial figure (the committer and the tick in the main checkout). Both as a ratio to a floor measured in
// the same run: one `git rev-parse HEAD` spawn. Usage: bun run scripts/bench-worktree-actors.ts [--units 24] [--parallel 4]
import { gitSpawnFloorMs, numberFlag, printPathFigures } from "./bench-worktree-kit.ts";
import { rmSync } from "node:fs";
import { commitRound } from "../src/actors/committer.ts";
import { endMarks, writeUnitMarks } from "../src/actors/marks.ts";
import { mergeUnitWorktree } from "../src/actors/merge-worktree.ts";
import { openUnitWorktree } from "../src/actors/worktree-open.ts";
import { setWorktreeStatus } from "../src/actors/worktree-registry.ts";
import { gitOk } from "../src/git/exec.ts";
import { contextFor, tasksText, unitOf } from "../test/git/parallel-context.ts";
import { tempRepo, write } from "../test/git/temp-repo.ts";

const UNITS = numberFlag("units", 24);
const PARALLEL = numberFlag("parallel", 4);

/** A repository with UNITS units (one file each in their manifest) and 200 tracked files. */
function benchRepo(): string {
  const units = Object.fromEntries(Array.from({ length: UNITS }, (_, i) => [String(i + 1), [`src/unit${i + 1}.ts`]]));
  const files: Record<string, string> = { ".kiro/specs/feat/tasks.md": tasksText(units), ".gitignore": "SEQUENTIAL_*\n" };
  for (let i = 0; i < 200; i++) files[`lib/file${i}.ts`] = `export const x${i} = ${i};\n`;
  return tempRepo(files).repo;
}

/** ms per unit of the serial path: the committer's commit in the main checkout, the tick, the state record. */
async function serialPerUnit(): Promise<number> {
  const repo = benchRepo();
  const { context } = await contextFor(repo, { n: 1 });
  const start = performance.now();
  for (let i = 1; i <= UNITS; i++) {
    const unit = unitOf(context, String(i));
    write(repo, `src/unit${i}.ts`, `unit ${i}\n`);
    await commitRound(context, { unit, round: 0 });
    context.store.update((s) => void s.completed.push(unit.key), { units: [unit.key] });
    await writeUnitMarks(context, endMarks(unit, true));
  }
  const ms = (performance.now() - start) / UNITS;
  rmSync(repo, { recursive: true, force: true });
  return ms;
}

const phases: Record<string, number> = { "open (worktree, record, registration)": 0, "commit in the worktree": 0, "merge turn (backup, scope, rebase, ff, tick, removal)": 0 };

/** ms per unit of the parallel path, in batches of PARALLEL units opened and committed concurrently. */
async function parallelPerUnit(): Promise<number> {
  const repo = benchRepo();
  const { context } = await contextFor(repo, { n: PARALLEL });
  const start = performance.now();
  for (let first = 1; first <= UNITS; first += PARALLEL) {
    const batch = Array.from({ length: Math.min(PARALLEL, UNITS - first + 1) }, (_, k) => unitOf(context, String(first + k)));
    let mark = performance.now();
    const lap = (phase: string) => {
      const now = performance.now();
      phases[phase] = (phases[phase] ?? 0) + now - mark;
      mark = now;
    };
    const opened = await Promise.all(batch.map((unit) => openUnitWorktree(context, unit)));
    lap("open (worktree, record, registration)");
    await Promise.all(
      batch.map(async (unit, k) => {
        write(opened[k]!.path, `src/unit${unit.id}.ts`, `unit ${unit.id}\n`);
        await commitRound(context, { unit, round: 0 });
        setWorktreeStatus(context, unit.key, "queued");
      }),
    );
    lap("commit in the worktree");
    for (const unit of batch) {
      const result = await mergeUnitWorktree(context, unit);
      if (result.kind !== "merged") throw new Error(`unit ${unit.id}: ${result.kind}`);
    }
    lap("merge turn (backup, scope, rebase, ff, tick, removal)");
  }
  const ms = (performance.now() - start) / UNITS;
  const count = Number((await gitOk(repo, ["rev-list", "--count", "HEAD"])).trim());
  if (count !== UNITS + 1) throw new Error(`expected ${UNITS + 1} commits, found ${count}`);
  rmSync(repo, { recursive: true, force: true });
  return ms;
}

const floor = await gitSpawnFloorMs(benchRepo());
const serial = await serialPerUnit();
const parallel = await parallelPerUnit();
printPathFigures({ floor, serial, parallel, phases, units: UNITS, serialLabel: "serial (committer + tick in the main checkout)", parallelLabel: `--parallel ${PARALLEL} (open, commit in worktree, merge turn)` });
