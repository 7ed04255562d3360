// Captures each pinned agent CLI's event stream from a real run against the mock LLM (one unit: a shell tool
// call, then the final answer) into test/fixtures/streams/<cli>-<version>.jsonl, for the usage parsing tests.
// Usage: npm run setup:agents && npm run build && bun run scripts/capture-streams.ts [cli…]
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CLIS, isolated, makeSpec, privateTmux, runArgs, stateOf, type Cli } from "../test/agents/harness.ts";
import { PINNED } from "./setup-agents.ts";

const PACKAGE: Record<Cli, keyof typeof PINNED> = { codex: "@openai/codex", claude: "@anthropic-ai/claude-code", gemini: "@google/gemini-cli", opencode: "opencode-ai" };
const out = join(import.meta.dir, "..", "test", "fixtures", "streams");

async function capture(cli: Cli): Promise<string> {
  const { spec } = makeSpec("# Plan\n\n- [ ] 1. Create the file\n  - Write created_by_agent.txt\n", "capture", {
    "requirements.md": "# Requirements\n",
    "design.md": "# Design\n",
  });
  const run = await isolated(runArgs(spec, privateTmux(), ["--backend", cli, "--dangerously-bypass-permissions"]), {
    rules: [{ match: "# Task 1:", reply: { command: "printf hi > created_by_agent.txt", text: "Done.\n<promise>TASK_DONE</promise>" } }],
  });
  if (run.code !== 0) throw new Error(`${cli}: exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  const log: string = stateOf(spec).attempts["1"][0].log;
  const file = join(out, `${cli}-${PINNED[PACKAGE[cli]]}.jsonl`);
  copyFileSync(log, file);
  return `${file} (${readFileSync(file, "utf8").split("\n").filter(Boolean).length} events)`;
}

for (const cli of (process.argv.slice(2) as Cli[]).length ? (process.argv.slice(2) as Cli[]) : CLIS) console.log(await capture(cli));
process.exit(0);
