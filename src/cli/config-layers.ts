// Where a run setting can come from besides its flag: the project file (.kiro/seqorch.json, or the key
// "seqorch" in package.json), and environment variables (SEQORCH_*, plus the reference's CODEAGENT_* and
// CODEX_TIMEOUT). Precedence: flag > environment > project file > default.
// (A loader such as c12 was considered: it brings a module graph that costs start-up time and memory, both
// product figures here, for formats seqorch does not need. Two JSON files are read here instead.)
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { closest } from "./suggest.ts";

/** A value and where it came from: `flag --delay`, `env SEQORCH_DELAY`, `/repo/.kiro/seqorch.json`, `default`. */
export interface Sourced {
  /** A list only for a repeatable flag (`verify`). */
  value: string | boolean | string[];
  source: string;
}

/** Settings read from one project file, keyed by flag name (kebab-case). */
export interface FileLayer {
  file: string;
  values: Record<string, string | boolean | string[]>;
}

/** Settings that take a list of strings in a project file (repeatable flags). */
const REPEATABLE = new Set(["verify"]);

const toKebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, "-");

/** Settings of the project files that are not flags. */
const NON_FLAG_KEYS = new Set(["prices"]);

function layerFrom(file: string, data: unknown, known: ReadonlySet<string>): FileLayer {
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new UsageError(file, "the seqorch settings must be a JSON object");
  const values: Record<string, string | boolean | string[]> = {};
  for (const [key, value] of Object.entries(data)) {
    // Not a flag: the price table, read by src/usage/prices.ts from the same files.
    if (NON_FLAG_KEYS.has(key)) continue;
    const name = toKebab(key);
    if (!known.has(name)) {
      const near = closest(name, known);
      throw new UsageError(`${file}: "${key}"`, `unknown setting${near ? `; did you mean "${near}"?` : " (see seqorch run --help)"}`);
    }
    if (typeof value === "boolean") values[name] = value;
    else if (typeof value === "string" || typeof value === "number") values[name] = String(value);
    else if (REPEATABLE.has(name) && Array.isArray(value) && value.every((v) => typeof v === "string")) values[name] = value as string[];
    else throw new UsageError(`${file}: "${key}"`, "must be a string, a number or a boolean");
  }
  return { file, values };
}

/** The nearest `.kiro/seqorch.json` and package.json at or above `cwd` (null: none). */
export function findProjectFiles(cwd: string): { kiro: string | null; pkg: string | null } {
  let kiro: string | null = null;
  let pkg: string | null = null;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (!kiro && existsSync(join(dir, ".kiro", "seqorch.json"))) kiro = join(dir, ".kiro", "seqorch.json");
    if (!pkg && existsSync(join(dir, "package.json"))) pkg = join(dir, "package.json");
    if (dirname(dir) === dir) break;
  }
  return { kiro, pkg };
}

/** A JSON file's value. Throws UsageError naming the file when it is not valid JSON. */
export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(file, `not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The project files that apply in `cwd`: the nearest `.kiro/seqorch.json` above it, and the `seqorch` key of the
 * nearest package.json; the first wins for a setting both give. Throws UsageError naming the file and key.
 */
export function loadFileLayers(cwd: string, known: ReadonlySet<string>): FileLayer[] {
  const layers: FileLayer[] = [];
  const { kiro, pkg } = findProjectFiles(cwd);
  if (kiro) layers.push(layerFrom(kiro, readJson(kiro), known));
  if (pkg) {
    const data = readJson(pkg) as { seqorch?: unknown } | null;
    if (data && typeof data === "object" && data.seqorch !== undefined) layers.push(layerFrom(`${pkg}#seqorch`, data.seqorch, known));
  }
  return layers;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off", ""]);

/**
 * The environment's value for flag `name`: SEQORCH_<NAME> (e.g. SEQORCH_MAX_ITERATIONS), or the reference's
 * CODEAGENT_NO_TMUX (tmux) and CODEX_TIMEOUT (task-timeout; above 10000 it is milliseconds).
 */
export function envValue(name: string, type: "string" | "boolean", env: NodeJS.ProcessEnv): Sourced | undefined {
  const key = `SEQORCH_${name.toUpperCase().replace(/-/g, "_")}`;
  const raw = env[key];
  if (raw !== undefined) {
    if (type === "string") return { value: raw, source: `env ${key}` };
    const lower = raw.toLowerCase();
    if (TRUE.has(lower) || FALSE.has(lower)) return { value: TRUE.has(lower), source: `env ${key}` };
    throw new UsageError(key, `must be true or false (got ${JSON.stringify(raw)})`);
  }
  if (name === "tmux" && env.CODEAGENT_NO_TMUX !== undefined && !FALSE.has(env.CODEAGENT_NO_TMUX.toLowerCase())) {
    return { value: false, source: "env CODEAGENT_NO_TMUX" };
  }
  if (name === "task-timeout" && env.CODEX_TIMEOUT !== undefined && env.CODEX_TIMEOUT.trim() !== "") {
    const n = Number(env.CODEX_TIMEOUT);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError("CODEX_TIMEOUT", `must be a positive number (got ${JSON.stringify(env.CODEX_TIMEOUT)})`);
    return { value: String(n > 10_000 ? n / 1000 : n), source: "env CODEX_TIMEOUT" };
  }
  return undefined;
}
