// `seqorch run`: validate the flags, run the spec, print a summary, return the exit code.
import { defineCommand } from "citty";
import { log } from "../log.ts";
import { runSpec } from "../run-spec.ts";
import { seqorchCommandLine } from "./resume-command.ts";
import { createRunDisplay, printSummary } from "./run-reporter.ts";
import { parseRunOptions, repeatedFlag, runArgs } from "./run-options.ts";
import { stopSignal } from "./stop-signal.ts";
import { locateSpecWithHint } from "./suggest.ts";

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
    locateSpecWithHint(options.spec); // a spec given by its bare name or as .kiro/specs gets a hint before anything starts
    const display = createRunDisplay({ json: json === true, quiet: quiet === true || Boolean(process.env.SEQORCH_QUIET) });
    // Loaded only with --inspect: a plain run never pays for the inspector's modules.
    const inspector =
      options.inspect === undefined
        ? null
        : await (await import("../inspect/run-inspector.ts")).createRunInspector(options.inspect, (m) => log.warn(m));
    if (inspector && !display.json) log.info(inspector.describe); // --json keeps stdout to JSON events
    let result;
    try {
      result = await runSpec(options, display.report, stopSignal(), { inspect: inspector?.inspect });
    } finally {
      await inspector?.close().catch((error: Error) => log.warn(`inspector: ${error.message}`));
    }
    if (result.final === "failed") {
      display.close();
      throw result.error;
    }
    printSummary(result, seqorchCommandLine(["run", ...rawArgs]), display);
    return result.exitCode;
  },
});
