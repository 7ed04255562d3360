// `seqorch run`: validate the flags, run the spec, print a summary, return the exit code.
import { defineCommand } from "citty";
import { runSpec } from "../run-spec.ts";
import { createLineReporter, printSummary } from "./run-reporter.ts";
import { parseRunOptions, runArgs } from "./run-options.ts";
import { stopSignal } from "./stop-signal.ts";

export const runCommand = defineCommand({
  meta: { name: "run", description: "Run a spec's tasks one dispatch unit at a time" },
  args: runArgs,
  async run({ args, rawArgs }) {
    const options = parseRunOptions(args as Record<string, unknown>);
    const result = await runSpec(options, createLineReporter(), stopSignal());
    if (result.final === "failed") throw result.error;
    printSummary(result, `seqorch ${["run", ...rawArgs].join(" ")}`);
    return result.exitCode;
  },
});
