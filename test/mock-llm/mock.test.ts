// The mock LLM server on its own: each of the four APIs, streaming and not, tool calls, errors, delays, silence.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chooseReply, DEFAULT_TEXT, turnOf, type MockScript } from "./script.ts";
import { startMockLlm, type MockLlm } from "./server.ts";

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock.stop();
});

/** POST `body` as JSON to `path`. */
function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
}

/** The JSON payloads of an SSE body, with their event names. */
async function events(response: Response): Promise<{ event: string | null; data: any }[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? null;
      const data = /^data: (.*)$/m.exec(block)![1]!;
      return { event, data: data === "[DONE]" ? "[DONE]" : JSON.parse(data) };
    });
}

const TOOL_SCRIPT: MockScript = { rules: [{ match: "MAKE_FILE", reply: { command: "touch made.txt", text: "Made. <promise>TASK_DONE</promise>" } }] };

describe("script", () => {
  test("the first matching rule wins, `times` limits a rule, the fallback answers the rest", () => {
    const script: MockScript = {
      rules: [
        { match: "alpha", times: 1, reply: { status: 429 } },
        { match: "alpha", reply: { text: "A" } },
      ],
      fallback: { text: "F" },
    };
    const used = new Map<number, number>();
    expect(chooseReply(script, "… alpha …", used)).toEqual({ status: 429 });
    expect(chooseReply(script, "… alpha …", used)).toEqual({ text: "A" });
    expect(chooseReply(script, "… beta …", used)).toEqual({ text: "F" });
    expect(chooseReply({}, "x", used)).toEqual({});
    const perApi: MockScript = { rules: [{ api: "anthropic", reply: { status: 429 } }], fallback: { text: "ok" } };
    expect(chooseReply(perApi, "x", new Map(), "anthropic")).toEqual({ status: 429 });
    expect(chooseReply(perApi, "x", new Map(), "responses")).toEqual({ text: "ok" });
  });

  test("a tool call only with a declared shell tool and no tool result yet", () => {
    const reply = { command: "ls", text: "T" };
    expect(turnOf(reply, "Bash", false)).toEqual({ kind: "tool", tool: "Bash", command: "ls" });
    expect(turnOf(reply, "Bash", true)).toEqual({ kind: "text", text: "T" });
    expect(turnOf(reply, null, false)).toEqual({ kind: "text", text: "T" });
    expect(turnOf({}, "Bash", false)).toEqual({ kind: "text", text: DEFAULT_TEXT });
  });
});

describe("OpenAI Responses (Codex)", () => {
  test("text: named events with sequence numbers, then response.completed with usage", async () => {
    mock.setScript({});
    const res = await post("/v1/responses", { model: "gpt-5.5", stream: true, input: [{ type: "message", role: "user", content: "hi" }] });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const evs = await events(res);
    expect(evs.map((e) => e.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(evs.map((e) => e.data.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const done = evs.at(-1)!.data.response;
    expect(done.output[0].content[0].text).toBe(DEFAULT_TEXT);
    expect(done.usage.total_tokens).toBe(done.usage.input_tokens + done.usage.output_tokens);
  });

  test("tool call: exec_command {cmd} when declared; text once a function_call_output is present", async () => {
    mock.setScript(TOOL_SCRIPT);
    const tools = [{ type: "function", name: "exec_command" }, { type: "function", name: "apply_patch" }];
    const first = await events(await post("/v1/responses", { stream: true, tools, input: [{ role: "user", content: "MAKE_FILE" }] }));
    const item = first.at(-1)!.data.response.output[0];
    expect(item).toMatchObject({ type: "function_call", name: "exec_command" });
    expect(JSON.parse(item.arguments)).toEqual({ cmd: "touch made.txt" });
    expect(first.map((e) => e.event)).toContain("response.function_call_arguments.done");
    const input = [{ role: "user", content: "MAKE_FILE" }, item, { type: "function_call_output", call_id: item.call_id, output: "" }];
    const second = await events(await post("/v1/responses", { stream: true, tools, input }));
    expect(second.at(-1)!.data.response.output[0].content[0].text).toBe("Made. <promise>TASK_DONE</promise>");
  });

  test("shell {command: [bash, -lc, cmd]} when only `shell` is declared; plain JSON when not streaming", async () => {
    mock.setScript(TOOL_SCRIPT);
    const res = await post("/v1/responses", { stream: false, tools: [{ type: "function", name: "shell" }], input: [{ role: "user", content: "MAKE_FILE" }] });
    const body = (await res.json()) as any;
    expect(body.status).toBe("completed");
    expect(JSON.parse(body.output[0].arguments)).toEqual({ command: ["bash", "-lc", "touch made.txt"] });
  });
});

describe("Anthropic Messages (Claude Code)", () => {
  test("text: message_start … message_stop with end_turn", async () => {
    mock.setScript({ fallback: { text: "Hello" } });
    const evs = await events(await post("/v1/messages?beta=true", { model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }));
    expect(evs.map((e) => e.event)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(evs[2]!.data.delta).toEqual({ type: "text_delta", text: "Hello" });
    expect(evs[4]!.data.delta.stop_reason).toBe("end_turn");
  });

  test("tool call: Bash tool_use with input_json_delta; text after a tool_result", async () => {
    mock.setScript(TOOL_SCRIPT);
    const tools = [{ name: "Read" }, { name: "Bash" }];
    const evs = await events(await post("/v1/messages?beta=true", { stream: true, tools, messages: [{ role: "user", content: "MAKE_FILE" }] }));
    expect(evs[1]!.data.content_block).toMatchObject({ type: "tool_use", name: "Bash" });
    expect(JSON.parse(evs[2]!.data.delta.partial_json).command).toBe("touch made.txt");
    expect(evs[4]!.data.delta.stop_reason).toBe("tool_use");
    const messages = [
      { role: "user", content: "MAKE_FILE" },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "" }] },
    ];
    const res = await post("/v1/messages?beta=true", { stream: false, tools, messages });
    expect(((await res.json()) as any).content[0]).toEqual({ type: "text", text: "Made. <promise>TASK_DONE</promise>" });
  });

  test("count_tokens answers; HEAD /api/hello is a 404", async () => {
    expect(((await (await post("/v1/messages/count_tokens", { messages: [] })).json()) as any).input_tokens).toBe(10);
    expect((await fetch(`${mock.url}/api/hello`, { method: "HEAD" })).status).toBe(404);
  });
});

describe("Gemini generateContent (Gemini CLI)", () => {
  test("streamGenerateContent?alt=sse: data chunks with candidates and usageMetadata", async () => {
    mock.setScript({ fallback: { text: "G" } });
    const evs = await events(await post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", { contents: [{ role: "user", parts: [{ text: "hi" }] }] }));
    expect(evs[0]!.event).toBeNull();
    expect(evs[0]!.data.candidates[0].content.parts[0].text).toBe("G");
    expect(evs[0]!.data.usageMetadata.totalTokenCount).toBeGreaterThan(0);
  });

  test("tool call: run_shell_command functionCall; text after a functionResponse", async () => {
    mock.setScript(TOOL_SCRIPT);
    const tools = [{ functionDeclarations: [{ name: "read_file" }, { name: "run_shell_command" }] }];
    const url = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    const first = await events(await post(url, { tools, contents: [{ role: "user", parts: [{ text: "MAKE_FILE" }] }] }));
    expect(first[0]!.data.candidates[0].content.parts[0].functionCall).toMatchObject({ name: "run_shell_command", args: { command: "touch made.txt" } });
    const contents = [
      { role: "user", parts: [{ text: "MAKE_FILE" }] },
      { role: "model", parts: [{ functionCall: { name: "run_shell_command", args: {} } }] },
      { role: "user", parts: [{ functionResponse: { name: "run_shell_command", response: {} } }] },
    ];
    const second = await events(await post(url, { tools, contents }));
    expect(second[0]!.data.candidates[0].content.parts[0].text).toBe("Made. <promise>TASK_DONE</promise>");
  });

  test("generateContent with a JSON schema returns JSON that fits it (router, next-speaker checks)", async () => {
    mock.setScript({});
    const schema = {
      type: "object",
      properties: { complexity_reasoning: { type: "string" }, complexity_score: { type: "integer", minimum: 1 }, next_speaker: { type: "string", enum: ["user", "model"] } },
    };
    const res = await post("/v1beta/models/gemini-3.5-flash-lite:generateContent", { contents: [], generationConfig: { responseMimeType: "application/json", responseJsonSchema: schema } });
    const text = ((await res.json()) as any).candidates[0].content.parts[0].text;
    expect(JSON.parse(text)).toEqual({ complexity_reasoning: "mock", complexity_score: 1, next_speaker: "user" });
  });

  test("countTokens answers", async () => {
    expect(((await (await post("/v1beta/models/x:countTokens", {})).json()) as any).totalTokens).toBe(10);
  });
});

describe("Chat Completions (opencode)", () => {
  test("text: role chunk, content chunk, stop, usage chunk, [DONE]", async () => {
    mock.setScript({ fallback: { text: "C" } });
    const evs = await events(await post("/v1/chat/completions", { stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] }));
    expect(evs[0]!.data.choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(evs[1]!.data.choices[0].delta).toEqual({ content: "C" });
    expect(evs[2]!.data.choices[0].finish_reason).toBe("stop");
    expect(evs[3]!.data.choices).toEqual([]);
    expect(evs[3]!.data.usage.total_tokens).toBeGreaterThan(0);
    expect(evs.at(-1)!.data).toBe("[DONE]");
  });

  test("tool call: bash tool_calls with finish_reason tool_calls; text after a role:tool message", async () => {
    mock.setScript(TOOL_SCRIPT);
    const tools = [{ type: "function", function: { name: "bash" } }];
    const evs = await events(await post("/v1/chat/completions", { stream: true, tools, messages: [{ role: "user", content: "MAKE_FILE" }] }));
    expect(evs[1]!.data.choices[0].delta.tool_calls[0]).toMatchObject({ index: 0, type: "function", function: { name: "bash", arguments: "" } });
    expect(JSON.parse(evs[2]!.data.choices[0].delta.tool_calls[0].function.arguments).command).toBe("touch made.txt");
    expect(evs[3]!.data.choices[0].finish_reason).toBe("tool_calls");
    const messages = [{ role: "user", content: "MAKE_FILE" }, { role: "tool", tool_call_id: "c", content: "" }];
    const res = await post("/v1/chat/completions", { stream: false, tools, messages });
    expect(((await res.json()) as any).choices[0].message.content).toBe("Made. <promise>TASK_DONE</promise>");
  });
});

describe("errors, delays and silence", () => {
  test("an HTTP error gets each API's error body", async () => {
    mock.setScript({ fallback: { status: 401, message: "bad key" } });
    const anthropic = await post("/v1/messages", { messages: [] });
    expect(anthropic.status).toBe(401);
    expect(await anthropic.json()).toEqual({ type: "error", error: { type: "authentication_error", message: "bad key" } });
    const gemini = await post("/v1beta/models/m:generateContent", {});
    expect(await gemini.json()).toEqual({ error: { code: 401, message: "bad key", status: "UNAUTHENTICATED" } });
    const openai = await post("/v1/responses", {});
    expect(((await openai.json()) as any).error).toMatchObject({ message: "bad key", type: "invalid_request_error" });
  });

  test("a rate limit is a 429 with Retry-After and the rate-limit error types", async () => {
    mock.setScript({ rules: [{ times: 1, reply: { status: 429, retryAfter: 7 } }] });
    const limited = await post("/v1/chat/completions", { messages: [] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(((await limited.json()) as any).error.type).toBe("rate_limit_exceeded");
    expect((await post("/v1/chat/completions", { messages: [] })).status).toBe(200);
  });

  test("a slow reply waits delayMs before the first byte", async () => {
    mock.setScript({ fallback: { delayMs: 300 } });
    const started = performance.now();
    await (await post("/v1/chat/completions", { messages: [] })).text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  test("a silent reply never answers; the client gives up and the request is logged", async () => {
    mock.setScript({ fallback: { silent: true } });
    const before = mock.requests.length;
    const outcome = await post("/v1/messages", { messages: [] }, AbortSignal.timeout(300)).then(
      () => "answered",
      (error: Error) => error.name,
    );
    expect(outcome).toBe("TimeoutError");
    expect(mock.requests.slice(before).map((r) => r.answer)).toEqual(["silent"]);
  });

  test("every request is logged with method, URL, headers and body; unknown routes are 404", async () => {
    mock.setScript({});
    const before = mock.requests.length;
    await fetch(`${mock.url}/v1/responses`, { method: "POST", headers: { authorization: "Bearer sk-test" }, body: JSON.stringify({ input: [] }) });
    expect((await fetch(`${mock.url}/nowhere`, { method: "POST" })).status).toBe(404);
    const [logged, missing] = mock.requests.slice(before);
    expect(logged).toMatchObject({ method: "POST", url: "/v1/responses", api: "responses", body: { input: [] }, answer: "text" });
    expect(logged!.headers.authorization).toBe("Bearer sk-test");
    expect(missing).toMatchObject({ url: "/nowhere", answer: "not found" });
  });
});
