// The backends seqorch knows, by name. Adding a backend means adding it here (the Record is exhaustive).
import { UsageError } from "../errors.ts";
import { commandAdapter } from "./command.ts";
import type { AgentAdapter } from "./types.ts";

/** Backend names accepted by --backend. */
export const BACKEND_NAMES = ["command"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Options a backend may read (from flags). */
export interface BackendOptions {
  agentCommand?: string;
}

const FACTORIES: Record<BackendName, (options: BackendOptions) => AgentAdapter> = {
  command: (options) => commandAdapter(options.agentCommand),
};

/** Backends planned but not in this build, with what to use instead. */
const PLANNED: Record<string, string> = {
  codex: "native Codex support is not in this build yet",
  claude: "native Claude Code support is not in this build yet",
  gemini: "native Gemini CLI support is not in this build yet",
  opencode: "native opencode support is not in this build yet",
};

/** True when `name` is a backend of this build. */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/** The adapter for `name`. Throws UsageError (naming `flag`) for an unknown backend. */
export function adapterFor(name: string, options: BackendOptions, flag = "--backend"): AgentAdapter {
  if (isBackendName(name)) return FACTORIES[name](options);
  const planned = PLANNED[name];
  const hint = `use --backend command --agent-command "<your agent CLI>"`;
  throw new UsageError(flag, planned ? `${name}: ${planned}; ${hint}` : `unknown backend "${name}" (known: ${BACKEND_NAMES.join(", ")})`);
}
