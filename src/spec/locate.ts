// Finds a spec's files on disk and the defaults derived from where it is (workdir, tmux session name).
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SpecNotFoundError } from "../errors.ts";

/** A spec folder and its files (absolute paths; null for a file that does not exist). */
export interface SpecLocation {
  specDir: string;
  /** The folder name, e.g. `my-feature`. */
  name: string;
  tasksFile: string;
  requirementsFile: string | null;
  designFile: string | null;
}

/** Resolve `--spec DIR`. Throws SpecNotFoundError when the folder or its tasks.md is missing. */
export function locateSpec(dir: string): SpecLocation {
  const specDir = resolve(dir);
  if (!existsSync(specDir)) throw new SpecNotFoundError(specDir, "spec folder not found");
  if (!statSync(specDir).isDirectory()) throw new SpecNotFoundError(specDir, "not a folder (give the spec folder, e.g. .kiro/specs/my-feature)");
  const tasksFile = join(specDir, "tasks.md");
  if (!existsSync(tasksFile)) throw new SpecNotFoundError(specDir, "no tasks.md in the spec folder");
  const optional = (name: string) => (existsSync(join(specDir, name)) ? join(specDir, name) : null);
  return {
    specDir,
    name: basename(specDir),
    tasksFile,
    requirementsFile: optional("requirements.md"),
    designFile: optional("design.md"),
  };
}

/** The default state file of a spec: `<spec>/SEQUENTIAL_STATE.json` (one per spec, unlike the reference's). */
export function defaultStateFile(specDir: string): string {
  return join(specDir, "SEQUENTIAL_STATE.json");
}

/**
 * The default workdir: the folder that holds `.kiro` above the spec (the repository root for
 * `.kiro/specs/<name>` and `.kiro/specs/_archived/<name>`), else the enclosing git repository, else `cwd`.
 */
export function defaultWorkdir(specDir: string, cwd: string = process.cwd()): string {
  let dir = specDir;
  while (dirname(dir) !== dir) {
    if (basename(dir) === ".kiro") return dirname(dir);
    dir = dirname(dir);
  }
  dir = specDir;
  while (dirname(dir) !== dir) {
    if (existsSync(join(dir, ".git"))) return dir;
    dir = dirname(dir);
  }
  return resolve(cwd);
}
