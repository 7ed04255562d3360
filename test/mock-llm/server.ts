// A mock LLM server for the real-CLI tests: OpenAI Responses, Anthropic Messages, Gemini and Chat Completions
// on one 127.0.0.1 port, answering from a script (text with a signal, a shell tool call, HTTP errors, delays,
// silence) and logging every request.
import { appendFileSync } from "node:fs";
import { anthropicApi } from "./apis/anthropic.ts";
import { chatApi } from "./apis/chat.ts";
import { geminiApi } from "./apis/gemini.ts";
import { responsesApi } from "./apis/responses.ts";
import type { Body, MockApi } from "./apis/types.ts";
import { chooseReply, turnOf, type MockReply, type MockScript } from "./script.ts";
import { jsonResponse } from "./sse.ts";

/** One logged request. */
export interface LoggedRequest {
  time: string;
  method: string;
  url: string;
  api: MockApi["name"] | null;
  headers: Record<string, string>;
  body: Body | null;
  /** What the mock answered: "tool", "text", "error <status>", "silent", "not found". */
  answer: string;
}

export interface MockLlmOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  script?: MockScript;
  /** Also append each request as a JSON line to this file. */
  logFile?: string;
}

export interface MockLlm {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: LoggedRequest[];
  /** Replace the script (rule use counts start again). */
  setScript(script: MockScript): void;
  stop(): Promise<void>;
}

/** Which API a path belongs to, and the model named in it (Gemini). */
function route(path: string): { api: MockApi; model?: string; action?: string } | null {
  if (/\/responses$/.test(path)) return { api: responsesApi };
  if (/\/messages$/.test(path)) return { api: anthropicApi };
  if (/\/messages\/count_tokens$/.test(path)) return { api: anthropicApi, action: "count_tokens" };
  if (/\/chat\/completions$/.test(path)) return { api: chatApi };
  const gemini = /\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/.exec(path);
  if (gemini) return { api: geminiApi, model: decodeURIComponent(gemini[1]!), action: gemini[2]! };
  return null;
}

/** Start the mock. Resolves once it listens. */
export function startMockLlm(options: MockLlmOptions = {}): MockLlm {
  let script: MockScript = options.script ?? {};
  let used = new Map<number, number>();
  const requests: LoggedRequest[] = [];
  const pending = new Set<() => void>();

  const log = (entry: LoggedRequest) => {
    requests.push(entry);
    if (options.logFile) appendFileSync(options.logFile, `${JSON.stringify(entry)}\n`);
  };

  /** Wait `ms`, or until the client goes away or the server stops (returns false then). */
  const wait = (ms: number, signal: AbortSignal): Promise<boolean> =>
    new Promise((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        pending.delete(stop);
        signal.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      const stop = () => finish(false);
      const onAbort = () => finish(false);
      const timer = Number.isFinite(ms) ? setTimeout(() => finish(true), ms) : undefined;
      pending.add(stop);
      signal.addEventListener("abort", onAbort, { once: true });
    });

  async function answer(request: Request, reply: MockReply, respond: () => Response, error: () => Response): Promise<Response> {
    if (reply.delayMs && !(await wait(reply.delayMs, request.signal))) return new Response(null, { status: 499 });
    if (reply.silent) {
      await wait(Number.POSITIVE_INFINITY, request.signal);
      return new Response(null, { status: 499 });
    }
    return reply.status !== undefined ? error() : respond();
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const headers = Object.fromEntries(request.headers.entries());
      const entry: LoggedRequest = { time: new Date().toISOString(), method: request.method, url: url.pathname + url.search, api: null, headers, body: null, answer: "" };
      const found = request.method === "POST" ? route(url.pathname) : null;
      if (!found) {
        log({ ...entry, answer: "not found" });
        if (request.method === "GET" && /\/models$/.test(url.pathname)) return jsonResponse({ object: "list", data: [] });
        return jsonResponse({ error: { message: `mock: no route for ${request.method} ${url.pathname}`, code: 404 } }, 404);
      }
      let body: Body = {};
      try {
        body = (await request.json()) as Body;
      } catch {
        body = {};
      }
      const { api } = found;
      entry.api = api.name;
      entry.body = body;
      if (found.action === "countTokens" || found.action === "count_tokens") {
        log({ ...entry, answer: "count" });
        return jsonResponse(found.action === "countTokens" ? { totalTokens: 10 } : { input_tokens: 10 });
      }
      const reply = chooseReply(script, JSON.stringify(body), used, api.name);
      const stream = api.name === "gemini" ? found.action === "streamGenerateContent" : body.stream === true;
      const model = found.model ?? String(body.model ?? "mock-model");
      const turn = turnOf(reply, api.shellTool(body), api.hasToolResult(body));
      entry.answer = reply.silent ? "silent" : reply.status !== undefined ? `error ${reply.status}` : turn.kind;
      log(entry);
      return answer(
        request,
        reply,
        () => api.respond(body, turn, stream, model),
        () => {
          const status = reply.status!;
          const message = reply.message ?? (status === 429 ? "Rate limit reached (mock)" : `Mock API error ${status}`);
          const extra: Record<string, string> = reply.retryAfter !== undefined ? { "retry-after": String(reply.retryAfter) } : {};
          return jsonResponse(api.errorBody(status, message), status, extra);
        },
      );
    },
  });

  const port = server.port!;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    setScript(next) {
      script = next;
      used = new Map();
    },
    async stop() {
      for (const stop of [...pending]) stop();
      await server.stop(true);
    },
  };
}
