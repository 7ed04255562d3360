// The backends seqorch knows, by name. Adding a backend means adding it here (the Records are exhaustive).
import { UsageError } from "../errors.ts";
import { CLAUDE_CLI, claudeAdapter } from "./claude.ts";
import { WRAPPER_CLI, wrapperAdapter } from "./codeagent-wrapper.ts";
import { CODEX_CLI, codexAdapter } from "./codex.ts";
import { commandAdapter, validateAgentCommand, type CommandFlags } from "./command.ts";
import { GEMINI_CLI, geminiAdapter } from "./gemini.ts";
import { nativeOptionsFor, type BackendOptions } from "./native-options.ts";
import { OPENCODE_CLI, opencodeAdapter } from "./opencode.ts";
import type { AgentAdapter } from "./types.ts";

export type { BackendOptions } from "./native-options.ts";

/** Backend names accepted by --backend and --assign-backend. */
export const BACKEND_NAMES = ["command", "codex", "claude", "gemini", "opencode", "codeagent-wrapper"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The agent CLI a backend runs (null: the user's own command) and how to install it. */
export const BACKEND_CLI: Record<BackendName, { binary: string; install: string } | null> = {
  command: null,
  codex: CODEX_CLI,
  claude: CLAUDE_CLI,
  gemini: GEMINI_CLI,
  opencode: OPENCODE_CLI,
  "codeagent-wrapper": WRAPPER_CLI,
};

const FACTORIES: Record<BackendName, (options: BackendOptions) => AgentAdapter> = {
  command: (options) => commandAdapter(options.agentCommand),
  codex: (options) => codexAdapter(nativeOptionsFor("codex", options, BACKEND_NAMES)),
  claude: (options) => claudeAdapter(nativeOptionsFor("claude", options, BACKEND_NAMES)),
  gemini: (options) => geminiAdapter(nativeOptionsFor("gemini", options, BACKEND_NAMES)),
  opencode: (options) => opencodeAdapter(nativeOptionsFor("opencode", options, BACKEND_NAMES)),
  "codeagent-wrapper": (options) => wrapperAdapter(nativeOptionsFor("codeagent-wrapper", options, BACKEND_NAMES)),
};

/** A native backend's check: its options resolved as its adapter resolves them (--model, extra arguments). */
const nativeCheck = (name: Exclude<BackendName, "command">) => (options: BackendOptions) => void nativeOptionsFor(name, options, BACKEND_NAMES);

/** Each backend's check of its options, the same functions its adapter builds with (FACTORIES). */
const CHECKS: Record<BackendName, (options: BackendOptions, flags: CommandFlags) => void> = {
  command: (options, flags) => void validateAgentCommand(options.agentCommand, flags),
  codex: nativeCheck("codex"),
  claude: nativeCheck("claude"),
  gemini: nativeCheck("gemini"),
  opencode: nativeCheck("opencode"),
  "codeagent-wrapper": nativeCheck("codeagent-wrapper"),
};

/** True when `name` is a backend of this build. */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/** The adapter for `name`. Throws UsageError (naming `flag`) for an unknown backend or a malformed option. */
export function adapterFor(name: string, options: BackendOptions, flag = "--backend"): AgentAdapter {
  if (isBackendName(name)) return FACTORIES[name](options);
  throw new UsageError(flag, `unknown backend "${name}" (known: ${BACKEND_NAMES.join(", ")})`);
}

/**
 * Check before a run that backend `name` can launch with `options` (a command for `command`; a well-formed --model
 * and extra arguments for a native CLI), so a bad option is an error at the start, not at the first unit that
 * uses it. `flags`: the flag that named the backend and the flag of its command. Throws UsageError naming one.
 */
export function validateBackend(name: string, options: BackendOptions, flags: CommandFlags = { backend: "--backend", command: "--agent-command" }): void {
  if (!isBackendName(name)) throw new UsageError(flags.backend, `unknown backend "${name}" (known: ${BACKEND_NAMES.join(", ")})`);
  CHECKS[name](options, flags);
}
