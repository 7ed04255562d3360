// A dispatch unit's writes/reads manifest: collected from its tasks' `_writes:` / `_reads:` lines, paths normalised,
// and the overlap rule (a folder overlaps every file under it). Rules: shared/reference/multi-agent-loop.md Part 3.8.
import type { DispatchUnit } from "../spec/types.ts";

/**
 * What a unit declares it touches. Paths are repository-relative and normalised (see normaliseManifestPath);
 * `""` stands for the whole repository. `writes` empty and `reads` empty: no manifest (the unit runs alone).
 */
export interface Manifest {
  writes: string[];
  reads: string[];
}

/** How a unit may share a batch, derived from its manifest. */
export type ManifestKind = "writes" | "reads-only" | "none";

const GLOB = /[*?[{]/;

/**
 * One declared path in canonical form: backticks and quotes removed, `\` → `/`, `./` and `.` segments and
 * duplicate slashes dropped, `..` resolved, leading `/` and trailing `/` dropped, a trailing `_` (the closer of
 * `_writes: a, b_` when the parser kept it) dropped, and a glob cut to its folder (`src/**\/*.ts` → `src`).
 * Returns `""` for the repository root (`.`, `/`, `**`), and null for an empty entry or one that leaves the
 * repository (`../x`).
 */
export function normaliseManifestPath(raw: string): string | null {
  let text = raw.trim().replace(/^[`'"]+|[`'"]+$/g, "").trim();
  if (text.endsWith("_") && !text.endsWith("/_")) text = text.slice(0, -1).trimEnd();
  if (text === "") return null;
  text = text.replace(/\\/g, "/");
  const glob = GLOB.exec(text);
  if (glob) text = text.slice(0, glob.index).replace(/[^/]*$/, "");
  const parts: string[] = [];
  for (const part of text.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join("/");
}

function normaliseAll(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of paths) {
    const path = normaliseManifestPath(raw);
    if (path !== null && !out.includes(path)) out.push(path);
  }
  return out;
}

/**
 * The manifest of a dispatch unit: the union of `_writes:` / `_reads:` over the unit's own task and every
 * sub-task it carries, normalised. When no task declares writes, the assignment's (`fallback`, from an
 * orchestrate assignment in the state) are used instead; the same for reads. A path both written and read counts
 * as written.
 */
export function unitManifest(unit: DispatchUnit, fallback: { writes?: readonly string[]; reads?: readonly string[] } = {}): Manifest {
  const tasks = [...(unit.task ? [unit.task] : []), ...unit.subtasks];
  const declared = normaliseAll(tasks.flatMap((t) => t.writes));
  const writes = declared.length > 0 ? declared : normaliseAll(fallback.writes ?? []);
  const declaredReads = normaliseAll(tasks.flatMap((t) => t.reads));
  const reads = (declaredReads.length > 0 ? declaredReads : normaliseAll(fallback.reads ?? [])).filter((p) => !writes.includes(p));
  return { writes, reads };
}

/** "writes" when the unit declares writes, "reads-only" with only reads, "none" without a manifest. */
export function manifestKind(manifest: Manifest): ManifestKind {
  if (manifest.writes.length > 0) return "writes";
  return manifest.reads.length > 0 ? "reads-only" : "none";
}

/** True when two normalised paths touch the same file: equal, or one is a folder holding the other (`""` holds all). */
export function pathsOverlap(a: string, b: string): boolean {
  if (a === b || a === "" || b === "") return true;
  return b.startsWith(`${a}/`) || a.startsWith(`${b}/`);
}

/** True when `path` is `folder` itself or lies under it (`""` covers everything). */
export function pathCovers(folder: string, path: string): boolean {
  return folder === "" || folder === path || path.startsWith(`${folder}/`);
}

/** True when some write of `a` overlaps some write of `b`. */
export function writesOverlap(a: Manifest, b: Manifest): boolean {
  return a.writes.some((x) => b.writes.some((y) => pathsOverlap(x, y)));
}

/**
 * The changed files (repository-relative, from `git diff --name-only`) that no write of the manifest covers:
 * the unit's scope violations. Files under `ignored` (the spec folder, which seqorch restores) are not counted.
 * A unit without a manifest ran alone and may write anywhere: nothing is outside. A reads-only unit writes nothing.
 */
export function filesOutsideManifest(manifest: Manifest, changed: readonly string[], ignored: readonly string[] = []): string[] {
  if (manifestKind(manifest) === "none") return [];
  const skip = normaliseAll(ignored);
  return changed.filter((file) => {
    const path = normaliseManifestPath(file) ?? file;
    if (skip.some((folder) => pathCovers(folder, path))) return false;
    return !manifest.writes.some((w) => pathCovers(w, path));
  });
}
