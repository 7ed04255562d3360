// What the two layer benchmarks of the parallel path share (scripts/bench-worktrees.ts: the git pieces;
// scripts/bench-worktree-actors.ts: the worktree and merge actors): their flags, their floor (one git spawn,
// measured in the same run) and their report.
import { rmSync } from "node:fs";
import { gitOk } from "../src/git/exec.ts";

/** The number after `--name` on the command line, or `fallback`. */
export function numberFlag(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** The floor: ms of one `git rev-parse HEAD` spawn in `repo`, best of 5 rounds of 20; `repo` is removed after. */
export async function gitSpawnFloorMs(repo: string): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < 20; i++) await gitOk(repo, ["rev-parse", "HEAD"]);
    best = Math.min(best, (performance.now() - start) / 20);
  }
  rmSync(repo, { recursive: true, force: true });
  return best;
}

/** Print the serial and parallel figures (ms per unit) as ratios to the floor, and the parallel phases (total ms). */
export function printPathFigures(f: { floor: number; serial: number; parallel: number; phases: Record<string, number>; units: number; serialLabel: string; parallelLabel: string }): void {
  console.log(`floor: one git spawn ${f.floor.toFixed(2)} ms`);
  console.log(`${f.serialLabel}: ${f.serial.toFixed(1)} ms/unit = ${(f.serial / f.floor).toFixed(1)} × floor`);
  console.log(`${f.parallelLabel}: ${f.parallel.toFixed(1)} ms/unit = ${(f.parallel / f.floor).toFixed(1)} × floor`);
  for (const [phase, ms] of Object.entries(f.phases)) console.log(`  ${phase}: ${(ms / f.units).toFixed(1)} ms/unit`);
  console.log(`parallel / serial: ${(f.parallel / f.serial).toFixed(1)} (${f.units} units, 200 tracked files)`);
}
