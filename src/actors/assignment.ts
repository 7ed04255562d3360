// The assigner actor's work: ask --assign-backend which type and owner agent a unit gets (the reference's
// prompt), validate the reply, cache it in the state file, and map the owner agent to a backend. A bad or
// missing reply falls back to --backend, visibly (a warning and a progress-log note).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod/mini";
import type { Assignment, UnitRef } from "../../machines/orchestrator.ts";
import { isBackendName, BACKEND_NAMES } from "../agents/registry.ts";
import type { AgentAdapter } from "../agents/types.ts";
import { UsageError } from "../errors.ts";
import { buildAssignPrompt } from "../prompt/assign-prompt.ts";
import { createDirectRunner } from "../runner/direct.ts";
import { appendProgressNote } from "../store/progress.ts";
import { safeName } from "./dispatcher.ts";
import type { RunContext } from "./run-context.ts";

/** The reference's owner agents and the backends it sends them to (AGENT_TO_BACKEND in dispatch_task.py). */
export const DEFAULT_ASSIGN_MAP: Readonly<Record<string, string>> = { codex: "codex", gemini: "gemini", "codex-review": "codex" };

/** How long the assignment call may take (the reference's subprocess timeout), ms. */
export const ASSIGN_TIMEOUT_MS = 180_000;

/** How the assignment step is set up for a run. */
export interface AssignConfig {
  /** The backend asked (--assign-backend), or "none": every unit runs on --backend, no call is made. */
  backend: string;
  /** Owner agent → backend (the defaults with --assign-map over them). */
  map: Readonly<Record<string, string>>;
  /** The adapter that runs the assignment call (built like the run's, with the --assign-opencode-agent). */
  adapter?: () => AgentAdapter;
  /** Map targets whose CLI is not installed: their units go to --backend, with a warning. */
  missing?: readonly string[];
  timeoutMs?: number;
  /** Which prompt: the reference's sequential one, or seed 004's (orchestrate: criticality, writes, reads too). */
  prompt?: "sequential" | "orchestrate";
}

/** No assignment: every unit runs on --backend. */
export const NO_ASSIGNMENT: AssignConfig = { backend: "none", map: DEFAULT_ASSIGN_MAP };

/** The reply the assignment prompt asks for, validated. */
const AssignmentEntrySchema = z.object({
  task_id: z.union([z.string(), z.number()]),
  type: z.enum(["code", "ui", "review"]),
  owner_agent: z.string().check(z.minLength(1)),
  /** How many reviewers the unit gets (--review); optional, standard when absent. */
  criticality: z.optional(z.enum(["standard", "complex", "security-sensitive"])),
  /** Seed 004's manifest (orchestrate): files the unit will write, and only read. */
  writes: z.optional(z.array(z.string())),
  reads: z.optional(z.array(z.string())),
});
/** The reference's sequential reply. */
export const AssignmentReplySchema = z.object({ assignments: z.array(AssignmentEntrySchema) });
/** Seed 004's reply (orchestrate's prompt). */
export const DispatchUnitsReplySchema = z.object({ dispatch_units: z.array(AssignmentEntrySchema) });

/**
 * --assign-map (`agent=backend,agent=backend`) over the defaults. Throws UsageError for a malformed entry or a
 * backend this build does not know.
 */
export function parseAssignMap(text: string | undefined): Record<string, string> {
  const map: Record<string, string> = { ...DEFAULT_ASSIGN_MAP };
  for (const entry of (text ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf("=");
    const agent = entry.slice(0, eq).trim();
    const backend = entry.slice(eq + 1).trim();
    if (eq < 0 || !agent || !backend) throw new UsageError("--assign-map", `"${entry}" is not agent=backend`);
    if (!isBackendName(backend)) throw new UsageError("--assign-map", `unknown backend "${backend}" (known: ${BACKEND_NAMES.join(", ")})`);
    map[agent] = backend;
  }
  return map;
}

/** The map as one line for the log: `codex→codex, gemini→gemini, …`. */
export function describeMap(map: Readonly<Record<string, string>>): string {
  return Object.entries(map).map(([agent, backend]) => `${agent}→${backend}`).join(", ");
}

/** The end of a JSON value that starts with `{` at `start` (strings and escapes respected), or -1. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  return -1;
}

/** Every JSON object in `text` (fenced ```json blocks included), outermost first, in order. */
export function extractJsonObjects(text: string): unknown[] {
  const found: unknown[] = [];
  for (let i = text.indexOf("{"); i >= 0; i = text.indexOf("{", i + 1)) {
    const end = objectEnd(text, i);
    if (end < 0) continue;
    try {
      found.push(JSON.parse(text.slice(i, end)));
      i = end - 1;
    } catch {
      // Not JSON from this brace (prose with braces): try the next one.
    }
  }
  return found;
}

/** The assignment of `unit` in an agent's reply, or why there is none. */
export function assignmentFromReply(reply: string, unit: UnitRef): { type: string; ownerAgent: string; criticality?: string; writes?: string[]; reads?: string[] } | { error: string } {
  const objects = extractJsonObjects(reply);
  if (objects.length === 0) return { error: reply.trim() ? "no JSON object in the reply" : "empty reply" };
  let firstIssue: string | null = null;
  for (const candidate of objects) {
    const seed004 = typeof candidate === "object" && candidate !== null && "dispatch_units" in candidate;
    const parsed = seed004 ? DispatchUnitsReplySchema.safeParse(candidate) : AssignmentReplySchema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      firstIssue ??= `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`;
      continue;
    }
    const entries = "dispatch_units" in parsed.data ? parsed.data.dispatch_units : parsed.data.assignments;
    const entry = entries.find((a) => String(a.task_id) === unit.id || String(a.task_id) === unit.key);
    if (!entry) return { error: `the reply has no assignment for task ${unit.id}` };
    return {
      type: entry.type,
      ownerAgent: entry.owner_agent,
      ...(entry.criticality ? { criticality: entry.criticality } : {}),
      ...(entry.writes ? { writes: entry.writes } : {}),
      ...(entry.reads ? { reads: entry.reads } : {}),
    };
  }
  return { error: `the reply does not match the expected JSON (${firstIssue})` };
}

/** The backend for `ownerAgent`: its map entry, else --backend (the reference's rule for unknown agents). */
function backendOf(config: AssignConfig, context: RunContext, ownerAgent: string): { backend: string; note: string | null } {
  const target = config.map[ownerAgent];
  if (target === undefined) return { backend: context.backend, note: null };
  if (config.missing?.includes(target)) return { backend: context.backend, note: `${target} is not installed` };
  return { backend: target, note: null };
}

/** Report and record a fallback to --backend. */
function fallBack(context: RunContext, config: AssignConfig, unit: UnitRef, reason: string): Assignment {
  const message = `assignment of unit ${unit.id} by ${config.backend} failed (${reason}); it runs on --backend ${context.backend}`;
  context.report({ type: "warning", message });
  appendProgressNote(context.paths.progressFile, `Assignment fell back ${new Date().toISOString()}`, [message]);
  context.store.update((state) => {
    state.assignments[unit.key] = { backend: context.backend, source: "fallback", reason };
  });
  context.memory.assignFellBack.add(unit.key);
  return { backend: context.backend, source: "fallback" };
}

/** Run the assignment call for `unit` directly (not in tmux); resolves with the agent's final message. */
async function askAgent(context: RunContext, config: AssignConfig, unit: UnitRef, signal: AbortSignal): Promise<{ message: string; problem: string | null }> {
  const adapter = config.adapter!();
  const dir = join(context.paths.attemptsDir, `assign-${safeName(unit.key)}`);
  mkdirSync(dir, { recursive: true });
  const promptFile = join(dir, "prompt.md");
  const outLog = join(dir, "out.log");
  const errLog = join(dir, "err.log");
  writeFileSync(promptFile, buildAssignPrompt(context.paths.tasksFile, context.paths.workdir, [{ id: unit.id, title: unit.title }], config.prompt ?? "sequential"));
  writeFileSync(outLog, "");
  writeFileSync(errLog, "");
  const launch = adapter.buildLaunch({ taskId: unit.key, specDir: context.paths.specDir, workdir: context.paths.workdir, attempt: 1, promptFile, previousSessionId: null });
  const runner = createDirectRunner({ graceMs: 2000 });
  const timeoutMs = config.timeoutMs ?? ASSIGN_TIMEOUT_MS;
  const handle = await runner.start({
    argv: launch.argv,
    env: launch.env,
    cwd: context.paths.workdir,
    stdinFile: launch.stdin === "prompt" ? promptFile : null,
    outLog,
    errLog,
    attemptDir: dir,
    windowName: `assign-${unit.key}`,
  });
  const timeout = AbortSignal.timeout(timeoutMs);
  const exit = await runner.wait(handle, AbortSignal.any([signal, context.stopSignal, timeout]));
  if (exit.reason === "aborted") {
    return { message: "", problem: timeout.aborted ? `no reply within ${Math.round(timeoutMs / 1000)} s` : "stopped" };
  }
  const reply = await adapter.parseReply(outLog, errLog, exit);
  if (exit.exitCode !== 0) {
    const detail = reply.errors.length > 0 ? `: ${reply.errors.join("; ")}` : "";
    return { message: reply.finalMessage, problem: `${config.backend} exited with code ${exit.exitCode ?? "none"}${detail} (log: ${outLog})` };
  }
  return { message: reply.finalMessage, problem: null };
}

/**
 * The backend for `unit`. With assignment off, --backend. Otherwise a cached LLM assignment (re-mapped with the
 * current map), or a new call to --assign-backend; a failed call or a bad reply falls back to --backend.
 */
export async function assignUnit(context: RunContext, config: AssignConfig, unit: UnitRef, signal: AbortSignal): Promise<Assignment> {
  if (config.backend === "none" || !config.adapter) return { backend: context.backend, source: "default" };
  const cached = context.store.get().assignments[unit.key];
  if (cached && (cached.source === "llm" || cached.source === "cache") && cached.owner_agent) {
    const { backend } = backendOf(config, context, cached.owner_agent);
    return { backend, ...(cached.type ? { type: cached.type } : {}), ownerAgent: cached.owner_agent, source: "cache" };
  }
  if (context.memory.assignFellBack.has(unit.key)) return { backend: context.backend, source: "fallback" };
  let asked: { message: string; problem: string | null };
  try {
    asked = await askAgent(context, config, unit, signal);
  } catch (error) {
    asked = { message: "", problem: `could not run ${config.backend}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (signal.aborted || context.stopSignal.aborted) return { backend: context.backend, source: "fallback" };
  if (asked.problem) return fallBack(context, config, unit, asked.problem);
  const found = assignmentFromReply(asked.message, unit);
  if ("error" in found) return fallBack(context, config, unit, found.error);
  const { backend, note } = backendOf(config, context, found.ownerAgent);
  if (note) {
    context.report({ type: "warning", message: `unit ${unit.id} is assigned to ${found.ownerAgent} but ${note}; it runs on --backend ${context.backend}` });
  }
  context.store.update((state) => {
    const { criticality, writes, reads } = found;
    state.assignments[unit.key] = { backend, type: found.type, owner_agent: found.ownerAgent, ...(criticality ? { criticality } : {}), ...(writes ? { writes } : {}), ...(reads ? { reads } : {}), source: "llm" };
  });
  return { backend, type: found.type, ownerAgent: found.ownerAgent, source: "llm" };
}

/**
 * The assignment set-up of a run: --assign-backend, --assign-map over the defaults, and the adapter builder for
 * the call (opencode asked with --assign-opencode-agent, as the reference does). Throws UsageError for an
 * unknown backend or a malformed map.
 */
export function assignConfigOf(
  flags: { assignBackend: string; assignMap?: string; assignOpencodeAgent: string },
  adapterFor: (backend: string, overrides: { opencodeAgent?: string }) => AgentAdapter,
): AssignConfig {
  const map = parseAssignMap(flags.assignMap);
  if (flags.assignBackend === "none") return { backend: "none", map };
  if (!isBackendName(flags.assignBackend)) {
    throw new UsageError("--assign-backend", `unknown backend "${flags.assignBackend}" (known: none, ${BACKEND_NAMES.join(", ")})`);
  }
  const backend = flags.assignBackend;
  const overrides = backend === "opencode" && flags.assignOpencodeAgent ? { opencodeAgent: flags.assignOpencodeAgent } : {};
  adapterFor(backend, overrides);
  return { backend, map, adapter: () => adapterFor(backend, overrides) };
}
