// Benchmark: the git cost seqorch adds per parallel unit (worktree add, .worktreeinclude copy, spec-folder restore,
// rebase + fast-forward merge, worktree removal), in batches of --parallel N, beside the serial path (a commit in the
// main checkout), each as a ratio to a floor measured in the same run: one `git rev-parse HEAD` spawn.
// Usage: bun run scripts/bench-worktrees.ts [--units 40] [--parallel 4]
import { gitSpawnFloorMs, numberFlag, printPathFigures } from "./bench-worktree-kit.ts";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { mergeUnit } from "../src/git/merge-unit.ts";
import { restoreSpecFolder } from "../src/git/spec-restore.ts";
import { gitOk } from "../src/git/exec.ts";
import { createUnitWorktree, removeUnitWorktree, unitWorktree } from "../src/git/worktree.ts";
import { worktreeIncludeFiles } from "../src/git/worktree-include.ts";
import { setUpWorktree } from "../src/git/worktree-setup.ts";

const UNITS = numberFlag("units", 40);
const PARALLEL = numberFlag("parallel", 4);
const SPEC = ".kiro/specs/bench";

function write(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

async function newRepo(): Promise<string> {
  const repo = mkdtempSync(join(tmpdir(), "seqorch-bench-wt-"));
  await gitOk(repo, ["init", "-q", "-b", "main"]);
  for (const [k, v] of [["user.name", "Bench"], ["user.email", "bench@example.com"], ["commit.gpgsign", "false"]]) await gitOk(repo, ["config", k as string, v as string]);
  write(repo, `${SPEC}/tasks.md`, "- [ ] 1. Bench\n");
  write(repo, ".gitignore", ".env\n");
  write(repo, ".worktreeinclude", ".env\n");
  write(repo, ".env", "TOKEN=1\n");
  for (let i = 0; i < 200; i++) write(repo, `src/file${i}.ts`, `export const x${i} = ${i};\n`);
  await gitOk(repo, ["add", "-A"]);
  await gitOk(repo, ["commit", "-q", "-m", "first"]);
  return repo;
}

async function commitIn(dir: string, file: string, message: string): Promise<void> {
  write(dir, file, `${message}\n`);
  await gitOk(dir, ["add", "--", file]);
  await gitOk(dir, ["commit", "-q", "--no-verify", "-m", message]);
}

/** ms per unit of the serial path: one commit per unit in the main checkout. */
async function serialPerUnit(): Promise<number> {
  const repo = await newRepo();
  const start = performance.now();
  for (let i = 0; i < UNITS; i++) await commitIn(repo, `src/unit${i}.ts`, `unit ${i}`);
  const ms = (performance.now() - start) / UNITS;
  rmSync(repo, { recursive: true, force: true });
  return ms;
}

/** Wall ms spent in each phase of the parallel path (phases of one batch overlap, so they are timed per batch). */
const phases: Record<string, number> = { "worktree add + include + restore + commit": 0, "merge (scope check, rebase, fast-forward)": 0, "worktree removal": 0 };

/** ms per unit of the parallel path, in batches of PARALLEL worktrees made and committed concurrently. */
async function parallelPerUnit(): Promise<number> {
  const repo = await newRepo();
  const specDir = join(repo, SPEC);
  const start = performance.now();
  const include = await worktreeIncludeFiles(repo, [`${SPEC}/.seqorch`]);
  for (let first = 0; first < UNITS; first += PARALLEL) {
    const base = (await gitOk(repo, ["rev-parse", "HEAD"])).trim();
    const batch = Array.from({ length: Math.min(PARALLEL, UNITS - first) }, (_, k) => unitWorktree(specDir, "bench", String(first + k + 1)));
    let mark = performance.now();
    const lap = (phase: string) => {
      const now = performance.now();
      phases[phase] = (phases[phase] ?? 0) + now - mark;
      mark = now;
    };
    await Promise.all(
      batch.map(async (wt) => {
        await createUnitWorktree(repo, wt, base);
        await setUpWorktree(repo, wt.path, { log: join(wt.path, "..", `${wt.unit}.log`), include });
        await restoreSpecFolder(wt.path, SPEC, wt.unit);
        await commitIn(wt.path, `src/unit${wt.unit}.ts`, `unit ${wt.unit}`);
      }),
    );
    lap("worktree add + include + restore + commit");
    for (const wt of batch) {
      const manifest = { writes: [`src/unit${wt.unit}.ts`], reads: [] };
      const outcome = await mergeUnit({ repo, worktree: wt, integrationBranch: "main", base, manifest, specRel: SPEC, lenient: false, specName: "bench" });
      if (outcome.kind !== "merged") throw new Error(`unit ${wt.unit}: ${outcome.kind}`);
      lap("merge (scope check, rebase, fast-forward)");
      await removeUnitWorktree(repo, wt, true);
      lap("worktree removal");
    }
  }
  const ms = (performance.now() - start) / UNITS;
  const count = Number((await gitOk(repo, ["rev-list", "--count", "HEAD"])).trim());
  if (count !== UNITS + 1) throw new Error(`expected ${UNITS + 1} commits, found ${count}`);
  rmSync(repo, { recursive: true, force: true });
  return ms;
}

const floor = await gitSpawnFloorMs(await newRepo());
const serial = await serialPerUnit();
const parallel = await parallelPerUnit();
printPathFigures({ floor, serial, parallel, phases, units: UNITS, serialLabel: "serial path (commit in the main checkout)", parallelLabel: `parallel path (--parallel ${PARALLEL}: worktree, merge, removal)` });
