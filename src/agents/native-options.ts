// Options of the native agent backends (model, extra arguments, permissions, resume) and how flags become them.
import { UsageError } from "../errors.ts";

/**
 * How much an agent may do without asking. "workdir": edit files and run commands in the workdir without
 * prompting, with the narrowest setting each CLI offers for that (codex: its workspace-write sandbox; claude:
 * acceptEdits plus Bash; gemini: auto_edit plus its shell tool; opencode: its defaults); "bypass": no approvals
 * and no sandbox at all (the CLI's dangerous flag). README "Backends" gives the risk of each.
 */
export type Permission = "workdir" | "bypass";

/** What one native adapter is built with (already resolved for its backend). */
export interface NativeOptions {
  /** Model name passed with the CLI's model flag; undefined: the CLI's own default. */
  model?: string;
  /** Extra arguments, placed after seqorch's own options and before the prompt. */
  extraArgs: readonly string[];
  permission: Permission;
  /** Continue the previous attempt's agent session when one is recorded (--resume-session). */
  resume: boolean;
  /** seqorch runs as root (Claude Code then needs IS_SANDBOX=1 for its bypass flag). */
  isRoot: boolean;
  /** opencode only: the agent (`--agent`), from CODEAGENT_OPENCODE_AGENT. */
  opencodeAgent?: string;
}

/** The run-level options every backend is built from (flags and the reference's environment variables). */
export interface BackendOptions {
  /** --agent-command (the `command` backend). */
  agentCommand?: string;
  /** --model as given: `NAME` for every backend, or `codex=NAME,claude=NAME,…`, or both (`NAME,codex=NAME`). */
  model?: string;
  /** --agent-args: extra arguments for every native backend. */
  agentArgs?: string;
  /** --codex-args, --claude-args, --gemini-args, --opencode-args, --codeagent-wrapper-args by backend name. */
  backendArgs?: Partial<Record<string, string>>;
  /** --dangerously-bypass-permissions: full bypass for every backend. */
  bypass?: boolean;
  /** CODEX_BYPASS_SANDBOX is truthy: full bypass for codex (the reference's switch). */
  codexBypassSandbox?: boolean;
  /** CODEAGENT_SKIP_PERMISSIONS is truthy: full bypass for claude, gemini and opencode (the reference's switch). */
  skipPermissions?: boolean;
  /** CODEAGENT_OPENCODE_AGENT. */
  opencodeAgent?: string;
  /** CODEAGENT_OPENCODE_MODEL: opencode's model unless --model names one for it. */
  opencodeModel?: string;
  /** --resume-session. */
  resumeSession?: boolean;
  isRoot?: boolean;
}

/** The run options the backends are built from (a subset of RunOptions, by shape). */
export interface BackendFlags {
  agentCommand?: string;
  model?: string;
  agentArgs?: string;
  codexArgs?: string;
  claudeArgs?: string;
  geminiArgs?: string;
  opencodeArgs?: string;
  bypassPermissions?: boolean;
  codexBypassSandbox?: boolean;
  skipPermissions?: boolean;
  opencodeAgent?: string;
  opencodeModel?: string;
  resumeSession?: boolean;
}

/** BackendOptions from a run's options; `isRoot`: seqorch runs as uid 0. */
export function backendOptionsOf(flags: BackendFlags, isRoot: boolean): BackendOptions {
  const backendArgs: Partial<Record<string, string>> = {};
  if (flags.codexArgs) backendArgs.codex = flags.codexArgs;
  if (flags.claudeArgs) backendArgs.claude = flags.claudeArgs;
  if (flags.geminiArgs) backendArgs.gemini = flags.geminiArgs;
  if (flags.opencodeArgs) backendArgs.opencode = flags.opencodeArgs;
  return {
    ...(flags.agentCommand !== undefined ? { agentCommand: flags.agentCommand } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.agentArgs !== undefined ? { agentArgs: flags.agentArgs } : {}),
    backendArgs,
    bypass: flags.bypassPermissions === true,
    codexBypassSandbox: flags.codexBypassSandbox === true,
    skipPermissions: flags.skipPermissions === true,
    ...(flags.opencodeAgent ? { opencodeAgent: flags.opencodeAgent } : {}),
    ...(flags.opencodeModel ? { opencodeModel: flags.opencodeModel } : {}),
    resumeSession: flags.resumeSession === true,
    isRoot,
  };
}

/** One line on the permissions of `backends` for the run log (who runs with full bypass, and IS_SANDBOX). */
export function describePermissions(backends: readonly string[], options: BackendOptions): string {
  const native = [...new Set(backends)].filter((b) => b !== "command");
  if (native.length === 0) return "";
  const bypass = native.filter((b) => permissionFor(b, options) === "bypass");
  if (bypass.length === 0) return "permissions: edit files and run commands in the workdir without prompting";
  const sandbox = bypass.includes("claude") && options.isRoot ? " (as root: IS_SANDBOX=1 set for claude)" : "";
  return `permissions: FULL BYPASS for ${bypass.join(", ")}${sandbox}`;
}

/**
 * Split `text` into arguments like a POSIX shell would split words: spaces separate, single and double quotes
 * group, a backslash escapes the next character. No expansion of any kind. Throws UsageError (naming `flag`)
 * for an unclosed quote.
 */
export function splitArgs(text: string, flag: string): string[] {
  const out: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(flag, `unclosed ${quote} quote`);
  if (inWord) out.push(word);
  return out;
}

/** --model parsed: the model for every backend, and per-backend overrides. Throws UsageError for a bad entry. */
export function parseModels(text: string | undefined, known: readonly string[]): { all?: string; byBackend: Record<string, string> } {
  const byBackend: Record<string, string> = {};
  let all: string | undefined;
  if (text === undefined) return { byBackend };
  for (const entry of text.split(",").map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf("=");
    if (eq < 0) {
      if (all !== undefined) throw new UsageError("--model", `two models for every backend ("${all}" and "${entry}")`);
      all = entry;
      continue;
    }
    const backend = entry.slice(0, eq).trim();
    const model = entry.slice(eq + 1).trim();
    if (!known.includes(backend)) throw new UsageError("--model", `unknown backend "${backend}" in "${entry}" (known: ${known.join(", ")})`);
    if (!model) throw new UsageError("--model", `no model after "${backend}="`);
    byBackend[backend] = model;
  }
  return all === undefined ? { byBackend } : { all, byBackend };
}

/** Backends the reference's CODEAGENT_SKIP_PERMISSIONS applies to (codex has CODEX_BYPASS_SANDBOX). */
const SKIP_PERMISSION_BACKENDS = new Set(["claude", "gemini", "opencode", "codeagent-wrapper"]);

/** The permission level of `backend` under `options`. */
export function permissionFor(backend: string, options: BackendOptions): Permission {
  if (options.bypass) return "bypass";
  if (backend === "codex" && options.codexBypassSandbox) return "bypass";
  if (SKIP_PERMISSION_BACKENDS.has(backend) && options.skipPermissions) return "bypass";
  return "workdir";
}

/** The resolved options of one native backend. Throws UsageError for a malformed --model or extra-args flag. */
export function nativeOptionsFor(backend: string, options: BackendOptions, known: readonly string[]): NativeOptions {
  const models = parseModels(options.model, known);
  const model = models.byBackend[backend] ?? (backend === "opencode" ? options.opencodeModel : undefined) ?? models.all;
  const own = options.backendArgs?.[backend];
  const extraArgs = [
    ...(options.agentArgs ? splitArgs(options.agentArgs, "--agent-args") : []),
    ...(own ? splitArgs(own, `--${backend}-args`) : []),
  ];
  return {
    ...(model ? { model } : {}),
    extraArgs,
    permission: permissionFor(backend, options),
    resume: options.resumeSession === true,
    isRoot: options.isRoot === true,
    ...(backend === "opencode" && options.opencodeAgent ? { opencodeAgent: options.opencodeAgent } : {}),
  };
}
