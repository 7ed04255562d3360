// Flags into backend options: argument splitting, --model, permissions from the flag and the reference's switches.
import { describe, expect, test } from "bun:test";
import { backendOptionsOf, describePermissions, parseModels, permissionFor, splitArgs } from "../../src/agents/native-options.ts";

const KNOWN = ["codex", "claude", "gemini", "opencode"];

describe("splitArgs", () => {
  test.each([
    ["-c x=1 --flag", ["-c", "x=1", "--flag"]],
    ["  spaced   out  ", ["spaced", "out"]],
    [`--name 'two words' "and \\"three\\" $HOME"`, ["--name", "two words", 'and "three" $HOME']],
    ["a\\ b ''", ["a b", ""]],
    ["", []],
  ])("%j", (text, args) => {
    expect(splitArgs(text, "--agent-args")).toEqual(args);
  });

  test("an unclosed quote is a usage error", () => {
    expect(() => splitArgs("--x 'open", "--codex-args")).toThrow("--codex-args: unclosed ' quote");
  });
});

describe("parseModels", () => {
  test("one model for all, per-backend overrides, or both", () => {
    expect(parseModels("m1", KNOWN)).toEqual({ all: "m1", byBackend: {} });
    expect(parseModels("codex=gpt-5.5, claude=opus", KNOWN)).toEqual({ byBackend: { codex: "gpt-5.5", claude: "opus" } });
    expect(parseModels("m1,opencode=p/m", KNOWN)).toEqual({ all: "m1", byBackend: { opencode: "p/m" } });
    expect(parseModels(undefined, KNOWN)).toEqual({ byBackend: {} });
  });

  test("bad entries are usage errors", () => {
    expect(() => parseModels("amp=x", KNOWN)).toThrow('--model: unknown backend "amp"');
    expect(() => parseModels("codex=", KNOWN)).toThrow('no model after "codex="');
    expect(() => parseModels("a,b", KNOWN)).toThrow("two models for every backend");
  });
});

describe("permissions", () => {
  test("default edits the workdir; the flag bypasses all; CODEX_BYPASS_SANDBOX only codex; CODEAGENT_SKIP_PERMISSIONS the others", () => {
    expect(KNOWN.map((b) => permissionFor(b, {}))).toEqual(["workdir", "workdir", "workdir", "workdir"]);
    expect(KNOWN.map((b) => permissionFor(b, { bypass: true }))).toEqual(["bypass", "bypass", "bypass", "bypass"]);
    expect(KNOWN.map((b) => permissionFor(b, { codexBypassSandbox: true }))).toEqual(["bypass", "workdir", "workdir", "workdir"]);
    expect(KNOWN.map((b) => permissionFor(b, { skipPermissions: true }))).toEqual(["workdir", "bypass", "bypass", "bypass"]);
  });

  test("the run log line says who bypasses, and IS_SANDBOX for claude as root", () => {
    const options = backendOptionsOf({ bypassPermissions: true }, true);
    expect(describePermissions(["claude", "codex"], options)).toBe("permissions: FULL BYPASS for claude, codex (as root: IS_SANDBOX=1 set for claude)");
    expect(describePermissions(["codex"], backendOptionsOf({}, false))).toBe("permissions: edit files and run commands in the workdir without prompting");
    expect(describePermissions(["command"], options)).toBe("");
  });
});
