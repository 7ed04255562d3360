// Shared set-up of the distribution tests: the host binary `npm run build` made, temp folders, async process runs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const repoRoot = join(import.meta.dir, "..", "..");
export const hostBinary = join(repoRoot, "dist", process.platform === "win32" ? "seqorch.exe" : "seqorch");
export const bundle = join(repoRoot, "dist", "seqorch.mjs");
export const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
};

for (const file of [hostBinary, bundle]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
}

/** What `seqorch --version` prints for a build of this package: version and an embedded commit (never "dev"). */
export const VERSION_LINE = new RegExp(`^seqorch ${pkg.version.replaceAll(".", "\\.")} \\(([0-9a-f]{4,40}|unknown)\\)\\n$`);

const cleanups: (() => void)[] = [];

/**
 * Remove the temp folders and run the clean-ups registered so far. Every test file calls `afterAll(cleanUp)`:
 * this module is loaded once per `bun test` run, so an afterAll here would only follow the first file.
 */
export function cleanUp(): void {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
}

/** A new temporary folder, removed after the test file. */
export function tempDir(prefix = "seqorch-dist-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Run after the test file (kill a process a failed test left behind, stop a server). */
export function onCleanup(cleanup: () => void): void {
  cleanups.push(cleanup);
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion without blocking the event loop (a Bun.serve in this process keeps answering). */
export async function run(argv: string[], options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {}): Promise<Result> {
  const proc = Bun.spawn(argv, {
    cwd: options.cwd,
    env: options.env as Record<string, string> | undefined,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  return { code: proc.exitCode, signal: proc.signalCode, stdout, stderr };
}

/** Environment without npm's per-script variables (npm_config_prefix and friends), as in a user's shell. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** A folder holding only symlinks to the named commands (found on the current PATH): a PATH with nothing else on it. */
export function commandsDir(names: string[], links: Record<string, string> = {}): string {
  const dir = join(tempDir("seqorch-path-"), "bin");
  mkdirSync(dir);
  for (const name of names) {
    const found = Bun.which(name);
    if (!found) throw new Error(`${name} is not on PATH`);
    symlinkSync(found, join(dir, name));
  }
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(dir, name));
  return dir;
}

/** Path of `node` (the npm bin shim runs `#!/usr/bin/env node`). */
export function nodePath(): string {
  const node = Bun.which("node");
  if (!node) throw new Error("node is not on PATH");
  return node;
}

/** True when no folder from `dir` up to the root has a node_modules. */
export function noNodeModulesAbove(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, "node_modules"))) return false;
    if (dirname(d) === d) return true;
  }
}
