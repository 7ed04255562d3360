// The LLM assignment: JSON extraction and validation, the owner-agent map, and (through the compiled binary,
// with the `command` backend as the assigner) caching, routing and the visible fallback to --backend.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assignmentFromReply, describeMap, extractJsonObjects, parseAssignMap } from "../../src/actors/assignment.ts";
import { buildAssignPrompt } from "../../src/prompt/assign-prompt.ts";
import { makeSpec, scriptedAgent, seqorch, tempDir, cleanUp } from "../e2e/harness.ts";

afterAll(cleanUp);

const unit = { key: "2", id: "2", title: "Build the settings page" };

describe("the assignment prompt", () => {
  test("is the reference's: @tasks path relative to the workdir, the units, the rules, JSON only", () => {
    const prompt = buildAssignPrompt("/r/.kiro/specs/f/tasks.md", "/r", [unit]);
    expect(prompt).toContain("You are assigning dispatch units for sequential orchestration.");
    expect(prompt).toContain("Read the tasks file: @.kiro/specs/f/tasks.md");
    expect(prompt).toContain("- 2: Build the settings page");
    expect(prompt).toContain("codex-review -> review tasks");
    expect(prompt).toContain('{"task_id": "1", "type": "code", "owner_agent": "codex"}');
    expect(buildAssignPrompt("/elsewhere/tasks.md", "/r", [{ id: "{{UNITS}}", title: "x" }])).toContain("@/elsewhere/tasks.md");
  });
});

describe("reading the reply", () => {
  const good = '{"assignments":[{"task_id":"1","type":"code","owner_agent":"codex"},{"task_id":2,"type":"ui","owner_agent":"gemini"}]}';

  test.each([
    ["bare JSON", good],
    ["fenced, after prose", `Sure! Here it is:\n\`\`\`json\n${good}\n\`\`\`\nAnything else?`],
    ["after a stray brace and other JSON", `Note {not json}. {"other":true} ${good}`],
  ])("%s", (_, reply) => {
    expect(assignmentFromReply(reply, unit)).toEqual({ type: "ui", ownerAgent: "gemini" });
  });

  test.each([
    ["", "empty reply"],
    ["I think it is UI work.", "no JSON object in the reply"],
    ['{"assignments":[{"task_id":"2","type":"frontend","owner_agent":"gemini"}]}', "does not match the expected JSON (assignments.0.type"],
    ['{"assignments":[{"task_id":"1","type":"code","owner_agent":"codex"}]}', "no assignment for task 2"],
    ['{"assignments":[{"task_id":"2","type":"ui","owner_agent":""}]}', "assignments.0.owner_agent"],
  ])("bad reply %j", (reply, error) => {
    const found = assignmentFromReply(reply, unit);
    expect("error" in found && found.error).toContain(error);
  });

  test("extractJsonObjects respects strings with braces and escapes", () => {
    expect(extractJsonObjects('x {"a":"} {","b":"\\"}"} y {"c":1}')).toEqual([{ a: "} {", b: '"}' }, { c: 1 }]);
  });
});

describe("--assign-map", () => {
  test("the reference's defaults, overridden and extended", () => {
    expect(parseAssignMap(undefined)).toEqual({ codex: "codex", gemini: "gemini", "codex-review": "codex" });
    expect(parseAssignMap("gemini=claude, designer=opencode")).toEqual({ codex: "codex", gemini: "claude", "codex-review": "codex", designer: "opencode" });
    expect(describeMap({ codex: "codex", gemini: "claude" })).toBe("codex→codex, gemini→claude");
  });

  test("bad entries are usage errors", () => {
    expect(() => parseAssignMap("gemini")).toThrow('--assign-map: "gemini" is not agent=backend');
    expect(() => parseAssignMap("gemini=amp")).toThrow('unknown backend "amp"');
  });
});

/** An agent that answers the assignment prompt from `replies` (by unit ID) and completes units otherwise. */
function assigningAgent(dir: string, replies: Record<string, string>) {
  const cases = Object.entries(replies)
    .map(([id, reply]) => `      *"- ${id}:"*) printf '%s\\n' '${reply}' ;;`)
    .join("\n");
  return scriptedAgent(
    dir,
    `p=$(cat)
case "$p" in
  *"assigning dispatch units"*)
    echo "assign $SEQORCH_TASK_ID" >> '${join(dir, "calls.log")}'
    case "$p" in
${cases}
      *) echo 'no idea' ;;
    esac ;;
  *) echo "unit $SEQORCH_TASK_ID" >> '${join(dir, "calls.log")}'; echo '<promise>TASK_DONE</promise>' ;;
esac`,
  );
}

const TASKS = "- [ ] 1. Write the parser\n- [ ] 2. Build the settings page\n- [ ] 3. Review the parser\n";

describe("assignment in a run (command backend as the assigner)", () => {
  test("good replies are cached with their owner agent; a bad reply falls back to --backend, visibly", async () => {
    const { spec } = makeSpec(TASKS);
    const dir = tempDir();
    const agent = assigningAgent(dir, {
      "1": '{"assignments":[{"task_id":"1","type":"code","owner_agent":"designer"}]}',
      "3": '{"assignments":[{"task_id":"3","type":"review","owner_agent":"someone-else"}]}',
    });
    const args = ["run", "--spec", spec, "--delay", "0", "--no-tmux", "--backend", "command", "--agent-command", agent.command, "--assign-backend", "command", "--assign-map", "designer=command"];
    const r = await seqorch(args);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("assignment of unit 2 by command failed (no JSON object in the reply); it runs on --backend command");
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.assignments["1"]).toEqual({ backend: "command", type: "code", owner_agent: "designer", source: "llm" });
    expect(state.assignments["2"]).toMatchObject({ backend: "command", source: "fallback", reason: "no JSON object in the reply" });
    // An owner agent the map does not know runs on --backend (the reference's rule), still an LLM assignment.
    expect(state.assignments["3"]).toEqual({ backend: "command", type: "review", owner_agent: "someone-else", source: "llm" });
    const progress = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
    expect(progress).toContain("## Assignment fell back");
    expect(progress).toContain("assignment by command: codex→codex, gemini→gemini, codex-review→codex, designer→command");
    expect(readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n")).toEqual(["assign 1", "unit 1", "assign 2", "unit 2", "assign 3", "unit 3"]);
  });

  test("--assign-backend none (the default) makes no call and runs every unit on --backend", async () => {
    const { spec } = makeSpec(TASKS);
    const dir = tempDir();
    const agent = assigningAgent(dir, {});
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n")).toEqual(["unit 1", "unit 2", "unit 3"]);
    expect(JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).assignments).toEqual({});
  });

  test("an unknown --assign-backend or a bad --assign-map stops the run before it starts", async () => {
    const { spec } = makeSpec(TASKS);
    const bad = await seqorch(["run", "--spec", spec, "--agent-command", "true", "--assign-backend", "amp"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--assign-backend: unknown backend "amp"');
    const map = await seqorch(["run", "--spec", spec, "--agent-command", "true", "--assign-backend", "command", "--assign-map", "x=y"]);
    expect(map.code).toBe(64);
    expect(map.stderr).toContain('--assign-map: unknown backend "y"');
  });
});

describe("orchestrate's assignment (seed 004)", () => {
  test("the prompt asks for type, owner agent, criticality, writes and reads; the reply's dispatch_units are read", () => {
    const prompt = buildAssignPrompt("/r/.kiro/specs/f/tasks.md", "/r", [unit], "orchestrate");
    for (const text of ["multi-agent orchestration", "criticality", "writes", "reads", '"dispatch_units"']) expect(prompt).toContain(text);
    const reply = '{"dispatch_units":[{"task_id":"2","type":"ui","owner_agent":"gemini","criticality":"security-sensitive","writes":["src/a.ts"],"reads":["src/b.ts"]}]}';
    expect(assignmentFromReply(reply, unit)).toEqual({ type: "ui", ownerAgent: "gemini", criticality: "security-sensitive", writes: ["src/a.ts"], reads: ["src/b.ts"] });
    expect(assignmentFromReply('{"dispatch_units":[{"task_id":"2","type":"ui","owner_agent":"gemini","criticality":"extreme"}]}', unit)).toMatchObject({ error: expect.stringContaining("does not match") });
  });
});
