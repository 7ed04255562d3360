// "Did you mean": the closest flag to a mistyped one, and the spec folder meant by a `--spec` that is not one
// (a bare spec name, or the `.kiro/specs` folder itself).
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { SpecNotFoundError } from "../errors.ts";
import { locateSpec, type SpecLocation } from "../spec/locate.ts";

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours) between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a typo (a third of its length, at least 2); else null. */
export function closest(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Spec folders (holding tasks.md) directly under `dir`, by name. */
function specsUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "tasks.md")))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw error;
  }
}

/** `.kiro/specs/<name>` in `cwd` or a folder above it, shown relative to `cwd`, when it holds a tasks.md. */
function namedSpec(name: string, cwd: string): string | null {
  if (name.includes("/") || name.startsWith(".")) return null;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, ".kiro", "specs", name);
    if (existsSync(join(candidate, "tasks.md"))) return relative(cwd, candidate) || ".";
    if (dirname(dir) === dir) return null;
  }
}

/** A hint for a `--spec` that is not a spec folder, or "" when there is none to give. */
export function specHint(given: string, cwd: string = process.cwd()): string {
  const path = resolve(cwd, given);
  const isDir = existsSync(path) && statSync(path).isDirectory();
  if (!isDir) {
    const named = namedSpec(given, cwd);
    if (named) return `; did you mean --spec ${named}?`;
    // A typo in the last part (`.kiro/specs/user-auht`): the closest spec beside it.
    const near = closest(basename(path), specsUnder(dirname(path)));
    return near ? `; did you mean --spec ${join(dirname(given), near)}?` : "";
  }
  const specs = specsUnder(path);
  const nested = specs.length === 0 ? specsUnder(join(path, "specs")) : [];
  const found = specs.length > 0 ? specs.map((s) => join(given, s)) : nested.map((s) => join(given, "specs", s));
  if (found.length === 0) return "";
  const shown = found.slice(0, 8).join(", ");
  return `; it holds specs: ${shown}${found.length > 8 ? `, … (${found.length} in all)` : ""} (give one, e.g. --spec ${found[0]})`;
}

/** locateSpec, with a hint in the error when `--spec` names a spec by its bare name or a folder of specs. */
export function locateSpecWithHint(given: string, cwd: string = process.cwd()): SpecLocation {
  try {
    return locateSpec(given);
  } catch (error) {
    if (!(error instanceof SpecNotFoundError)) throw error;
    const hint = specHint(given, cwd);
    if (!hint) throw error;
    throw new SpecNotFoundError(error.path, `${error.reason}${hint}`);
  }
}
