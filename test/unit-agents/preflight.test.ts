// A missing agent CLI is an error before the run starts; `seqorch doctor` reports what is installed and answers.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { preflight } from "../../src/agents/preflight.ts";
import { AgentMissingError } from "../../src/errors.ts";
import { makeSpec, seqorch, tempDir, cleanUp } from "../e2e/harness.ts";

afterAll(cleanUp);

/** A folder with fake CLIs: each prints `version` for --version (or fails when version is null). */
function fakeBin(clis: Record<string, string | null>): string {
  const dir = join(tempDir(), "bin");
  mkdirSync(dir);
  for (const [name, version] of Object.entries(clis)) {
    const body = version === null ? 'echo "broken install" >&2; exit 3' : `echo '${version}'`;
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return dir;
}

describe("preflight", () => {
  test("a required backend without its CLI throws AgentMissingError with the install hint", () => {
    const bin = fakeBin({ codex: "codex-cli 1" });
    expect(() => preflight(["codex"], [], bin)).not.toThrow();
    expect(() => preflight(["command"], [], "")).not.toThrow();
    let error: unknown;
    try {
      preflight(["codex", "opencode"], [], bin);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgentMissingError);
    expect((error as AgentMissingError).message).toBe("backend opencode: opencode not found on PATH (install: npm install -g opencode-ai)");
  });

  test("optional backends (assignment targets) are reported, not thrown", () => {
    expect(preflight([], ["gemini", "codex", "command"], fakeBin({ codex: "1" }))).toEqual({ missing: ["gemini"] });
  });

  test("seqorch run exits 66 before anything runs when the backend's CLI is missing", async () => {
    const { spec } = makeSpec("- [ ] 1. Task\n");
    const r = await seqorch(["run", "--spec", spec, "--backend", "gemini", "--no-tmux"], { env: { PATH: fakeBin({}) } });
    expect(r.code).toBe(66);
    expect(r.stderr.trim()).toBe("seqorch: backend gemini: gemini not found on PATH (install: npm install -g @google/gemini-cli)");
    expect(existsSync(join(spec, "SEQUENTIAL_STATE.json"))).toBe(false);
    expect(existsSync(join(spec, "SEQUENTIAL_PROGRESS.md"))).toBe(false);
  });

  test("--assign-backend's CLI is required too", async () => {
    const { spec } = makeSpec("- [ ] 1. Task\n");
    const r = await seqorch(["run", "--spec", spec, "--agent-command", "true", "--assign-backend", "claude", "--no-tmux"], { env: { PATH: fakeBin({}) } });
    expect(r.code).toBe(66);
    expect(r.stderr).toContain("backend claude: claude not found on PATH");
  });
});

describe("seqorch doctor", () => {
  test("lists each CLI: ok with its version, missing with the install command; exit 0 when what is installed answers", async () => {
    const bin = fakeBin({ codex: "codex-cli 0.169.0", claude: "2.1.330 (Claude Code)" });
    const r = await seqorch(["doctor"], { env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^codex\s+ok\s+codex-cli 0\.169\.0 /m);
    expect(r.stdout).toMatch(/^claude\s+ok\s+2\.1\.330 \(Claude Code\)/m);
    expect(r.stdout).toMatch(/^gemini\s+missing\s+install: npm install -g @google\/gemini-cli$/m);
  });

  test("a named backend must work: a CLI that fails --version is FAILED, exit 69 (its own code); --json for scripts", async () => {
    const bin = fakeBin({ opencode: null });
    const r = await seqorch(["doctor", "--backend", "opencode"], { env: { PATH: bin } });
    expect(r.code).toBe(69);
    expect(r.stdout).toMatch(/^opencode\s+FAILED\s+--version exited 3: broken install/m);
    const json = await seqorch(["doctor", "--backend", "opencode,gemini", "--json"], { env: { PATH: bin } });
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.checks.map((c: { backend: string; ok: boolean }) => [c.backend, c.ok])).toEqual([["opencode", false], ["gemini", false]]);
  });

  test("nothing installed is exit 69 and says --backend command needs nothing; tmux is checked; an unknown backend is a usage error", async () => {
    const none = await seqorch(["doctor"], { env: { PATH: fakeBin({}) } });
    expect(none.code).toBe(69);
    expect(none.stdout).toMatch(/^command\s+ok\s+needs nothing/m);
    expect(none.stdout).toMatch(/^tmux\s+missing\s+agents run as direct child processes/m);
    expect(none.stdout).toContain("--backend command needs none");
    const command = await seqorch(["doctor", "--backend", "command"], { env: { PATH: `${fakeBin({})}:/usr/bin:/bin` } });
    expect(command.code).toBe(0);
    expect(command.stdout).toMatch(/^tmux\s+ok\s+tmux \d/m);
    const bad = await seqorch(["doctor", "--backend", "bogus"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('"bogus" is not a backend');
  });
});
