// `seqorch run`: validate the flags, run the spec, print a summary, return the exit code.
import { defineCommand } from "citty";
import { runAndReport } from "./run-and-report.ts";
import { parseRunOptions, repeatedFlag, runArgs } from "./run-options.ts";

export const runCommand = defineCommand({
  meta: { name: "run", description: "Run a spec's tasks one dispatch unit at a time" },
  args: {
    ...runArgs,
    json: { type: "boolean", description: "Print one JSON event per line (unit started, attempt finished, rate limited, run ended) instead of the display" },
    quiet: { type: "boolean", description: "Print only warnings, errors and the summary" },
  },
  async run({ args, rawArgs }) {
    const { json, quiet, ...flags } = args as Record<string, unknown>;
    const verify = repeatedFlag(rawArgs, "verify");
    const options = parseRunOptions(verify ? { ...flags, verify } : flags);
    return runAndReport(options, { json: json === true, quiet: quiet === true }, ["run", ...rawArgs]);
  },
});
