// `seqorch config`: the effective run configuration and where each value came from.
import { defineCommand } from "citty";
import { OPTION_KEY, resolveRunOptions, runArgs } from "./run-options.ts";

export const configCommand = defineCommand({
  meta: { name: "config", description: "Print the effective run configuration (flags > SEQORCH_* environment > .kiro/seqorch.json / package.json) and each value's source" },
  args: { ...runArgs, json: { type: "boolean", description: "Print one JSON object" } },
  run({ args }) {
    const { json, ...rest } = args as Record<string, unknown>;
    const { options, sources } = resolveRunOptions(rest);
    const rows = (Object.entries(OPTION_KEY) as [string, keyof typeof options][]).map(([name, key]) => ({
      name,
      value: options[key] ?? null,
      source: sources[name]?.source ?? "default",
    }));
    if (json) {
      console.log(JSON.stringify(Object.fromEntries(rows.map((r) => [r.name, { value: r.value, source: r.source }]))));
      return 0;
    }
    const width = Math.max(...rows.map((r) => r.name.length)) + 2;
    for (const r of rows) console.log(`${`--${r.name}`.padEnd(width + 2)} ${String(r.value ?? "(unset)").padEnd(24)} ${r.source}`);
    return 0;
  },
});
