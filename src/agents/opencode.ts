// The `opencode` backend: opencode run headless (`opencode run --format json`), prompt on stdin.
import type { AttemptExit } from "../runner/types.ts";
import { num, obj, readJsonl, stderrSummary, str } from "./jsonl.ts";
import type { NativeOptions } from "./native-options.ts";
import type { AgentAdapter, AgentLaunch, AgentReply, LaunchRequest } from "./types.ts";
import { jsonLineMeter, reportedCost, type EventUsage, type UsageMeter } from "../usage/meter.ts";
import { totalTokens, usageOf, type Usage } from "../usage/record.ts";

/** The CLI this backend runs, and how to install it. */
export const OPENCODE_CLI = { binary: "opencode", install: "npm install -g opencode-ai" } as const;

/** Permission flags: opencode's own defaults let it edit the workdir; `--auto` approves every ask. */
const PERMISSION_ARGS = { workdir: [], bypass: ["--auto"] } as const;

/**
 * `opencode run --format json --title "seqorch task ID" <permissions> [--model M] [--agent A] [--session ID]
 * [extra]`; the prompt is read from stdin. The fixed title spares the title-generation request.
 */
export function opencodeArgv(request: LaunchRequest, options: NativeOptions): string[] {
  return [
    OPENCODE_CLI.binary,
    "run",
    "--format",
    "json",
    "--title",
    `seqorch task ${request.taskId}`,
    ...PERMISSION_ARGS[options.permission],
    ...(options.model ? ["--model", options.model] : []),
    ...(options.opencodeAgent ? ["--agent", options.opencodeAgent] : []),
    ...(options.resume && request.previousSessionId ? ["--session", request.previousSessionId] : []),
    ...options.extraArgs,
  ];
}

/**
 * opencode's usage: each `step_finish{part{tokens{input, output, reasoning, cache{read, write}}, cost}}`, summed
 * (reasoning counts as output). opencode reports a cost of 0 for a model it has no price for: then the cost is
 * unknown. Its stream names no model: the model is --model's (`provider/model`).
 */
export function opencodeUsage(fallbackModel: string | null = null): EventUsage {
  let sum: Usage | null = null;
  let cost = 0;
  return {
    event(event) {
      if (event.type !== "step_finish") return;
      const part = obj(event.part);
      const tokens = obj(part.tokens);
      const cache = obj(tokens.cache);
      sum ??= usageOf({}, fallbackModel);
      sum.input += num(tokens.input);
      sum.output += num(tokens.output) + num(tokens.reasoning);
      sum.cache_read += num(cache.read);
      sum.cache_write += num(cache.write);
      cost += num(part.cost);
    },
    usage() {
      if (!sum) return null;
      const known = reportedCost(cost, totalTokens(sum));
      return known === null ? { ...sum } : { ...sum, cost_usd: known, cost_source: "agent" };
    },
  };
}

/** A live meter of opencode's JSON stdout. */
export const opencodeMeter = (model: string | null = null): UsageMeter => jsonLineMeter(opencodeUsage(model), /"step_finish"/);

/**
 * opencode's JSON events, each `{type, sessionID, part}`: `step_start`, `text{part.text}`, `tool_use`,
 * `step_finish{part.tokens}`, `error{error{name, data{message, statusCode}}}`. The final message is the text
 * of the last message that had text.
 */
export async function parseOpencodeStream(outLog: string, errLog: string, exit: AttemptExit, model: string | null = null): Promise<AgentReply> {
  const usage = opencodeUsage(model);
  let sessionId: string | null = null;
  let text = "";
  let textMessage: string | undefined;
  let rateLimit: AgentReply["rateLimit"] = null;
  const errors: string[] = [];
  for await (const event of readJsonl(outLog)) {
    sessionId ??= str(event.sessionID) ?? null;
    usage.event(event);
    const part = obj(event.part);
    if (event.type === "text") {
      const messageId = str(part.messageID);
      const chunk = str(part.text) ?? "";
      text = messageId !== undefined && messageId === textMessage ? `${text}\n${chunk}` : chunk;
      textMessage = messageId;
    } else if (event.type === "error") {
      const error = obj(event.error);
      const data = obj(error.data);
      const status = num(data.statusCode);
      const message = str(data.message) ?? str(error.name) ?? "error";
      const detail = status ? `API error: ${status} ${message}` : message;
      errors.push(detail);
      if (status === 429) {
        const retryAfter = Number(obj(data.responseHeaders)["retry-after"]);
        const at = num(event.timestamp) || Date.now();
        rateLimit = { resetAt: Number.isFinite(retryAfter) && retryAfter > 0 ? at + retryAfter * 1000 : null, detail };
      }
    }
  }
  if (errors.length === 0 && exit.exitCode !== 0 && exit.exitCode !== null) {
    const detail = stderrSummary(errLog);
    if (detail) errors.push(detail);
  }
  return { finalMessage: text, sessionId, errors, usage: usage.usage(), rateLimit };
}

/** The opencode adapter. */
export function opencodeAdapter(options: NativeOptions): AgentAdapter {
  return {
    name: "opencode",
    buildLaunch: (request): AgentLaunch => ({ argv: opencodeArgv(request, options), env: {}, stdin: "prompt" }),
    parseReply: (outLog, errLog, exit) => parseOpencodeStream(outLog, errLog, exit, options.model ?? null),
    usageMeter: () => opencodeMeter(options.model ?? null),
  };
}
