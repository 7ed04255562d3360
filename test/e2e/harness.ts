// Shared set-up of the end-to-end tests: the compiled binary, disposable spec copies, private tmux servers.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repoRoot = join(import.meta.dir, "..", "..");
export const binary = join(repoRoot, "dist", "seqorch");
/** Hand-made specs (test/fixtures/specs): what the end-to-end tests run, so they need nothing beside the clone. */
export const fixtureSpecs = join(repoRoot, "test", "fixtures", "specs");

if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npm run build\` first (npm test does)`);

const cleanups: (() => void)[] = [];

/** Remove this file's temporary folders and tmux servers. Each test file registers it: `afterAll(cleanUp)`. */
export function cleanUp(): void {
  for (const cleanup of cleanups.splice(0)) cleanup();
}

/** A new temporary folder, removed after the test file. */
export function tempDir(prefix = "seqorch-e2e-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Copy a fixture spec (test/fixtures/specs/<folder>) into `<tmp>/repo/.kiro/specs/<name>/`; returns the spec folder and the repo root. */
export function copyFixtureSpec(folder: string, name = "feature"): { root: string; spec: string } {
  const root = join(tempDir(), "repo");
  const spec = join(root, ".kiro", "specs", name);
  mkdirSync(spec, { recursive: true });
  for (const file of readdirSync(join(fixtureSpecs, folder))) {
    if (file.endsWith(".md")) cpSync(join(fixtureSpecs, folder, file), join(spec, file));
  }
  return { root, spec };
}

/** Write a spec with the given tasks.md into a new temporary repo. */
export function makeSpec(tasks: string, name = "feature", extra: Record<string, string> = {}): { root: string; spec: string } {
  const root = join(tempDir(), "repo");
  const spec = join(root, ".kiro", "specs", name);
  mkdirSync(spec, { recursive: true });
  writeFileSync(join(spec, "tasks.md"), tasks);
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(spec, file), text);
  return { root, spec };
}

/** A private tmux server for this test file (-L name); killed and its socket removed afterwards. */
export function privateTmux(): string {
  const socket = `seqorch-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  cleanups.push(() => {
    Bun.spawnSync(["tmux", "-L", socket, "kill-server"], { stderr: "ignore", stdout: "ignore" });
    const uid = process.getuid?.() ?? 0;
    rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${uid}`, socket), { force: true });
  });
  return socket;
}

/** Result of one seqorch invocation. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the compiled binary with `args`; CI-style plain output. */
export async function seqorch(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  const proc = Bun.spawn([binary, ...args], {
    cwd: options.cwd,
    env: { ...process.env, CI: "true", NO_COLOR: "1", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** tmux window names of a session on a private server. */
export function windowNames(socket: string, session: string): string[] {
  const out = Bun.spawnSync(["tmux", "-L", socket, "list-windows", "-t", `=${session}`, "-F", "#{window_name}"]);
  return out.stdout.toString().split("\n").filter(Boolean);
}

/**
 * Write a scripted agent (a POSIX shell script) and return the --agent-command that runs it.
 * The script appends "$SEQORCH_TASK_ID $SEQORCH_ATTEMPT" to `<dir>/dispatch.log`, then runs `body`.
 */
export function scriptedAgent(dir: string, body: string): { command: string; dispatchLog: string } {
  const dispatchLog = join(dir, "dispatch.log");
  const script = join(dir, "agent.sh");
  writeFileSync(script, `#!/bin/sh\nprintf '%s %s\\n' "$SEQORCH_TASK_ID" "$SEQORCH_ATTEMPT" >> '${dispatchLog}'\n${body}\n`, { mode: 0o755 });
  return { command: `/bin/sh '${script}'`, dispatchLog };
}

/** A fixed author and committer for the tests' commits (no git config needed on the machine). */
export const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };

/** Run git in `cwd` with GIT_ENV; returns its stdout. Throws naming the command when git fails. */
export function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", ...args], { cwd, env: { ...process.env, ...GIT_ENV } });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/**
 * Wait until `check` gives a truthy value (returned), looking every 50 ms; throws "timed out waiting" after `ms`
 * milliseconds (default 30,000).
 */
export async function until<T>(check: () => T | undefined | null | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error("timed out waiting");
    await Bun.sleep(50);
  }
}
