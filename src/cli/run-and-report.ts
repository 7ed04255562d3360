// The part `seqorch run` and `seqorch orchestrate` share once their flags are parsed: show the run (display, optional
// inspector), run the spec, print the summary with the command that resumes it, and give back the exit code.
import { log } from "../log.ts";
import { runSpec } from "../run-spec.ts";
import type { RunOptions } from "./run-options.ts";
import { seqorchCommandLine } from "./resume-command.ts";
import { createRunDisplay, printSummary } from "./run-reporter.ts";
import { stopSignal } from "./stop-signal.ts";
import { locateSpecWithHint } from "./suggest.ts";

/**
 * Run `options.spec` with the display `output` asks for (--json, --quiet; SEQORCH_QUIET also quiets it) and print
 * the summary, naming `seqorch <resumeArgs...>` as the command that resumes. Returns the run's exit code.
 * Throws what runSpec throws before anything runs (SpecNotFoundError, UsageError, ...) and, for a run that ended
 * `failed`, the error it failed with, after closing the display.
 */
export async function runAndReport(options: RunOptions, output: { json: boolean; quiet: boolean }, resumeArgs: readonly string[]): Promise<number> {
  locateSpecWithHint(options.spec); // a spec given by its bare name or as .kiro/specs gets a hint before anything starts
  const display = createRunDisplay({ json: output.json, quiet: output.quiet || Boolean(process.env.SEQORCH_QUIET) });
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
  printSummary(result, seqorchCommandLine(resumeArgs), display);
  return result.exitCode;
}
