// `seqorch config`: the effective run configuration and where each value came from; a setting left to its
// default shows the default (derived from the spec where it depends on it), not "unset".
import { defineCommand } from "citty";
import { DEFAULT_ASSIGN_MAP } from "../actors/assignment.ts";
import { SpecNotFoundError } from "../errors.ts";
import { resolveRunPaths } from "../run-spec.ts";
import { safeSessionName } from "../runner/tmux.ts";
import { OPTION_KEY, resolveRunOptions, runArgs, type RunOptions } from "./run-options.ts";

/** Defaults that are not a fixed value of the schema: derived from the spec when it can be found, else described. */
function derivedDefaults(options: RunOptions): Partial<Record<keyof typeof runArgs, string>> {
  let paths: ReturnType<typeof resolveRunPaths> | null = null;
  try {
    paths = options.spec ? resolveRunPaths(options) : null;
  } catch (error) {
    if (!(error instanceof SpecNotFoundError)) throw error;
  }
  return {
    "assign-map": Object.entries(DEFAULT_ASSIGN_MAP).map(([agent, backend]) => `${agent}=${backend}`).join(","),
    model: "each CLI's own",
    "tmux-session": paths ? safeSessionName(`sequential-${paths.specName}`) : "sequential-<spec name>",
    "tmux-socket": "your default tmux server",
    workdir: paths?.workdir ?? "the folder holding .kiro above the spec",
    "state-file": paths?.stateFile ?? "<spec>/SEQUENTIAL_STATE.json",
    "progress-file": paths?.progressFile ?? "<spec>/SEQUENTIAL_PROGRESS.md",
  };
}

export const configCommand = defineCommand({
  meta: { name: "config", description: "Print the effective run configuration (flags > SEQORCH_* environment > .kiro/seqorch.json / package.json) and each value's source" },
  args: { ...runArgs, json: { type: "boolean", description: "Print one JSON object" } },
  run({ args }) {
    const { json, ...rest } = args as Record<string, unknown>;
    const { options, sources } = resolveRunOptions(rest);
    const defaults = derivedDefaults(options);
    const rows = (Object.entries(OPTION_KEY) as [keyof typeof runArgs, keyof RunOptions][]).map(([name, key]) => ({
      name,
      value: options[key] ?? defaults[name] ?? null,
      source: sources[name]?.source ?? "default",
    }));
    if (json) {
      console.log(JSON.stringify(Object.fromEntries(rows.map((r) => [r.name, { value: r.value, source: r.source }]))));
      return 0;
    }
    const width = Math.max(...rows.map((r) => r.name.length)) + 2;
    for (const r of rows) console.log(`${`--${r.name}`.padEnd(width + 2)} ${String(r.value ?? "(none)").padEnd(24)} ${r.source}`);
    return 0;
  },
});
