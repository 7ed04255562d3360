// End to end: run settings from .kiro/seqorch.json, package.json, SEQORCH_* variables and flags, in that order.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeSpec, seqorch, cleanUp } from "./harness.ts";

afterAll(cleanUp);

describe("configuration", () => {
  test("flags beat the environment, which beats the project files; seqorch config names each source", async () => {
    const { root, spec } = makeSpec("- [ ] 1. One\n");
    mkdirSync(join(root, ".kiro"), { recursive: true });
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ delay: 9, maxAttempts: 7, "max-iterations": 11, tmux: false }));
    writeFileSync(join(root, "package.json"), JSON.stringify({ name: "x", seqorch: { delay: 1, "idle-timeout": 60, backend: "command" } }));
    const r = await seqorch(["config", "--spec", spec, "--json", "--max-iterations", "4"], { cwd: root, env: { SEQORCH_MAX_ATTEMPTS: "5", CODEX_TIMEOUT: "600000" } });
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c["max-iterations"]).toEqual({ value: 4, source: "flag --max-iterations" });
    expect(c["max-attempts"]).toEqual({ value: 5, source: "env SEQORCH_MAX_ATTEMPTS" });
    expect(c.delay).toEqual({ value: 9, source: join(root, ".kiro", "seqorch.json") });
    expect(c["idle-timeout"]).toEqual({ value: 60, source: `${join(root, "package.json")}#seqorch` });
    expect(c.tmux).toEqual({ value: false, source: join(root, ".kiro", "seqorch.json") });
    expect(c["task-timeout"]).toEqual({ value: 600, source: "env CODEX_TIMEOUT" });
    expect(c["max-wait"]).toEqual({ value: 21600, source: "default" });
    const text = await seqorch(["config", "--spec", spec], { cwd: root });
    expect(text.stdout).toMatch(/--delay\s+9\s+.*seqorch\.json/);
  });

  test("a bad value or an unknown key in a project file is one line naming the file and key", async () => {
    const { root, spec } = makeSpec("- [ ] 1. One\n");
    mkdirSync(join(root, ".kiro"), { recursive: true });
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ delai: 3 }));
    const r = await seqorch(["run", "--spec", spec, "--agent-command", "true"], { cwd: root });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('seqorch.json: "delai": unknown setting');
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ delay: -4 }));
    const bad = await seqorch(["run", "--spec", spec, "--agent-command", "true"], { cwd: root });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--delay: must be 0 or more seconds \(got "-4" from .*seqorch\.json\)/);
  });

  test("a project file cannot switch on --dangerously-bypass-permissions", async () => {
    const { root, spec } = makeSpec("- [ ] 1. One\n");
    mkdirSync(join(root, ".kiro"), { recursive: true });
    writeFileSync(join(root, ".kiro", "seqorch.json"), JSON.stringify({ dangerouslyBypassPermissions: true }));
    const r = await seqorch(["run", "--spec", spec, "--agent-command", "true"], { cwd: root });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("can only be given as a flag");
  });

  test("CODEAGENT_NO_TMUX=1 runs without tmux", async () => {
    const { spec } = makeSpec("- [ ] 1. One\n");
    const r = await seqorch(["run", "--spec", spec, "--agent-command", "cat >/dev/null; echo '<promise>TASK_DONE</promise>'"], { env: { CODEAGENT_NO_TMUX: "1" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/attempt 1 of 3 on command, pid \d+/);
  });
});
