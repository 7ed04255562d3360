// The native adapters' stream parsers against JSONL recorded from the real CLIs (fixtures/), and the rule that
// signals count only in the final assistant message (never in echoed prompts or tool output).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseClaudeStream } from "../../src/agents/claude.ts";
import { parseWrapperOutput } from "../../src/agents/codeagent-wrapper.ts";
import { parseCodexStream } from "../../src/agents/codex.ts";
import { parseGeminiStream } from "../../src/agents/gemini.ts";
import { parseOpencodeStream } from "../../src/agents/opencode.ts";
import type { AgentReply } from "../../src/agents/types.ts";
import type { AttemptExit } from "../../src/runner/types.ts";
import { detectSignal } from "../../src/signals.ts";

const fixtures = join(import.meta.dir, "fixtures");
const fx = (name: string) => join(fixtures, name);
const exited = (exitCode: number): AttemptExit => ({ exitCode, reason: "exited", durationMs: 1 });
const dir = mkdtempSync(join(tmpdir(), "seqorch-parsers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A temporary JSONL file of `events`. */
function jsonl(events: unknown[]): string {
  const path = join(dir, `s${++n}.jsonl`);
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  return path;
}
const none = join(dir, "none.err");
const DONE = "Done.\n<promise>TASK_DONE</promise>";

type Parser = (out: string, err: string, exit: AttemptExit) => Promise<AgentReply>;

describe("recorded streams (a shell tool call, then the final answer)", () => {
  test.each([
    ["codex", parseCodexStream, "codex-tool.jsonl", /^[0-9a-f-]{36}$/, { input: 14250, output: 17 }],
    ["claude", parseClaudeStream, "claude-tool.jsonl", /^[0-9a-f-]{36}$/, { input: 5155, output: 17 }],
    ["gemini", parseGeminiStream, "gemini-tool.jsonl", /^[0-9a-f-]{36}$/, null],
    ["opencode", parseOpencodeStream, "opencode-tool.jsonl", /^ses_/, null],
  ] as const)("%s: final message, session id, usage, no errors", async (_, parse: Parser, file, session, usage) => {
    const reply = await parse(fx(file), none, exited(0));
    expect(reply.finalMessage).toBe(DONE);
    expect(reply.sessionId).toMatch(session);
    expect(reply.errors).toEqual([]);
    if (usage) expect(reply.usage).toMatchObject(usage);
    else expect(reply.usage?.input).toBeGreaterThan(0);
    expect(detectSignal(reply.finalMessage)).toBe("done");
  });
});

describe("recorded API errors (HTTP 401 from the mock)", () => {
  test.each([
    ["codex", parseCodexStream, "codex-401.jsonl", "codex-401.err", 1, "unexpected status 401 Unauthorized: Invalid API key (mock)"],
    ["claude", parseClaudeStream, "claude-401.jsonl", "none.err", 1, "Failed to authenticate. API Error: 401"],
    ["gemini", parseGeminiStream, "gemini-401.jsonl", "gemini-401.err", 145, "Invalid API key (mock)"],
    ["opencode", parseOpencodeStream, "opencode-401.jsonl", "none.err", 1, "API error: 401 Invalid API key (mock)"],
  ] as const)("%s: the error text, and no final message to find a signal in", async (_, parse: Parser, file, err, code, text) => {
    const reply = await parse(fx(file), err === "none.err" ? none : fx(err), exited(code));
    expect(reply.errors.join("\n")).toContain(text);
    expect(reply.finalMessage).toBe("");
    expect(reply.sessionId).toBeString();
  });

  test("gemini: the JSON error on stderr is used when stdout has no result event", async () => {
    const out = jsonl([{ type: "init", session_id: "g1" }]);
    const reply = await parseGeminiStream(out, fx("gemini-401.err"), exited(145));
    expect(reply.errors[0]).toContain("Invalid API key (mock)");
  });
});

describe("signals only in the final assistant message", () => {
  const PROMPT = "End with <promise>TASK_DONE</promise> or <promise>HALT</promise>.";

  test("gemini: the prompt echoed as a user message does not count", async () => {
    const out = jsonl([
      { type: "init", session_id: "g" },
      { type: "message", role: "user", content: PROMPT },
      { type: "message", role: "assistant", content: "I could not do it.", delta: true },
      { type: "result", status: "success", stats: { input_tokens: 5, output_tokens: 2 } },
    ]);
    const reply = await parseGeminiStream(out, none, exited(0));
    expect(reply.finalMessage).toBe("I could not do it.");
    expect(detectSignal(reply.finalMessage)).toBeNull();
  });

  test("gemini: text before a tool call is not the final message; deltas after it are joined", async () => {
    const out = jsonl([
      { type: "message", role: "assistant", content: "Let me check. <promise>HALT</promise>", delta: true },
      { type: "tool_use", tool_name: "run_shell_command", tool_id: "t", parameters: {} },
      { type: "tool_result", tool_id: "t", status: "success", output: "<promise>HALT</promise>" },
      { type: "message", role: "assistant", content: "All done.\n", delta: true },
      { type: "message", role: "assistant", content: "<promise>TASK_DONE</promise>", delta: true },
    ]);
    expect((await parseGeminiStream(out, none, exited(0))).finalMessage).toBe("All done.\n<promise>TASK_DONE</promise>");
  });

  test("codex: command output that prints a marker is not the reply; the last agent_message is", async () => {
    const out = jsonl([
      { type: "thread.started", thread_id: "t1" },
      { type: "item.completed", item: { type: "agent_message", text: "Working on it." } },
      { type: "item.completed", item: { type: "command_execution", command: "cat prompt.md", aggregated_output: PROMPT, exit_code: 0 } },
      { type: "item.completed", item: { type: "agent_message", text: "Stopped: tests fail." } },
      { type: "turn.completed", usage: { input_tokens: 10, output_tokens: 3 } },
    ]);
    const reply = await parseCodexStream(out, none, exited(0));
    expect(reply.finalMessage).toBe("Stopped: tests fail.");
    expect(detectSignal(reply.finalMessage)).toBeNull();
  });

  test("claude: a tool result holding a marker does not count; the result event's text does", async () => {
    const out = jsonl([
      { type: "system", subtype: "init", session_id: "c1" },
      { type: "user", message: { role: "user", content: [{ type: "tool_result", content: "<promise>HALT</promise>" }] }, session_id: "c1" },
      { type: "assistant", message: { model: "m", content: [{ type: "text", text: "Implemented." }] }, session_id: "c1" },
      { type: "result", subtype: "success", is_error: false, result: "Implemented.", session_id: "c1", usage: { input_tokens: 3, output_tokens: 1 } },
    ]);
    const reply = await parseClaudeStream(out, none, exited(0));
    expect(reply).toMatchObject({ finalMessage: "Implemented.", sessionId: "c1", errors: [] });
  });

  test("claude: without a result event (killed), the last assistant text is the reply", async () => {
    const out = jsonl([{ type: "assistant", message: { model: "m", content: [{ type: "text", text: "Partial." }] }, session_id: "c2" }]);
    expect((await parseClaudeStream(out, none, exited(143))).finalMessage).toBe("Partial.");
  });

  test("opencode: the text of the last message with text; earlier steps do not count", async () => {
    const out = jsonl([
      { type: "text", sessionID: "s", part: { messageID: "m1", text: "<promise>TASK_DONE</promise> (planned)" } },
      { type: "tool_use", sessionID: "s", part: { tool: "bash", state: { output: "<promise>TASK_DONE</promise>" } } },
      { type: "text", sessionID: "s", part: { messageID: "m2", text: "Tests fail." } },
      { type: "text", sessionID: "s", part: { messageID: "m2", text: "Giving up for now." } },
      { type: "step_finish", sessionID: "s", part: { reason: "stop", tokens: { input: 4, output: 2 } } },
    ]);
    const reply = await parseOpencodeStream(out, none, exited(0));
    expect(reply.finalMessage).toBe("Tests fail.\nGiving up for now.");
    expect(reply.usage).toMatchObject({ input: 4, output: 2 });
    expect(detectSignal(reply.finalMessage)).toBeNull();
  });
});

describe("failures without structured errors", () => {
  test("a non-zero exit with an empty stream takes the end of stderr", async () => {
    const err = join(dir, "crash.err");
    writeFileSync(err, "Error: something broke\n    at x (y.js:1:1)\n");
    for (const parse of [parseCodexStream, parseClaudeStream, parseGeminiStream, parseOpencodeStream]) {
      const reply = await parse(join(dir, "empty.jsonl"), err, exited(2));
      expect(reply.errors).toEqual(["Error: something broke"]);
      expect(reply.finalMessage).toBe("");
    }
  });
});

describe("codeagent-wrapper output", () => {
  test("the message before `---\\nSESSION_ID:` and the session id after it", async () => {
    const out = join(dir, "wrapper.out");
    writeFileSync(out, `All done.\n<promise>TASK_DONE</promise>\n---\nSESSION_ID: 019a-abc\n`);
    expect(await parseWrapperOutput(out, none, exited(0))).toEqual({ finalMessage: "All done.\n<promise>TASK_DONE</promise>", sessionId: "019a-abc", errors: [] });
    const bare = join(dir, "wrapper2.out");
    writeFileSync(bare, "no session line");
    expect((await parseWrapperOutput(bare, none, exited(0))).sessionId).toBeNull();
  });
});

describe("rate limits reported in the structured output", () => {
  test("codex: a 429 once its retries are spent", async () => {
    const out = jsonl([
      { type: "thread.started", thread_id: "t" },
      { type: "error", message: "exceeded retry limit, last status: 429 Too Many Requests" },
      { type: "turn.failed", error: { message: "exceeded retry limit, last status: 429 Too Many Requests" } },
    ]);
    expect((await parseCodexStream(out, none, exited(1))).rateLimit).toEqual({ resetAt: null, detail: "exceeded retry limit, last status: 429 Too Many Requests" });
  });

  test("claude: api_error_status 429 on the result", async () => {
    const text = "API Error: Request rejected (429) · Rate limit reached for requests (mock)";
    const out = jsonl([{ type: "result", subtype: "success", is_error: true, api_error_status: 429, result: text, session_id: "c" }]);
    const reply = await parseClaudeStream(out, none, exited(1));
    expect(reply.rateLimit).toEqual({ resetAt: null, detail: text });
    expect(reply.finalMessage).toBe("");
  });

  test("opencode: statusCode 429, reset from Retry-After and the event time", async () => {
    const out = jsonl([
      { type: "error", timestamp: 1_000_000, sessionID: "s", error: { name: "APIError", data: { message: "Slow down", statusCode: 429, responseHeaders: { "retry-after": "30" } } } },
    ]);
    expect((await parseOpencodeStream(out, none, exited(1))).rateLimit).toEqual({ resetAt: 1_030_000, detail: "API error: 429 Slow down" });
  });

  test("gemini: the quoted API error with code 429", async () => {
    const message = '[API Error: {"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}]';
    const out = jsonl([{ type: "result", status: "error", error: { type: "unknown", message }, stats: {} }]);
    expect((await parseGeminiStream(out, none, exited(1))).rateLimit).toEqual({ resetAt: null, detail: message });
  });

  test("an ordinary API error is not a rate limit", async () => {
    expect((await parseCodexStream(fx("codex-401.jsonl"), none, exited(1))).rateLimit).toBeNull();
    expect((await parseClaudeStream(fx("claude-401.jsonl"), none, exited(1))).rateLimit).toBeNull();
    expect((await parseOpencodeStream(fx("opencode-401.jsonl"), none, exited(1))).rateLimit).toBeNull();
    expect((await parseGeminiStream(fx("gemini-401.jsonl"), none, exited(145))).rateLimit).toBeNull();
  });
});
