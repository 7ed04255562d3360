// Set-up of the real-CLI suite: the pinned CLIs from .agents-cli, a private HOME per run, and each seqorch run
// inside its own network namespace (loopback only) beside the mock LLM, with every update check and telemetry off.
import { expect } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MockScript } from "../mock-llm/script.ts";
import type { LoggedRequest } from "../mock-llm/server.ts";
import { binary, cleanUp, makeSpec, privateTmux, repoRoot, tempDir } from "../e2e/harness.ts";

export { cleanUp, makeSpec, privateTmux, tempDir };

/** Where `npm run setup:agents` installs the pinned CLIs (SEQORCH_AGENTS_CLI_DIR overrides it, for a test of this check). */
export const agentsDir = process.env.SEQORCH_AGENTS_CLI_DIR ?? join(repoRoot, ".agents-cli");
export const agentsBin = join(agentsDir, "node_modules", ".bin");
export const CLIS = ["codex", "claude", "gemini", "opencode"] as const;
export type Cli = (typeof CLIS)[number];

/** The mock's port inside each run's own network namespace (nothing else listens there). */
const PORT = 18080;
const MOCK = `http://127.0.0.1:${PORT}`;
const serveScript = join(repoRoot, "test", "mock-llm", "serve.ts");

/** Model per CLI for the mock: Codex needs one from its catalog; Gemini would otherwise route first. */
export const MODEL_FLAG = "codex=gpt-5.5,claude=claude-sonnet-4-5,gemini=gemini-2.5-flash,opencode=mock/mock-model";

/** The CLIs of the pinned set that are missing (none after `npm run setup:agents`). */
export function missingClis(): Cli[] {
  return CLIS.filter((cli) => !existsSync(join(agentsBin, cli)));
}

/**
 * Fail (in CI) or explain (locally) when a CLI is missing: the suite must not pass by skipping in CI.
 * Returns true when the suite can run.
 */
export function requireClis(): boolean {
  const missing = missingClis();
  if (missing.length === 0) return true;
  const message = `agent CLIs missing from ${agentsBin}: ${missing.join(", ")}; run \`npm run setup:agents\``;
  if (process.env.CI) throw new Error(message);
  console.warn(`test/agents skipped: ${message}`);
  return false;
}

/** How to enter a fresh network namespace with loopback up, or why that is impossible here. */
function netnsPrefix(): string[] {
  if (process.env.SEQORCH_AGENTS_NO_NETNS === "1") return [];
  const up = Bun.which("ip") ? "ip link set lo up" : Bun.which("ifconfig") ? "ifconfig lo up" : null;
  if (!Bun.which("unshare") || !up) throw new Error("the real-CLI suite needs unshare(1) and ip(8) to keep the CLIs off the network");
  const userns = process.getuid?.() === 0 ? [] : ["-r"];
  const probe = Bun.spawnSync(["unshare", ...userns, "-n", "/bin/sh", "-c", up]);
  if (probe.exitCode !== 0) throw new Error(`cannot create a network namespace (unshare ${[...userns, "-n"].join(" ")}): ${probe.stderr.toString().trim()}`);
  return ["unshare", ...userns, "-n", "/bin/sh", "-c", `${up} && exec "$@"`, "sh"];
}

let prefix: string[] | null = null;

/** Files of one run: its private HOME and the like, the mock's script and request log. */
export interface RunDirs {
  root: string;
  home: string;
  log: string;
}

/** Per-run homes with each CLI pointed at the mock, telemetry and update checks off. */
function prepareHome(root: string): { env: Record<string, string>; dirs: RunDirs } {
  const home = join(root, "home");
  const codexHome = join(root, "codex-home");
  const tmp = join(root, "tmp");
  for (const dir of [join(home, ".gemini"), codexHome, tmp]) mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(codexHome, "config.toml"),
    [
      'model_provider = "mock"',
      "check_for_update_on_startup = false",
      "[analytics]",
      "enabled = false",
      "[model_providers.mock]",
      'name = "mock"',
      `base_url = "${MOCK}/v1"`,
      'env_key = "MOCK_API_KEY"',
      'wire_api = "responses"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(home, ".gemini", "settings.json"),
    JSON.stringify({
      security: { auth: { selectedType: "gemini-api-key" } },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    }),
  );
  const opencode = {
    provider: { mock: { npm: "@ai-sdk/openai-compatible", name: "Mock", options: { baseURL: `${MOCK}/v1`, apiKey: "sk-test" }, models: { "mock-model": { name: "Mock Model" } } } },
    model: "mock/mock-model",
    autoupdate: false,
    share: "disabled",
  };
  const env: Record<string, string> = {
    PATH: `${agentsBin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: home,
    CODEX_HOME: codexHome,
    TMPDIR: tmp,
    MOCK_API_KEY: "sk-test",
    ANTHROPIC_BASE_URL: MOCK,
    ANTHROPIC_API_KEY: "sk-test",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
    GEMINI_API_KEY: "sk-test",
    GOOGLE_GEMINI_BASE_URL: MOCK,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(opencode),
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_SHARE: "1",
    CI: "true",
    NO_COLOR: "1",
  };
  return { env, dirs: { root, home, log: join(root, "requests.jsonl") } };
}

/** Result of one isolated seqorch invocation. */
export interface AgentRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  dirs: RunDirs;
  /** Every request the mock received. */
  requests(): LoggedRequest[];
}

/**
 * Run `dist/seqorch <args>` in a fresh network namespace (loopback only) beside the mock LLM answering
 * from `script`, with a private HOME, CODEX_HOME and TMPDIR.
 */
export async function isolated(args: string[], script: MockScript, options: { cwd?: string; env?: Record<string, string> } = {}): Promise<AgentRun> {
  prefix ??= netnsPrefix();
  const root = tempDir("seqorch-agents-");
  const { env, dirs } = prepareHome(root);
  const scriptFile = join(root, "script.json");
  writeFileSync(scriptFile, JSON.stringify(script));
  const argv = [...prefix, process.execPath, serveScript, "--port", String(PORT), "--script", scriptFile, "--log", dirs.log, "--", binary, ...args];
  const started = performance.now();
  const proc = Bun.spawn(argv, { cwd: options.cwd, env: { ...env, ...options.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const ms = performance.now() - started;
  return {
    code,
    stdout,
    stderr,
    ms,
    dirs,
    requests: () =>
      existsSync(dirs.log)
        ? readFileSync(dirs.log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as LoggedRequest)
        : [],
  };
}

/** The spec's state file. */
export function stateOf(spec: string): any {
  return JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
}

/** The spec's progress log. */
export function progressOf(spec: string): string {
  return readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
}

/** Processes (not zombies) started from the pinned CLIs whose environment holds `home`: what a run left behind. */
export function survivors(home: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      let exe = "";
      try {
        exe = readlinkSync(`/proc/${entry}/exe`);
      } catch {
        exe = ""; // a kernel thread or a process that just ended
      }
      if (!cmdline.includes(agentsDir) && !exe.startsWith(agentsDir)) continue;
      if (!readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(`HOME=${home}`)) continue;
      const [ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").slice(1, 3);
      found.push(`pid ${entry} (ppid ${ppid}, pgid ${pgid}): ${cmdline.trim()}`);
    } catch {
      // The process ended while it was being read.
    }
  }
  return found;
}

/** A two-unit spec whose units the mock tells apart by the prompt's heading. */
export function twoUnitSpec(): { root: string; spec: string } {
  const tasks = [
    "# Implementation Plan",
    "",
    "- [ ] 1. Create the alpha file",
    "  - Write created_by_agent.txt in the workdir",
    "  - _Requirements: 1.1_",
    "",
    "- [ ] 2. Create the beta file",
    "  - Write second_by_agent.txt in the workdir",
    "  - _Requirements: 1.2_",
    "",
  ].join("\n");
  return makeSpec(tasks, "feature", {
    "requirements.md": "# Requirements\n\n### Requirement 1: Files\n1. THE agent SHALL create the files.\n",
    "design.md": "# Design\n\nTwo files in the workdir.\n",
  });
}

/** The flags every run of the suite uses: the spec, no delay, a private tmux server. */
export function runArgs(spec: string, socket: string, extra: string[] = []): string[] {
  return ["run", "--spec", spec, "--delay", "0", "--tmux-socket", socket, "--tmux-session", "agents", "--model", MODEL_FLAG, ...extra];
}

/** Assert a run ended as expected, showing its output when it did not. */
export function expectCode(run: AgentRun, code: number): void {
  if (run.code !== code) console.error(`exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  expect(run.code).toBe(code);
}

/** Survivors of a run once `ms` have passed for them to go (a process being killed needs a moment). */
export async function survivorsAfter(home: string, ms = 2000): Promise<string[]> {
  const end = Date.now() + ms;
  let left = survivors(home);
  if (left.length > 0) console.warn(`still ending right after the run:\n  ${left.join("\n  ")}`);
  while (left.length > 0 && Date.now() < end) {
    await Bun.sleep(100);
    left = survivors(home);
  }
  return left;
}
