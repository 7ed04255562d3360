// The review loop with real agent CLIs against the mock LLM: claude implements, codex reviews in its read-only
// sandbox (the mock answers with a <review> block); a reviewer the mock tells to write a file is stopped by codex's
// sandbox, and caught by seqorch's before/after check on a backend without a read-only mode (opencode).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MockScript } from "../mock-llm/script.ts";
import { cleanUp, expectCode, isolated, privateTmux, requireClis, runArgs, stateOf, twoUnitSpec } from "./harness.ts";

const ready = requireClis();
const TIMEOUT = 180_000;
const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
afterAll(cleanUp);

function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", ...args], { cwd, env: { ...process.env, ...GIT_ENV } });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** The two-unit spec in a git repository with a first commit. */
function repoSpec() {
  const made = twoUnitSpec();
  git(made.root, "init", "-q", "-b", "main");
  git(made.root, "add", "-A");
  git(made.root, "commit", "-qm", "init");
  return made;
}

const APPROVE = '<review>{"verdict":"approve","findings":[],"previous":[]}</review>';
/** Implementation rules for both units (a file each, then TASK_DONE). */
const IMPLEMENT = [
  { match: "# Task 1:", reply: { command: "printf alpha > created_by_agent.txt", text: "Created the alpha file.\n<promise>TASK_DONE</promise>" } },
  { match: "# Task 2:", reply: { command: "printf beta > second_by_agent.txt", text: "Created the beta file.\n<promise>TASK_DONE</promise>" } },
];

describe.skipIf(!ready)("the review loop with real CLIs", () => {
  test(
    "claude implements, codex reviews read-only and approves: each unit committed, reviewed, done",
    async () => {
      const { root, spec } = repoSpec();
      const script: MockScript = { rules: [{ match: "# Review of task", reply: { text: `I read the diff.\n${APPROVE}` } }, ...IMPLEMENT] };
      const socket = privateTmux();
      const run = await isolated(runArgs(spec, socket, ["--backend", "claude", "--commit", "--review", "--review-backend", "codex"]), script, { env: GIT_ENV });
      expectCode(run, 0);
      expect(git(root, "log", "--format=%s").trim().split("\n")).toEqual(["feature: 2 Create the beta file", "feature: 1 Create the alpha file", "init"]);
      const state = stateOf(spec);
      for (const unit of ["1", "2"]) {
        expect(state.pipeline[unit].reviews.map((r: { verdict: string }) => r.verdict)).toEqual(["pass"]);
        expect(JSON.parse(readFileSync(join(spec, ".seqorch", "reviews", unit, "0", "1.json"), "utf8"))).toMatchObject({ ok: true, review: { verdict: "approve" } });
      }
      // The reviewer's requests reached the mock through codex's API; the implementer's through claude's.
      const apis = new Set(run.requests().map((r) => r.api));
      expect(apis.size).toBeGreaterThanOrEqual(2);
    },
    TIMEOUT,
  );

  test(
    "a reviewer told to write a file: codex's read-only sandbox refuses it, nothing changes, the review stands",
    async () => {
      const { root, spec } = repoSpec();
      const script: MockScript = { rules: [{ match: "# Review of task", reply: { command: "printf x > stray_by_reviewer.txt", text: `Reviewed.\n${APPROVE}` } }, ...IMPLEMENT] };
      const socket = privateTmux();
      const run = await isolated(runArgs(spec, socket, ["--backend", "claude", "--commit", "--review", "--review-backend", "codex"]), script, { env: GIT_ENV });
      expectCode(run, 0);
      // The reviewer asked for the write (a tool call to codex's shell), and the tool result went back to the mock.
      const reviews = run.requests().filter((r) => JSON.stringify(r.body ?? "").includes("# Review of task"));
      expect(reviews.filter((r) => r.answer === "tool").length).toBe(2);
      const results = reviews.map((r) => JSON.stringify(r.body ?? "")).filter((b) => b.includes("stray_by_reviewer"));
      expect(results.some((b) => /read-only|Read-only|denied|not permitted|sandbox/i.test(b)), "codex's tool result says the sandbox refused").toBe(true);
      expect(existsSync(join(root, "stray_by_reviewer.txt"))).toBe(false);
      expect(git(root, "stash", "list")).toBe("");
    },
    TIMEOUT,
  );

  test(
    "a reviewer told to write a file on a backend without a read-only mode (opencode): stashed, review failed, a decision",
    async () => {
      const { root, spec } = repoSpec();
      const script: MockScript = { rules: [{ match: "# Review of task", reply: { command: "printf x > stray_by_reviewer.txt", text: `Reviewed.\n${APPROVE}` } }, ...IMPLEMENT] };
      const run = await isolated(runArgs(spec, privateTmux(), ["--backend", "claude", "--commit", "--review", "--review-backend", "opencode"]), script, { env: GIT_ENV });
      expectCode(run, 2);
      expect(existsSync(join(root, "stray_by_reviewer.txt"))).toBe(false);
      expect(git(root, "stash", "list")).toContain("seqorch reviewer edits: unit 1, round 0, reviewer 1");
      expect(git(root, "show", "stash@{0}^3:stray_by_reviewer.txt")).toBe("x"); // the write happened, and is kept
      expect(stateOf(spec).decisions[0]).toMatchObject({ unit: "1", kind: "scope_violation" });
    },
    TIMEOUT,
  );

  test(
    "a fix round continues the implementer's claude session (--resume); a fix that changes nothing goes to a human at once",
    async () => {
      const { root, spec } = repoSpec();
      const finding = { id: "R1", severity: "major", file: "created_by_agent.txt", line: 1, title: "says alpha, wants ALPHA", evidence: "alpha", fix: "write ALPHA", requirement: "1.1" };
      const script: MockScript = {
        rules: [
          { match: "Earlier findings (re-review)", reply: { text: '<review>{"verdict":"approve","findings":[],"previous":[{"id":"R1","status":"fixed"}]}</review>' } },
          { match: "# Review of task 1:", reply: { text: `One problem.\n<review>${JSON.stringify({ verdict: "request_changes", findings: [finding] })}</review>` } },
          { match: "# Review of task", reply: { text: APPROVE } },
          { match: "# Fix request for task 1", reply: { command: "printf ALPHA > created_by_agent.txt", text: "Fixed R1.\n<promise>TASK_DONE</promise>" } },
          ...IMPLEMENT,
        ],
      };
      const socket = privateTmux();
      const run = await isolated(runArgs(spec, socket, ["--backend", "claude", "--commit", "--review", "--review-backend", "codex"]), script, { env: GIT_ENV });
      // The mock asks for one tool call per conversation, and the resumed one already holds the implementation's:
      // the fix answers without touching the file, which seqorch sees (its own state and log writes aside).
      expectCode(run, 2);
      expect(readFileSync(join(root, "created_by_agent.txt"), "utf8")).toBe("alpha");
      const state = stateOf(spec);
      const [implement, fix] = state.attempts["1"];
      expect(implement.agent_session_id).toBeString();
      expect(fix.reason).toContain("fix round 1");
      // The fix ran in the implementer's session: its pane's command (kept by tmux) passes claude --resume <that session>.
      const pane = Bun.spawnSync(["tmux", "-L", socket, "display-message", "-p", "-t", fix.window_id, "#{pane_start_command}"]);
      const launch = pane.stdout.toString();
      expect(launch).toContain("--resume");
      expect(launch.slice(launch.indexOf("--resume"))).toStartWith(`--resume ${implement.agent_session_id}`);
      expect(state.decisions[0]).toMatchObject({ unit: "1", kind: "review_exhausted", question: "fix round 1 changed nothing" });
      expect(git(root, "log", "--format=%s").trim().split("\n")).toEqual(["feature: 1 Create the alpha file", "init"]);
    },
    TIMEOUT,
  );
});
