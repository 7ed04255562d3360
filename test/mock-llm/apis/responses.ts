// OpenAI Responses API (Codex): POST {base}/responses, SSE with named events and sequence numbers.
import { tokens, type Turn } from "../script.ts";
import { frame, jsonResponse, newId, sseResponse } from "../sse.ts";
import { errorKind, type Body, type MockApi } from "./types.ts";

const TOOL_RESULTS = new Set(["function_call_output", "custom_tool_call_output", "local_shell_call_output"]);

function toolNames(body: Body): string[] {
  return Array.isArray(body.tools) ? body.tools.map((t: Body) => String(t?.name ?? t?.type ?? "")) : [];
}

/** The function_call item for a shell command, shaped for whichever shell tool Codex declared. */
function toolItem(tool: string, command: string): Body {
  const args = tool === "exec_command" ? { cmd: command } : tool === "shell_command" ? { command } : { command: ["bash", "-lc", command] };
  return { type: "function_call", id: newId("fc_"), call_id: newId("call_"), name: tool, arguments: JSON.stringify(args), status: "completed" };
}

export const responsesApi: MockApi = {
  name: "responses",
  shellTool(body) {
    const names = toolNames(body);
    return ["exec_command", "shell_command", "shell"].find((n) => names.includes(n)) ?? null;
  },
  hasToolResult(body) {
    return Array.isArray(body.input) && body.input.some((i: Body) => TOOL_RESULTS.has(i?.type));
  },
  respond(body, turn: Turn, stream, model) {
    const id = newId("resp_");
    const item =
      turn.kind === "tool"
        ? toolItem(turn.tool, turn.command)
        : { type: "message", id: newId("msg_"), role: "assistant", status: "completed", content: [{ type: "output_text", text: turn.text, annotations: [] }] };
    const outTokens = tokens(turn.kind === "tool" ? turn.command : turn.text);
    const inTokens = tokens(JSON.stringify(body.input ?? ""));
    const usage = {
      input_tokens: inTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inTokens + outTokens,
    };
    const base = { id, object: "response", created_at: Math.floor(Date.now() / 1000), model };
    const completed = { ...base, status: "completed", output: [item], usage };
    if (!stream) return jsonResponse(completed);
    let seq = 0;
    const ev = (type: string, data: Body) => frame({ type, sequence_number: seq++, ...data }, type);
    const frames = [
      ev("response.created", { response: { ...base, status: "in_progress", output: [] } }),
      ev("response.in_progress", { response: { ...base, status: "in_progress", output: [] } }),
    ];
    if (turn.kind === "tool") {
      frames.push(
        ev("response.output_item.added", { output_index: 0, item: { ...item, arguments: "", status: "in_progress" } }),
        ev("response.function_call_arguments.delta", { item_id: item.id, output_index: 0, delta: item.arguments }),
        ev("response.function_call_arguments.done", { item_id: item.id, output_index: 0, arguments: item.arguments }),
      );
    } else {
      const part = { type: "output_text", text: "", annotations: [] };
      const at = { item_id: item.id, output_index: 0, content_index: 0 };
      frames.push(
        ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }),
        ev("response.content_part.added", { ...at, part }),
        ev("response.output_text.delta", { ...at, delta: turn.text }),
        ev("response.output_text.done", { ...at, text: turn.text }),
        ev("response.content_part.done", { ...at, part: { ...part, text: turn.text } }),
      );
    }
    frames.push(ev("response.output_item.done", { output_index: 0, item }), ev("response.completed", { response: completed }));
    return sseResponse(frames);
  },
  errorBody(status, message) {
    return { error: { message, type: errorKind(status).openai, code: status === 429 ? "rate_limit_exceeded" : String(status), param: null } };
  },
};
