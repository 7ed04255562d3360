// Gemini API (Gemini CLI): POST /v1beta/models/{model}:streamGenerateContent?alt=sse and :generateContent.
import { tokens, type Turn } from "../script.ts";
import { frame, jsonResponse, sseResponse } from "../sse.ts";
import { errorKind, type Body, type MockApi } from "./types.ts";

function declaredTools(body: Body): string[] {
  const tools: Body[] = Array.isArray(body.tools) ? body.tools : [];
  return tools.flatMap((t) => (Array.isArray(t?.functionDeclarations) ? t.functionDeclarations.map((d: Body) => String(d?.name ?? "")) : []));
}

/** A value that satisfies a JSON schema well enough for Gemini CLI's internal JSON calls (router, next speaker). */
export function sampleOf(schema: Body | undefined): unknown {
  if (!schema || typeof schema !== "object") return "";
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = String(Array.isArray(schema.type) ? schema.type[0] : (schema.type ?? (schema.properties ? "object" : "string"))).toLowerCase();
  if (type === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Body>)) out[key] = sampleOf(sub);
    return out;
  }
  if (type === "array") return schema.minItems ? [sampleOf(schema.items)] : [];
  if (type === "integer" || type === "number") return Math.max(Number(schema.minimum ?? 1), 1);
  if (type === "boolean") return false;
  return "mock";
}

export const geminiApi: MockApi = {
  name: "gemini",
  shellTool(body) {
    const names = declaredTools(body);
    return names.find((n) => n === "run_shell_command") ?? names.find((n) => /shell/i.test(n)) ?? null;
  },
  hasToolResult(body) {
    const contents: Body[] = Array.isArray(body.contents) ? body.contents : [];
    return contents.some((c) => Array.isArray(c?.parts) && c.parts.some((p: Body) => p?.functionResponse !== undefined));
  },
  respond(body, turn: Turn, stream) {
    const config: Body = body.generationConfig ?? {};
    const schema = config.responseJsonSchema ?? config.responseSchema;
    const wantsJson = schema !== undefined || config.responseMimeType === "application/json";
    const part =
      turn.kind === "tool"
        ? { functionCall: { name: turn.tool, args: { command: turn.command, description: "Run the requested command" } } }
        : { text: wantsJson ? JSON.stringify(sampleOf(schema)) : turn.text };
    const inTokens = tokens(JSON.stringify(body.contents ?? ""));
    const outTokens = tokens(JSON.stringify(part));
    const reply = {
      candidates: [{ content: { role: "model", parts: [part] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: inTokens, candidatesTokenCount: outTokens, totalTokenCount: inTokens + outTokens },
      modelVersion: "mock",
    };
    return stream ? sseResponse([frame(reply)]) : jsonResponse(reply);
  },
  errorBody(status, message) {
    return { error: { code: status, message, status: errorKind(status).google } };
  },
};
