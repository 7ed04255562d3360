// Installs the pinned agent CLIs (Codex, Claude Code, Gemini CLI, opencode) into .agents-cli/ for the real-CLI suite.
// Usage: npm run setup:agents. Idempotent: does nothing when every pinned version is already installed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The versions the real-CLI suite is proven against (see ../shared/reference/agent-clis.md). */
export const PINNED = {
  "@openai/codex": "0.169.0",
  "@anthropic-ai/claude-code": "2.1.330",
  "@google/gemini-cli": "0.61.0",
  "opencode-ai": "1.18.33",
} as const;

export const agentsDir = join(import.meta.dir, "..", ".agents-cli");

/** The installed version of `pkg` under .agents-cli, or null. */
export function installedVersion(pkg: string): string | null {
  const file = join(agentsDir, "node_modules", pkg, "package.json");
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? null;
}

function main(): number {
  const missing = Object.entries(PINNED).filter(([pkg, version]) => installedVersion(pkg) !== version);
  if (missing.length === 0) {
    console.log(`setup:agents: all pinned CLIs present in ${agentsDir}`);
    return 0;
  }
  mkdirSync(agentsDir, { recursive: true });
  const manifest = join(agentsDir, "package.json");
  if (!existsSync(manifest)) writeFileSync(manifest, `${JSON.stringify({ name: "seqorch-agent-clis", private: true }, null, 2)}\n`);
  const specs = missing.map(([pkg, version]) => `${pkg}@${version}`);
  console.log(`setup:agents: installing ${specs.join(" ")} into ${agentsDir}`);
  const started = Date.now();
  const result = Bun.spawnSync(
    ["npm", "install", "--prefix", agentsDir, "--save-exact", "--no-audit", "--no-fund", "--loglevel=error", ...specs],
    { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, npm_config_update_notifier: "false" } },
  );
  if (result.exitCode !== 0) {
    console.error(`setup:agents: npm install failed (exit ${result.exitCode})`);
    return result.exitCode ?? 1;
  }
  const still = Object.entries(PINNED).filter(([pkg, version]) => installedVersion(pkg) !== version);
  if (still.length > 0) {
    console.error(`setup:agents: still missing after install: ${still.map(([p, v]) => `${p}@${v}`).join(", ")}`);
    return 1;
  }
  console.log(`setup:agents: done in ${((Date.now() - started) / 1000).toFixed(0)} s; binaries in ${join(agentsDir, "node_modules", ".bin")}`);
  return 0;
}

if (import.meta.main) process.exit(main());
