// Anthropic Messages API (Claude Code): POST /v1/messages, SSE with named events.
import { tokens, type Turn } from "../script.ts";
import { frame, jsonResponse, newId, sseResponse } from "../sse.ts";
import { errorKind, type Body, type MockApi } from "./types.ts";

function hasBlock(body: Body, type: string): boolean {
  return (Array.isArray(body.messages) ? body.messages : []).some(
    (m: Body) => Array.isArray(m?.content) && m.content.some((b: Body) => b?.type === type),
  );
}

export const anthropicApi: MockApi = {
  name: "anthropic",
  shellTool(body) {
    const names: string[] = Array.isArray(body.tools) ? body.tools.map((t: Body) => String(t?.name ?? "")) : [];
    return names.find((n) => n === "Bash") ?? names.find((n) => /bash|shell/i.test(n)) ?? null;
  },
  hasToolResult: (body) => hasBlock(body, "tool_result"),
  respond(body, turn: Turn, stream, model) {
    const id = newId("msg_");
    const block =
      turn.kind === "tool"
        ? { type: "tool_use", id: newId("toolu_"), name: turn.tool, input: { command: turn.command, description: "Run the requested command" } }
        : { type: "text", text: turn.text };
    const stopReason = turn.kind === "tool" ? "tool_use" : "end_turn";
    const inTokens = tokens(JSON.stringify(body.messages ?? ""));
    const outTokens = tokens(turn.kind === "tool" ? turn.command : turn.text);
    const usage = { input_tokens: inTokens, output_tokens: outTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (!stream) {
      return jsonResponse({ id, type: "message", role: "assistant", model, content: [block], stop_reason: stopReason, stop_sequence: null, usage });
    }
    const delta =
      block.type === "tool_use"
        ? { type: "input_json_delta", partial_json: JSON.stringify(block.input) }
        : { type: "text_delta", text: turn.kind === "text" ? turn.text : "" };
    const start = block.type === "tool_use" ? { ...block, input: {} } : { type: "text", text: "" };
    const ev = (type: string, data: Body) => frame({ type, ...data }, type);
    return sseResponse([
      ev("message_start", {
        message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
      }),
      ev("content_block_start", { index: 0, content_block: start }),
      ev("content_block_delta", { index: 0, delta }),
      ev("content_block_stop", { index: 0 }),
      ev("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outTokens } }),
      ev("message_stop", {}),
    ]);
  },
  errorBody(status, message) {
    return { type: "error", error: { type: errorKind(status).anthropic, message } };
  },
};
