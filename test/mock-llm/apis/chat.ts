// OpenAI Chat Completions (opencode through @ai-sdk/openai-compatible): POST {base}/chat/completions.
import { tokens, type Turn } from "../script.ts";
import { frame, jsonResponse, newId, sseResponse } from "../sse.ts";
import { errorKind, type Body, type MockApi } from "./types.ts";

export const chatApi: MockApi = {
  name: "chat",
  shellTool(body) {
    const names: string[] = Array.isArray(body.tools) ? body.tools.map((t: Body) => String(t?.function?.name ?? t?.name ?? "")) : [];
    return names.find((n) => n === "bash") ?? names.find((n) => /bash|shell/i.test(n)) ?? null;
  },
  hasToolResult(body) {
    return Array.isArray(body.messages) && body.messages.some((m: Body) => m?.role === "tool");
  },
  respond(body, turn: Turn, stream, model) {
    const id = newId("chatcmpl-");
    const created = Math.floor(Date.now() / 1000);
    const inTokens = tokens(JSON.stringify(body.messages ?? ""));
    const outTokens = tokens(turn.kind === "tool" ? turn.command : turn.text);
    const usage = { prompt_tokens: inTokens, completion_tokens: outTokens, total_tokens: inTokens + outTokens };
    const call =
      turn.kind === "tool"
        ? { id: newId("call_"), type: "function", function: { name: turn.tool, arguments: JSON.stringify({ command: turn.command, description: "Run the requested command" }) } }
        : null;
    const finish = call ? "tool_calls" : "stop";
    if (!stream) {
      const message = call ? { role: "assistant", content: null, tool_calls: [call] } : { role: "assistant", content: turn.kind === "text" ? turn.text : "" };
      return jsonResponse({ id, object: "chat.completion", created, model, choices: [{ index: 0, message, finish_reason: finish }], usage });
    }
    const chunk = (choices: Body[], extra: Body = {}) => frame({ id, object: "chat.completion.chunk", created, model, choices, ...extra });
    const frames = [chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }])];
    if (call) {
      frames.push(
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }, finish_reason: null }]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] }, finish_reason: null }]),
      );
    } else if (turn.kind === "text") {
      frames.push(chunk([{ index: 0, delta: { content: turn.text }, finish_reason: null }]));
    }
    frames.push(chunk([{ index: 0, delta: {}, finish_reason: finish }]));
    if (body.stream_options?.include_usage !== false) frames.push(chunk([], { usage }));
    frames.push("data: [DONE]\n\n");
    return sseResponse(frames);
  },
  errorBody(status, message) {
    return { error: { message, type: errorKind(status).openai, code: status === 429 ? "rate_limit_exceeded" : String(status), param: null } };
  },
};
