// The environment an agent gets in a tmux window: seqorch's own (as a direct child would inherit it), not the
// tmux server's, which may have been started long before with other variables (API keys, PATH).

/** Names a POSIX shell can export. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Variables that describe seqorch's own terminal or shell, not the agent's: left to the pane. */
const PANE_OWNED = new Set(["TMUX", "TMUX_PANE", "PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES"]);

/**
 * Markers a coding agent sets for its own child processes. When seqorch itself is started from inside such an
 * agent, passing them on makes the agents it runs believe they are nested (Claude Code then refuses or loops:
 * peers.md, ralphex#156), so no agent inherits them.
 */
export const NESTING_MARKERS: readonly string[] = ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "CLAUDE_CODE_SSE_PORT"];

/** `base` without the nesting markers. */
export function withoutNestingMarkers(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const name of NESTING_MARKERS) delete env[name];
  return env;
}

/** seqorch's environment (exportable names only, pane-owned ones left out) with `extra` on top. */
export function agentEnvironment(extra: Record<string, string>, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && ENV_NAME.test(name) && !PANE_OWNED.has(name) && !NESTING_MARKERS.includes(name)) env[name] = value;
  }
  return { ...env, ...extra };
}
