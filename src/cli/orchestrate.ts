// `seqorch orchestrate`: the seed's multi-agent loop. `run` with --commit, --review and PULSE on, where a decision
// blocks only its unit and the units that depend on it. Exit 0 all done, 1 iteration limit, 2 waiting for decisions.
import { defineCommand } from "citty";
import { log } from "../log.ts";
import { runSpec } from "../run-spec.ts";
import { createRunDisplay, printSummary } from "./run-reporter.ts";
import { parseRunOptions, repeatedFlag, runArgs } from "./run-options.ts";
import { stopSignal } from "./stop-signal.ts";
import { seqorchCommandLine } from "./resume-command.ts";
import { locateSpecWithHint } from "./suggest.ts";

export const orchestrateCommand = defineCommand({
  meta: { name: "orchestrate", description: "Run a spec through the multi-agent loop: implement, verify, commit, review, fix; hand what cannot pass to a human" },
  args: {
    ...runArgs,
    json: { type: "boolean", description: "Print one JSON event per line instead of the display" },
    quiet: { type: "boolean", description: "Print only warnings, errors and the summary" },
  },
  async run({ args, rawArgs }) {
    const { json, quiet, ...flags } = args as Record<string, unknown>;
    const verify = repeatedFlag(rawArgs, "verify");
    // --no-commit / --no-review still turn them off; otherwise the loop has them on.
    const parsed = parseRunOptions({ commit: true, review: true, pulse: true, ...flags, ...(verify ? { verify } : {}) });
    // LLM assignment on (seed 004's prompt: type, owner agent, criticality, writes, reads), asked of --backend
    // unless --assign-backend says otherwise; a command backend is not asked (it is a script, not an LLM).
    const assignBackend = parsed.assignBackend === "none" && flags["assign-backend"] === undefined && parsed.backend !== "command" ? parsed.backend : parsed.assignBackend;
    const options = { ...parsed, assignBackend, haltOnDecision: false, command: "orchestrate" as const };
    locateSpecWithHint(options.spec);
    const display = createRunDisplay({ json: json === true, quiet: quiet === true || Boolean(process.env.SEQORCH_QUIET) });
    const inspector =
      options.inspect === undefined ? null : await (await import("../inspect/run-inspector.ts")).createRunInspector(options.inspect, (m) => log.warn(m));
    if (inspector && !display.json) log.info(inspector.describe);
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
    printSummary(result, seqorchCommandLine(["orchestrate", ...rawArgs]), display);
    return result.exitCode;
  },
});
