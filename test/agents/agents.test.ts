// The native backends proven against the real agent CLIs (pinned, from .agents-cli): each runs through the
// compiled seqorch, in real tmux, against the mock LLM, inside a network namespace with loopback only.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MockScript } from "../mock-llm/script.ts";
import { formatUsd } from "../../src/usage/record.ts";
import { agentsDir, cleanUp, CLIS, type Cli, expectCode, isolated, MODEL_FLAG, privateTmux, progressOf, requireClis, runArgs, stateOf, survivorsAfter, tempDir, twoUnitSpec } from "./harness.ts";

const ready = requireClis();
const TIMEOUT = 120_000;

/** Unit 1 and 2 each ask for one shell command (a file in the workdir), then say TASK_DONE. */
const TWO_FILES: MockScript = {
  rules: [
    { match: "# Task 1:", reply: { command: "printf alpha > created_by_agent.txt", text: "Created the alpha file.\n<promise>TASK_DONE</promise>" } },
    { match: "# Task 2:", reply: { command: "printf beta > second_by_agent.txt", text: "Created the beta file.\n<promise>TASK_DONE</promise>" } },
  ],
};

/** Wall time of each CLI's two-unit run, printed at the end (the closing note of the issue). */
const wallTimes: Record<string, { version: string; seconds: number }> = {};
afterAll(cleanUp);
afterAll(() => {
  if (Object.keys(wallTimes).length === 0) return;
  const lines = Object.entries(wallTimes).map(([cli, t]) => `  ${cli.padEnd(9)} ${t.version.padEnd(36)} ${t.seconds.toFixed(2)} s`);
  console.log(`two-unit runs against the mock (seqorch wall time, tmux):\n${lines.join("\n")}`);
});

function versionOf(cli: Cli): string {
  const pkg = { codex: "@openai/codex", claude: "@anthropic-ai/claude-code", gemini: "@google/gemini-cli", opencode: "opencode-ai" }[cli];
  const file = join(agentsDir, "node_modules", pkg, "package.json");
  return `${pkg}@${(JSON.parse(readFileSync(file, "utf8")) as { version: string }).version}`;
}

/** Another CLI than `cli`, for routing tests. */
const otherThan = (cli: Cli): Cli => CLIS[(CLIS.indexOf(cli) + 1) % CLIS.length]!;

for (const cli of CLIS) {
  describe.skipIf(!ready)(`${cli} (real CLI)`, () => {
    test(
      "a two-unit spec completes in tmux; the files the mock's tool calls asked for exist; sessions are recorded",
      async () => {
        const { root, spec } = twoUnitSpec();
        const socket = privateTmux();
        const run = await isolated(runArgs(spec, socket, ["--backend", cli, "--dangerously-bypass-permissions"]), TWO_FILES);
        expectCode(run, 0);
        wallTimes[cli] = { version: versionOf(cli), seconds: run.ms / 1000 };
        expect(readFileSync(join(root, "created_by_agent.txt"), "utf8")).toBe("alpha");
        expect(readFileSync(join(root, "second_by_agent.txt"), "utf8")).toBe("beta");
        const state = stateOf(spec);
        expect(state.completed).toEqual(expect.arrayContaining(["1", "2"]));
        for (const unit of ["1", "2"]) {
          const [attempt] = state.attempts[unit];
          expect(attempt.backend).toBe(cli);
          expect(attempt.status).toBe("done");
          expect(attempt.runner).toBe("tmux");
          expect(attempt.agent_session_id).toBeString();
          // Usage read from the CLI's own stream: tokens always; a cost only from Claude Code (its own figure).
          expect(attempt.agent_usage.input + attempt.agent_usage.output).toBeGreaterThan(0);
          expect(attempt.agent_usage.cost_source).toBe(cli === "claude" ? "agent" : null);
        }
        // Each unit made a tool call and then got its final answer: both kinds of request reached the mock.
        const answers = run.requests().filter((r) => r.api !== null).map((r) => r.answer);
        expect(answers.filter((a) => a === "tool").length).toBe(2);
        expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [x] 2. Create the beta file");
      },
      TIMEOUT,
    );

    test(
      "default permissions: the agent edits files and runs commands in the workdir without prompting (no bypass flag)",
      async () => {
        const { root, spec } = twoUnitSpec();
        // A command that is not a file edit (a build script, then git): what a unit's tests and build need.
        writeFileSync(join(root, "build.sh"), "printf built > built_by_script.txt\n");
        const script: MockScript = {
          rules: [
            { match: "# Task 1:", reply: { command: "sh ./build.sh && git --version > git_version.txt", text: "Built it.\n<promise>TASK_DONE</promise>" } },
            { match: "# Task 2:", reply: { command: "printf beta > second_by_agent.txt", text: "Created the beta file.\n<promise>TASK_DONE</promise>" } },
          ],
        };
        const socket = privateTmux();
        const run = await isolated(runArgs(spec, socket, ["--backend", cli]), script);
        expectCode(run, 0);
        expect(readFileSync(join(root, "built_by_script.txt"), "utf8")).toBe("built");
        expect(readFileSync(join(root, "git_version.txt"), "utf8")).toStartWith("git version");
        expect(readFileSync(join(root, "second_by_agent.txt"), "utf8")).toBe("beta");
        expect(progressOf(spec)).toContain("permissions: edit files and run commands in the workdir without prompting");
      },
      TIMEOUT,
    );

    test(
      "an assignment reply routes the two units to two different backends",
      async () => {
        const { spec } = twoUnitSpec();
        const socket = privateTmux();
        const other = otherThan(cli);
        const reply = JSON.stringify({
          assignments: [
            { task_id: "1", type: "code", owner_agent: "codex" },
            { task_id: "2", type: "ui", owner_agent: "gemini" },
          ],
        });
        const script: MockScript = { rules: [{ match: "assigning dispatch units", reply: { text: `Here you are:\n\`\`\`json\n${reply}\n\`\`\`` } }] };
        const run = await isolated(
          runArgs(spec, socket, ["--backend", cli, "--assign-backend", cli, "--assign-map", `codex=${cli},gemini=${other}`]),
          script,
        );
        expectCode(run, 0);
        const state = stateOf(spec);
        expect(state.attempts["1"][0].backend).toBe(cli);
        expect(state.attempts["2"][0].backend).toBe(other);
        expect(state.assignments["1"]).toMatchObject({ source: "llm", owner_agent: "codex", type: "code", backend: cli });
        expect(state.assignments["2"]).toMatchObject({ source: "llm", owner_agent: "gemini", type: "ui", backend: other });
        // The assignment prompt went to the assign backend's API, and units went to two different APIs.
        const apis = new Set(run.requests().filter((r) => r.api !== null).map((r) => r.api));
        expect(apis.size).toBe(2);
        expect(progressOf(spec)).toContain(`- Backend: ${other}`);
      },
      TIMEOUT,
    );

    test(
      "a HALT reply halts the run with exit 2",
      async () => {
        const { spec } = twoUnitSpec();
        const socket = privateTmux();
        const script: MockScript = { fallback: { text: "I need the production credentials to go on.\n<promise>HALT</promise>" } };
        const run = await isolated(runArgs(spec, socket, ["--backend", cli]), script);
        expectCode(run, 2);
        const state = stateOf(spec);
        expect(state.halted).toBe(true);
        expect(state.halted_reason).toBe("agent-halt");
        expect(state.halted_task).toBe("1");
        expect(progressOf(spec)).toContain("- Status: Halted");
      },
      TIMEOUT,
    );

    test(
      "an API error is a failed attempt with the error text in the progress log",
      async () => {
        const { spec } = twoUnitSpec();
        const socket = privateTmux();
        const script: MockScript = { fallback: { status: 401, message: "Invalid API key (mock-401)" } };
        const run = await isolated(runArgs(spec, socket, ["--backend", cli, "--max-attempts", "1"]), script);
        expectCode(run, 2);
        const state = stateOf(spec);
        expect(state.attempts["1"][0].status).toBe("failed");
        expect(state.attempts["1"][0].reason).toContain("Invalid API key (mock-401)");
        expect(state.halted_reason).toBe("attempts-exhausted");
        const progress = progressOf(spec);
        expect(progress).toContain("- Status: Failed");
        expect(progress).toContain("Invalid API key (mock-401)");
      },
      TIMEOUT,
    );

    test(
      "a retry continues the agent's session with --resume-session",
      async () => {
        const { spec } = twoUnitSpec();
        const socket = privateTmux();
        const script: MockScript = {
          rules: [
            { match: "# Task 1:", times: 1, reply: { text: "I ran out of steam (first attempt)." } },
            { match: "# Task 1:", reply: { text: "Finished it this time.\n<promise>TASK_DONE</promise>" } },
          ],
        };
        const run = await isolated(runArgs(spec, socket, ["--backend", cli, "--resume-session", "--max-attempts", "2"]), script);
        expectCode(run, 0);
        const [first, second] = stateOf(spec).attempts["1"];
        expect(first.status).toBe("failed");
        expect(second.status).toBe("done");
        expect(second.agent_session_id).toBe(first.agent_session_id);
        // The second attempt's request carries the first attempt's conversation.
        const unitRequests = run.requests().filter((r) => r.api !== null && JSON.stringify(r.body).includes("# Task 1:"));
        expect(JSON.stringify(unitRequests.at(-1)?.body)).toContain("I ran out of steam (first attempt).");
      },
      TIMEOUT,
    );

    test(
      "a timeout ends the CLI's whole process tree and is recorded as timed out",
      async () => {
        const { spec } = twoUnitSpec();
        const socket = privateTmux();
        const script: MockScript = { fallback: { silent: true } };
        // opencode and gemini take a few seconds to start (Bun and Node bundles); the others answer at once.
        const seconds = cli === "opencode" || cli === "gemini" ? "8" : "3";
        const run = await isolated(runArgs(spec, socket, ["--backend", cli, "--task-timeout", seconds, "--max-attempts", "1"]), script);
        expect(run.code).not.toBe(0);
        const [attempt] = stateOf(spec).attempts["1"];
        expect(attempt.status).toBe("timeout");
        expect(progressOf(spec)).toContain("Timed out");
        // The request reached the mock (the CLI was really waiting on it) and nothing of the CLI is left.
        expect(run.requests().some((r) => r.answer === "silent")).toBe(true);
        expect(await survivorsAfter(run.dirs.home)).toEqual([]);
      },
      TIMEOUT,
    );

    test(
      "seqorch doctor finds the CLI and gets an answer from it (--live)",
      async () => {
        const run = await isolated(["doctor", "--backend", cli, "--live", "--model", MODEL_FLAG, "--timeout", "60"], {}, { cwd: tempDir() });
        expectCode(run, 0);
        expect(run.stdout).toMatch(new RegExp(`^${cli}\\s+ok\\s+.*live: answered`, "m"));
      },
      TIMEOUT,
    );
  });
}

describe.skipIf(!ready)("budgets and fallbacks (real CLIs)", () => {
  test(
    "fallback: claude rate-limited (HTTP 429) on unit 1 finishes it on codex at once, unit 2 back on claude; --max-cost counts Claude's own cost",
    async () => {
      const { root, spec } = twoUnitSpec();
      const script: MockScript = {
        rules: [
          { api: "anthropic", match: "# Task 1:", reply: { status: 429, message: "Number of request tokens has exceeded your rate limit (mock)" } },
          ...(TWO_FILES.rules ?? []),
        ],
      };
      const socket = privateTmux();
      const run = await isolated(runArgs(spec, socket, ["--backend", "claude", "--dangerously-bypass-permissions", "--max-attempts", "1", "--fallback-backend", "codex"]), script);
      expectCode(run, 0);
      expect(readFileSync(join(root, "created_by_agent.txt"), "utf8")).toBe("alpha");
      const state = stateOf(spec);
      const one = state.attempts["1"].map((a: { backend: string; status: string; counted: boolean }) => [a.backend, a.status, a.counted]);
      expect(one).toEqual([
        ["claude", "rate-limited", false],
        ["codex", "done", true],
      ]);
      expect(state.attempts["1"][1].fallback_from).toBe("claude");
      expect(state.attempts["2"].map((a: { backend: string }) => a.backend)).toEqual(["claude"]);
      expect(state.attempts["2"][0].agent_usage.cost_source).toBe("agent");
      expect(progressOf(spec)).toContain("## Unit 1: fallback to codex");

      // Claude Code reports each attempt's cost: a budget below one unit's cost halts before unit 2.
      const second = twoUnitSpec();
      const budget = await isolated(runArgs(second.spec, privateTmux(), ["--backend", "claude", "--dangerously-bypass-permissions", "--max-cost", "0.001"]), TWO_FILES);
      expectCode(budget, 2);
      const spent = stateOf(second.spec).attempts["1"][0].agent_usage.cost_usd;
      expect(spent).toBeGreaterThan(0.001);
      expect(budget.stdout + budget.stderr).toContain(`Halted (budget): the run spent ${formatUsd(spent)} of --max-cost $0.001`);
      expect(stateOf(second.spec).attempts["2"]).toBeUndefined();
    },
    TIMEOUT,
  );
});

describe.skipIf(!ready)("a budget reached while a real CLI runs", () => {
  test(
    "claude: the usage its stream reports after its first API call crosses --max-unit-tokens; the attempt is ended, its usage kept",
    async () => {
      const { spec } = twoUnitSpec();
      // Each answer of the mock takes 3 s: the tool call's message (with its usage) is out long before the final answer.
      const script: MockScript = { rules: [{ match: "# Task 1:", reply: { command: "printf alpha > created_by_agent.txt", text: "Done.\n<promise>TASK_DONE</promise>", delayMs: 3000 } }] };
      const run = await isolated(runArgs(spec, privateTmux(), ["--backend", "claude", "--dangerously-bypass-permissions", "--max-unit-tokens", "1000"]), script);
      expectCode(run, 2);
      const [attempt] = stateOf(spec).attempts["1"];
      if (attempt.status !== "over-budget") console.error(JSON.stringify(attempt), readFileSync(attempt.log, "utf8").slice(0, 3000));
      expect(attempt.status).toBe("over-budget");
      expect(attempt.reason).toMatch(/^over budget: unit 1 used [\d,]+ tokens of --max-unit-tokens 1,000 \(the agent was ended\)$/);
      expect(attempt.agent_usage.input + attempt.agent_usage.output).toBeGreaterThanOrEqual(1000);
      expect(stateOf(spec).halted_reason).toBe("budget");
      expect(stateOf(spec).attempts["2"]).toBeUndefined();
      // Ended while the mock held back its final answer (3 s): the stream never got it.
      expect(readFileSync(attempt.log, "utf8")).not.toContain("TASK_DONE");
      expect(await survivorsAfter(run.dirs.home)).toEqual([]);
    },
    TIMEOUT,
  );
});

describe.skipIf(!ready)("missing CLI", () => {
  test("a backend whose CLI is not installed is an error before the run starts", async () => {
    const { spec } = twoUnitSpec();
    const run = await isolated(["run", "--spec", spec, "--backend", "claude", "--no-tmux"], {}, { env: { PATH: "/usr/bin:/bin" } });
    expect(run.code).toBe(66);
    expect(run.stderr).toContain("claude not found on PATH");
    expect(run.stderr).toContain("npm install -g @anthropic-ai/claude-code");
    expect(existsSync(join(spec, "SEQUENTIAL_STATE.json"))).toBe(false);
  });
});
