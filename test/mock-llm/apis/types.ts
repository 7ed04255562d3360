// The shape every mocked API implements: how to read its requests and how to answer them.
import type { Turn } from "../script.ts";

/** A parsed request body (JSON). */
export type Body = Record<string, any>;

/** One LLM API as the mock speaks it. */
export interface MockApi {
  readonly name: "responses" | "anthropic" | "gemini" | "chat";
  /** The name of the declared shell tool, or null when the request declares none. */
  shellTool(body: Body): string | null;
  /** True when the conversation already holds the result of a tool call. */
  hasToolResult(body: Body): boolean;
  /** The answer for `turn`: streamed when the request asks for it (`stream` says so). */
  respond(body: Body, turn: Turn, stream: boolean, model: string): Response;
  /** The API's error body for an HTTP error `status`. */
  errorBody(status: number, message: string): unknown;
}

/** The error type names used in error bodies, by HTTP status. */
export function errorKind(status: number): { openai: string; anthropic: string; google: string } {
  if (status === 401) return { openai: "invalid_request_error", anthropic: "authentication_error", google: "UNAUTHENTICATED" };
  if (status === 403) return { openai: "invalid_request_error", anthropic: "permission_error", google: "PERMISSION_DENIED" };
  if (status === 429) return { openai: "rate_limit_exceeded", anthropic: "rate_limit_error", google: "RESOURCE_EXHAUSTED" };
  if (status === 529) return { openai: "server_error", anthropic: "overloaded_error", google: "UNAVAILABLE" };
  if (status >= 500) return { openai: "server_error", anthropic: "api_error", google: "INTERNAL" };
  return { openai: "invalid_request_error", anthropic: "invalid_request_error", google: "INVALID_ARGUMENT" };
}
