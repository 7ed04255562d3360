// The flags of `seqorch run` (citty definitions) and the zod schema that validates them.
import type { ArgsDef } from "citty";
import { z } from "zod/mini";
import { UsageError } from "../errors.ts";

/** citty definitions; every value arrives as a string or boolean and is validated by RunOptionsSchema. */
export const runArgs = {
  spec: { type: "string", description: "Spec folder (the one holding tasks.md), e.g. .kiro/specs/my-feature", valueHint: "DIR" },
  delay: { type: "string", description: "Seconds to wait between units (default 5)", valueHint: "S" },
  "max-iterations": { type: "string", description: "Stop after this many dispatches; exit 1 (default 50)", valueHint: "N" },
  "max-attempts": { type: "string", description: "Attempts per unit before the run halts (default 3)", valueHint: "N" },
  backend: { type: "string", description: "Backend that runs each unit (default: command)", valueHint: "NAME" },
  "agent-command": { type: "string", description: "With --backend command: the shell command to run; the prompt arrives on stdin", valueHint: "CMD" },
  "assign-backend": { type: "string", description: "Backend asked to assign units to agents; none: every unit uses --backend (default none)", valueHint: "NAME" },
  "assign-opencode-agent": { type: "string", description: "opencode agent used for assignment (default gawain)", valueHint: "NAME" },
  "tmux-session": { type: "string", description: "tmux session name (default sequential-<spec name>)", valueHint: "NAME" },
  "tmux-socket": { type: "string", description: "tmux server socket name (tmux -L); default: your default server", valueHint: "NAME" },
  workdir: { type: "string", description: "Where agents run (default: the repository root above .kiro/specs/<name>)", valueHint: "DIR" },
  tmux: { type: "boolean", description: "Run each attempt in a tmux window (--no-tmux: as a direct child process; also CODEAGENT_NO_TMUX=1)", default: true },
  "include-optional": { type: "boolean", description: "Also run optional tasks (`- [ ]*`)", default: false },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
  "progress-file": { type: "string", description: "Progress log (default <spec>/SEQUENTIAL_PROGRESS.md)", valueHint: "FILE" },
  writeback: { type: "boolean", description: "Tick checkboxes in tasks.md (--no-writeback: leave tasks.md alone)", default: true },
  "task-timeout": { type: "string", description: "Wall-clock limit of one attempt in seconds; the agent's process tree is ended (default 7200; also CODEX_TIMEOUT)", valueHint: "S" },
  "idle-timeout": { type: "string", description: "End an attempt with no output for this many seconds (default 1800; 0: never)", valueHint: "S" },
  "max-wait": { type: "string", description: "Longest total wait for rate limits on one unit before halting, seconds (default 21600)", valueHint: "S" },
  "max-log-bytes": { type: "string", description: "Keep each attempt's stdout and stderr logs under this many bytes, the tail kept (default 104857600)", valueHint: "N" },
  "require-changes": { type: "boolean", description: "A TASK_DONE with no change in the workdir (git), or with done boxes unticked by the agent, is a failed attempt (default: only flagged)", default: false },
  "on-halt": { type: "string", description: "Shell command run when the run halts (SEQORCH_EVENT, SEQORCH_REASON, SEQORCH_SUMMARY… in its environment)", valueHint: "CMD" },
  "on-complete": { type: "string", description: "Shell command run when every unit is done (same variables)", valueHint: "CMD" },
  "rate-limit-pattern": { type: "string", description: "Extra regular expression (matched at a line start of the agent's errors and last lines) that means a rate limit", valueHint: "RE" },
} as const satisfies ArgsDef;

/** A whole number of at least `min`, given as a flag string. */
const count = (flag: string, min: number) =>
  z.coerce.number({ error: `${flag} must be a number` }).check(
    z.refine((n) => Number.isInteger(n), `${flag} must be a whole number`),
    z.refine((n) => n >= min, `${flag} must be at least ${min}`),
  );

/** A number of seconds of at least `min`, given as a flag string. */
const seconds = (flag: string, min: number) =>
  z.coerce.number({ error: `${flag} must be a number of seconds` }).check(
    z.refine((n) => Number.isFinite(n) && n >= min, `${flag} must be at least ${min} seconds`),
  );

/** Validated options of a run. Units: delaySeconds in s. */
export const RunOptionsSchema = z.object({
  spec: z.string({ error: "--spec is required (the spec folder, e.g. .kiro/specs/my-feature)" }).check(z.minLength(1, "--spec is required")),
  delaySeconds: z._default(
    z.coerce.number({ error: "--delay must be a number of seconds" }).check(
      z.refine((n) => Number.isFinite(n) && n >= 0, "--delay must be 0 or more seconds"),
      z.refine((n) => n <= 86_400, "--delay must be at most 86400 seconds"),
    ),
    5,
  ),
  maxIterations: z._default(count("--max-iterations", 1), 50),
  maxAttempts: z._default(count("--max-attempts", 1), 3),
  backend: z._default(z.string().check(z.minLength(1)), "command"),
  agentCommand: z.optional(z.string()),
  assignBackend: z._default(z.string(), "none"),
  assignOpencodeAgent: z._default(z.string(), "gawain"),
  tmuxSession: z.optional(z.string().check(z.minLength(1))),
  tmuxSocket: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, "--tmux-socket may only hold letters, digits, _ . -"))),
  workdir: z.optional(z.string().check(z.minLength(1))),
  tmux: z._default(z.boolean(), true),
  includeOptional: z._default(z.boolean(), false),
  stateFile: z.optional(z.string().check(z.minLength(1))),
  progressFile: z.optional(z.string().check(z.minLength(1))),
  writeback: z._default(z.boolean(), true),
  taskTimeoutSeconds: z._default(seconds("--task-timeout", 1), 7200),
  idleTimeoutSeconds: z._default(seconds("--idle-timeout", 0), 1800),
  maxWaitSeconds: z._default(seconds("--max-wait", 0), 21_600),
  maxLogBytes: z._default(count("--max-log-bytes", 4096), 104_857_600),
  requireChanges: z._default(z.boolean(), false),
  onHalt: z.optional(z.string()),
  onComplete: z.optional(z.string()),
  rateLimitPattern: z.optional(
    z.string().check(
      z.refine((re) => {
        try {
          new RegExp(re);
          return true;
        } catch {
          return false;
        }
      }, "--rate-limit-pattern must be a valid regular expression"),
    ),
  ),
});
export type RunOptions = z.infer<typeof RunOptionsSchema>;

/**
 * The reference's CODEX_TIMEOUT in seconds: values above 10000 are milliseconds, others seconds, as its Go wrapper
 * reads them (reference-implementation.md §1). Undefined when unset or not a number.
 */
export function codexTimeoutSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return n > 10_000 ? n / 1000 : n;
}

const FLAG_OF: Record<string, string> = {
  maxLogBytes: "--max-log-bytes",
  taskTimeoutSeconds: "--task-timeout",
  idleTimeoutSeconds: "--idle-timeout",
  maxWaitSeconds: "--max-wait",
  delaySeconds: "--delay",
  maxIterations: "--max-iterations",
  maxAttempts: "--max-attempts",
  tmuxSocket: "--tmux-socket",
  spec: "--spec",
};

/** Reject flags citty accepted leniently: unknown names and stray positional words. Throws UsageError. */
export function rejectUnknown(args: Record<string, unknown>, known: ArgsDef): void {
  const names = new Set(Object.keys(known).flatMap((k) => [k, k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())]));
  for (const key of Object.keys(args)) {
    if (key === "_" || names.has(key) || names.has(key.replace(/^no-?/, "").replace(/^([A-Z])/, (c) => c.toLowerCase()))) continue;
    throw new UsageError(`--${key}`, "unknown flag (see --help)");
  }
  const extra = (args._ as string[] | undefined) ?? [];
  if (extra.length > 0) throw new UsageError(String(extra[0]), "unexpected argument (see --help)");
}

/** Turn citty's parsed args into validated RunOptions. Throws UsageError naming the flag. */
export function parseRunOptions(args: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): RunOptions {
  rejectUnknown(args, runArgs);
  const get = (name: string) => args[name];
  const noTmuxEnv = env.CODEAGENT_NO_TMUX !== undefined && !["", "0", "false"].includes(env.CODEAGENT_NO_TMUX.toLowerCase());
  for (const [name, def] of Object.entries(runArgs)) {
    const value = get(name);
    if (def.type === "string" && value === "") throw new UsageError(`--${name}`, "needs a value");
    if (def.type === "string" && typeof value === "boolean") throw new UsageError(`--${name}`, "needs a value");
  }
  const result = RunOptionsSchema.safeParse({
    spec: get("spec"),
    delaySeconds: get("delay"),
    maxIterations: get("max-iterations"),
    maxAttempts: get("max-attempts"),
    backend: get("backend"),
    agentCommand: get("agent-command"),
    assignBackend: get("assign-backend"),
    assignOpencodeAgent: get("assign-opencode-agent"),
    tmuxSession: get("tmux-session"),
    tmuxSocket: get("tmux-socket"),
    workdir: get("workdir"),
    tmux: get("tmux") !== false && !noTmuxEnv,
    includeOptional: get("include-optional") === true,
    stateFile: get("state-file"),
    progressFile: get("progress-file"),
    writeback: get("writeback") !== false,
    taskTimeoutSeconds: get("task-timeout") ?? codexTimeoutSeconds(env.CODEX_TIMEOUT),
    idleTimeoutSeconds: get("idle-timeout"),
    maxWaitSeconds: get("max-wait"),
    rateLimitPattern: get("rate-limit-pattern"),
    maxLogBytes: get("max-log-bytes"),
    requireChanges: get("require-changes") === true,
    onHalt: get("on-halt"),
    onComplete: get("on-complete"),
  });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? "");
    const flag = FLAG_OF[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(flag, `${issue.message.replace(/^--[a-z-]+ /, "")} (got ${JSON.stringify(args[flag.slice(2)] ?? null)})`);
  }
  return result.data;
}

/** `--spec` is required; citty's own check would exit 1, so commands check it here (UsageError, exit 64). */
export function requireSpec(spec: string | undefined): string {
  if (!spec) throw new UsageError("--spec", "is required (the spec folder, e.g. .kiro/specs/my-feature)");
  return spec;
}
