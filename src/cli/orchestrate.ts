// `seqorch orchestrate`: the seed's multi-agent loop. `run` with --commit, --review and PULSE on, where a decision
// blocks only its unit and the units that depend on it. Exit 0 all done, 1 iteration limit, 2 waiting for decisions.
import { defineCommand } from "citty";
import { runAndReport } from "./run-and-report.ts";
import { parseRunOptions, repeatedFlag, runArgs } from "./run-options.ts";

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
    return runAndReport(options, { json: json === true, quiet: quiet === true }, ["orchestrate", ...rawArgs]);
  },
});
