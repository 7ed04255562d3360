// Before a run starts: is the agent CLI each backend needs installed? A missing one is an error up front,
// not a failed attempt per unit.
import { AgentMissingError } from "../errors.ts";
import { BACKEND_CLI, isBackendName } from "./registry.ts";

/** The path of the CLI `backend` runs, found on `path`; null when it is not installed (or needs none). */
export function findAgentBinary(backend: string, path: string | undefined = process.env.PATH): string | null {
  const cli = isBackendName(backend) ? BACKEND_CLI[backend] : null;
  if (!cli) return null;
  return Bun.which(cli.binary, { PATH: path ?? "" });
}

/** True when `backend` runs a CLI of its own (every backend but `command`). */
export function needsBinary(backend: string): boolean {
  return isBackendName(backend) && BACKEND_CLI[backend] !== null;
}

/**
 * Check the backends a run needs. Each of `required` must have its CLI on PATH (AgentMissingError otherwise,
 * naming the binary and how to install it); for `optional` ones (assignment targets) the missing ones are
 * returned, so the run can warn and route their units to --backend instead.
 */
export function preflight(required: readonly string[], optional: readonly string[] = [], path: string | undefined = process.env.PATH): { missing: string[] } {
  for (const backend of new Set(required)) {
    if (!needsBinary(backend) || findAgentBinary(backend, path) !== null) continue;
    const cli = BACKEND_CLI[backend as keyof typeof BACKEND_CLI]!;
    throw new AgentMissingError(backend, cli.binary, cli.install);
  }
  const missing = [...new Set(optional)].filter((b) => needsBinary(b) && findAgentBinary(b, path) === null);
  return { missing };
}
