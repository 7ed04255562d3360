// What the mock LLM answers: a JSON-serialisable script of rules, and the choice of a reply for one request.

/** One scripted answer. With none of status/silent set it is a normal reply (a tool call, then the text). */
export interface MockReply {
  /** The final assistant text. Default: `Done. <promise>TASK_DONE</promise>`. */
  text?: string;
  /**
   * A shell command to request through the CLI's own shell tool before the final text. Asked for once per
   * conversation: when the request declares a shell tool and holds no tool result yet.
   */
  command?: string;
  /** Answer with this HTTP status and the API's error body instead (401, 500, 429 for a rate limit…). */
  status?: number;
  /** The error message that goes with `status`. */
  message?: string;
  /** Seconds sent in Retry-After (useful with status 429). */
  retryAfter?: number;
  /** Wait this long before the first byte of the answer. */
  delayMs?: number;
  /** Never answer: hold the request until the client gives up or the server stops. */
  silent?: boolean;
}

/** A reply for the requests whose conversation contains `match` (every request when absent). */
export interface MockRule {
  match?: string;
  reply: MockReply;
  /** Use this rule for at most this many requests, then skip it (e.g. one 429, then a normal reply). */
  times?: number;
  /** Only for requests to this API (one CLI limited while another answers, for fallback tests). */
  api?: "responses" | "anthropic" | "gemini" | "chat";
}

/** The whole script: the first rule that matches wins; `fallback` answers the rest. */
export interface MockScript {
  rules?: MockRule[];
  fallback?: MockReply;
}

export const DEFAULT_TEXT = "Done. <promise>TASK_DONE</promise>";

/** The reply for a request to `api` whose searchable text is `conversation`; counts uses in `used` (index → uses). */
export function chooseReply(script: MockScript, conversation: string, used: Map<number, number>, api?: MockRule["api"]): MockReply {
  const rules = script.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.api !== undefined && rule.api !== api) continue;
    if (rule.match !== undefined && !conversation.includes(rule.match)) continue;
    const uses = used.get(i) ?? 0;
    if (rule.times !== undefined && uses >= rule.times) continue;
    used.set(i, uses + 1);
    return rule.reply;
  }
  return script.fallback ?? {};
}

/** What the mock sends for one request, once the API-specific state (tools, tool results) is known. */
export type Turn = { kind: "text"; text: string } | { kind: "tool"; tool: string; command: string };

/** Decide between a tool call and the final text. `shellTool` is the declared shell tool's name, if any. */
export function turnOf(reply: MockReply, shellTool: string | null, hasToolResult: boolean): Turn {
  if (reply.command !== undefined && shellTool !== null && !hasToolResult) return { kind: "tool", tool: shellTool, command: reply.command };
  return { kind: "text", text: reply.text ?? DEFAULT_TEXT };
}

/** A rough token count for usage fields (4 characters a token). */
export const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));
