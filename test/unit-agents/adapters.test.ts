// The native adapters' launches: argv, environment and prompt delivery for each option, table-driven.
import { describe, expect, test } from "bun:test";
import { claudeLaunch } from "../../src/agents/claude.ts";
import { wrapperLaunch } from "../../src/agents/codeagent-wrapper.ts";
import { codexArgv } from "../../src/agents/codex.ts";
import { geminiArgv } from "../../src/agents/gemini.ts";
import type { NativeOptions } from "../../src/agents/native-options.ts";
import { opencodeArgv } from "../../src/agents/opencode.ts";
import { adapterFor, BACKEND_NAMES, validateBackend } from "../../src/agents/registry.ts";
import type { LaunchRequest } from "../../src/agents/types.ts";

const request: LaunchRequest = { taskId: "2.1", specDir: "/r/.kiro/specs/f", workdir: "/r", attempt: 2, promptFile: "/r/p.md", previousSessionId: "sess-1" };
const base: NativeOptions = { extraArgs: [], permission: "workdir", resume: false, isRoot: false };
const opts = (o: Partial<NativeOptions>): NativeOptions => ({ ...base, ...o });

describe("codex", () => {
  test.each([
    ["default: workspace-write sandbox, no approvals, prompt from stdin", base, ["codex", "exec", "--json", "--skip-git-repo-check", "-c", 'sandbox_mode="workspace-write"', "-c", 'approval_policy="never"', "-"]],
    ["bypass", opts({ permission: "bypass" }), ["codex", "exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "-"]],
    ["model and extra args before the prompt", opts({ model: "gpt-5.5", extraArgs: ["-c", "x=1"] }), ["codex", "exec", "--json", "--skip-git-repo-check", "-c", 'sandbox_mode="workspace-write"', "-c", 'approval_policy="never"', "-m", "gpt-5.5", "-c", "x=1", "-"]],
    ["resume: exec resume … <thread> -", opts({ resume: true, permission: "bypass" }), ["codex", "exec", "resume", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "sess-1", "-"]],
  ] as const)("%s", (_, options, argv) => {
    expect(codexArgv(request, options)).toEqual([...argv]);
  });

  test("resume on but no earlier session: a fresh exec", () => {
    expect(codexArgv({ ...request, previousSessionId: null }, opts({ resume: true }))[1]).toBe("exec");
    expect(codexArgv({ ...request, previousSessionId: null }, opts({ resume: true }))[2]).toBe("--json");
  });
});

describe("claude", () => {
  test.each([
    ["default: acceptEdits plus Bash (commands run without prompting)", base, ["claude", "-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits", "--allowedTools=Bash"], {}],
    ["bypass as a normal user", opts({ permission: "bypass" }), ["claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"], {}],
    ["bypass as root sets IS_SANDBOX=1", opts({ permission: "bypass", isRoot: true }), ["claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"], { IS_SANDBOX: "1" }],
    ["root without bypass: no IS_SANDBOX", opts({ isRoot: true }), ["claude", "-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits", "--allowedTools=Bash"], {}],
    ["model, resume, extra", opts({ model: "opus", resume: true, extraArgs: ["--max-turns", "5"] }), ["claude", "-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits", "--allowedTools=Bash", "--model", "opus", "--resume", "sess-1", "--max-turns", "5"], {}],
  ] as const)("%s", (_, options, argv, env) => {
    const launch = claudeLaunch(request, options);
    expect(launch.argv).toEqual([...argv]);
    expect(launch.env).toEqual({ ...env });
    expect(launch.stdin).toBe("prompt");
  });
});

describe("gemini", () => {
  test.each([
    ["default: auto_edit plus the shell tool, trusted workdir, prompt from stdin (no -p)", base, ["gemini", "--output-format", "stream-json", "--skip-trust", "--approval-mode", "auto_edit", "--allowed-tools=run_shell_command"]],
    ["bypass: yolo", opts({ permission: "bypass" }), ["gemini", "--output-format", "stream-json", "--skip-trust", "--approval-mode", "yolo"]],
    ["model and resume", opts({ model: "gemini-2.5-flash", resume: true }), ["gemini", "--output-format", "stream-json", "--skip-trust", "--approval-mode", "auto_edit", "--allowed-tools=run_shell_command", "-m", "gemini-2.5-flash", "--resume", "sess-1"]],
  ] as const)("%s", (_, options, argv) => {
    expect(geminiArgv(request, options)).toEqual([...argv]);
  });
});

describe("opencode", () => {
  test.each([
    ["default: opencode's own permissions, fixed title, prompt from stdin", base, ["opencode", "run", "--format", "json", "--title", "seqorch task 2.1"]],
    ["bypass: --auto", opts({ permission: "bypass" }), ["opencode", "run", "--format", "json", "--title", "seqorch task 2.1", "--auto"]],
    ["model, agent, session", opts({ model: "p/m", opencodeAgent: "gawain", resume: true }), ["opencode", "run", "--format", "json", "--title", "seqorch task 2.1", "--model", "p/m", "--agent", "gawain", "--session", "sess-1"]],
  ] as const)("%s", (_, options, argv) => {
    expect(opencodeArgv(request, options)).toEqual([...argv]);
  });
});

describe("codeagent-wrapper", () => {
  test("prompt on stdin (-) with the workdir; resume; bypass sets the reference's switches", () => {
    expect(wrapperLaunch(request, opts({ extraArgs: ["--backend", "claude"] }))).toEqual({ argv: ["codeagent-wrapper", "--backend", "claude", "-", "/r"], env: {}, stdin: "prompt" });
    expect(wrapperLaunch(request, opts({ resume: true, permission: "bypass" }))).toEqual({
      argv: ["codeagent-wrapper", "resume", "sess-1", "-", "/r"],
      env: { CODEX_BYPASS_SANDBOX: "true", CODEAGENT_SKIP_PERMISSIONS: "true" },
      stdin: "prompt",
    });
  });
});

describe("registry", () => {
  test("every backend builds a launch whose prompt never appears in argv", () => {
    for (const name of BACKEND_NAMES) {
      const launch = adapterFor(name, { agentCommand: "my-agent" }).buildLaunch(request);
      expect(launch.stdin).toBe("prompt");
      expect(launch.argv.join(" ")).not.toContain("p.md");
    }
  });

  test("options reach the adapters: --model per backend, extra args, env switches, opencode agent", () => {
    const options = {
      model: "all-model,codex=gpt-5.5",
      agentArgs: "--common 'two words'",
      backendArgs: { claude: "--max-turns 3" },
      codexBypassSandbox: true,
      opencodeAgent: "gawain",
      opencodeModel: "mock/m",
    };
    expect(adapterFor("codex", options).buildLaunch(request).argv).toEqual(["codex", "exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "-m", "gpt-5.5", "--common", "two words", "-"]);
    expect(adapterFor("claude", options).buildLaunch(request).argv.slice(5)).toEqual(["--permission-mode", "acceptEdits", "--allowedTools=Bash", "--model", "all-model", "--common", "two words", "--max-turns", "3"]);
    expect(adapterFor("opencode", options).buildLaunch(request).argv.slice(6)).toEqual(["--model", "mock/m", "--agent", "gawain", "--common", "two words"]);
    expect(adapterFor("gemini", { skipPermissions: true }).buildLaunch(request).argv).toContain("yolo");
  });

  test("validateBackend rejects exactly what building a launch rejects, with the same message, and names the flags it is given", () => {
    const launchError = (name: string, options: Parameters<typeof adapterFor>[1]): string | null => {
      try {
        adapterFor(name, options).buildLaunch(request);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    const checkError = (name: string, options: Parameters<typeof adapterFor>[1]): string | null => {
      try {
        validateBackend(name, options);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    const cases: [string, Parameters<typeof adapterFor>[1]][] = [
      ["command", {}],
      ["command", { agentCommand: "   " }],
      ["command", { agentCommand: "my-agent" }],
      ...BACKEND_NAMES.filter((n) => n !== "command").flatMap((n): [string, Parameters<typeof adapterFor>[1]][] => [
        [n, {}],
        [n, { model: `${n}=` }],
        [n, { agentArgs: "--unclosed 'quote" }],
        [n, { model: "all,nosuch=m" }],
      ]),
    ];
    for (const [name, options] of cases) expect(checkError(name, options)).toBe(launchError(name, options));
    expect(checkError("command", {})).toBe("--agent-command: required with --backend command (or choose a native backend: --backend claude, codex, gemini or opencode)");
    expect(checkError("codex", { model: "codex=" })).toContain("--model");
    expect(() => validateBackend("command", {}, { backend: "--review-backend", command: "--review-agent-command" })).toThrow("--review-agent-command: required with --review-backend command");
    expect(() => validateBackend("amp", {}, { backend: "--assign-map", command: "--agent-command" })).toThrow('--assign-map: unknown backend "amp"');
  });

  test("an unknown backend is a usage error naming the flag", () => {
    expect(() => adapterFor("amp", {}, "--assign-backend")).toThrow('--assign-backend: unknown backend "amp"');
  });
});
