// The flags of `seqorch run` (citty definitions) and the zod schema that validates them.
import type { ArgsDef } from "citty";
import { z } from "zod/mini";
import { UsageError } from "../errors.ts";
import { envValue, loadFileLayers, type FileLayer, type Sourced } from "./config-layers.ts";
import { rejectUnknown, requireSpec } from "./flag-checks.ts";

// Kept in their own module so that commands checking only these (plan) do not build the run flags' schemas.
export { rejectUnknown, requireSpec };

/** citty definitions; every value arrives as a string or boolean and is validated by RunOptionsSchema. */
export const runArgs = {
  spec: { type: "string", description: "Spec folder (the one holding tasks.md), e.g. .kiro/specs/my-feature", valueHint: "DIR" },
  delay: { type: "string", description: "Seconds to wait between units (default 5)", valueHint: "S" },
  "max-iterations": { type: "string", description: "Stop after this many dispatches; exit 1 (default 50)", valueHint: "N" },
  "max-attempts": { type: "string", description: "Attempts per unit before the run halts (default 3)", valueHint: "N" },
  backend: { type: "string", description: "Backend that runs every unit, unless --assign-backend routes it (command, codex, claude, gemini, opencode, codeagent-wrapper; default: command)", valueHint: "NAME" },
  "agent-command": { type: "string", description: "With --backend command: the shell command to run; the prompt arrives on stdin", valueHint: "CMD" },
  "assign-backend": { type: "string", description: "Backend asked which owner agent each unit gets, routed by --assign-map; none: every unit uses --backend (default none)", valueHint: "NAME" },
  "assign-map": { type: "string", description: "Owner agent → backend for assigned units, over the defaults codex=codex,gemini=gemini,codex-review=codex; other agents and failed assignments use --backend", valueHint: "A=B,…" },
  "assign-opencode-agent": { type: "string", description: "opencode agent used for assignment (default gawain)", valueHint: "NAME" },
  model: { type: "string", description: "Model for the native backends: NAME for all, or codex=NAME,claude=NAME,… per backend (opencode also: CODEAGENT_OPENCODE_MODEL)", valueHint: "M" },
  "agent-args": { type: "string", description: "Extra arguments for every native backend's CLI (split like a shell would, no expansion)", valueHint: "ARGS" },
  "codex-args": { type: "string", description: "Extra arguments for codex only", valueHint: "ARGS" },
  "claude-args": { type: "string", description: "Extra arguments for claude only", valueHint: "ARGS" },
  "gemini-args": { type: "string", description: "Extra arguments for gemini only", valueHint: "ARGS" },
  "opencode-args": { type: "string", description: "Extra arguments for opencode only (its agent: CODEAGENT_OPENCODE_AGENT)", valueHint: "ARGS" },
  "dangerously-bypass-permissions": { type: "boolean", description: "Let agents run anything without approval or sandbox (codex also: CODEX_BYPASS_SANDBOX=1; the others: CODEAGENT_SKIP_PERMISSIONS=1). Default: edit files and run commands in the workdir without prompting, the narrowest way each CLI allows" },
  "resume-session": { type: "boolean", description: "A retry of a unit continues the previous attempt's agent session (native backends)" },
  "tmux-session": { type: "string", description: "tmux session name (default sequential-<spec name>)", valueHint: "NAME" },
  "tmux-socket": { type: "string", description: "tmux server socket name (tmux -L); default: your default server", valueHint: "NAME" },
  "keep-windows": { type: "boolean", description: "Keep the tmux windows of earlier runs' finished attempts (default: closed when the next run of the spec starts)" },
  workdir: { type: "string", description: "Where agents run (default: the repository root above .kiro/specs/<name>)", valueHint: "DIR" },
  tmux: { type: "boolean", description: "Run each attempt in a tmux window (--no-tmux: as a direct child process; also CODEAGENT_NO_TMUX=1)" },
  granularity: { type: "string", description: "unit: a task with all its sub-tasks per agent run (default); leaf: one run per leaf sub-task, so each gets its own commit", valueHint: "unit|leaf" },
  "include-optional": { type: "boolean", description: "Also run optional tasks (`- [ ]*`) (default: off)" },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json)", valueHint: "FILE" },
  "progress-file": { type: "string", description: "Progress log (default <spec>/SEQUENTIAL_PROGRESS.md)", valueHint: "FILE" },
  writeback: { type: "boolean", description: "Tick checkboxes in tasks.md (--no-writeback: leave tasks.md alone)" },
  "task-timeout": { type: "string", description: "Wall-clock limit of one attempt in seconds; the agent's process tree is ended (default 7200; also CODEX_TIMEOUT)", valueHint: "S" },
  "idle-timeout": { type: "string", description: "End an attempt with no output for this many seconds (default 1800; 0: never)", valueHint: "S" },
  "max-wait": { type: "string", description: "Longest total wait for rate limits on one unit before halting, seconds (default 21600)", valueHint: "S" },
  "max-log-bytes": { type: "string", description: "Keep each attempt's stdout and stderr logs under this many bytes, the tail kept (default 104857600)", valueHint: "N" },
  "require-changes": { type: "boolean", description: "A TASK_DONE with no change in the workdir (git), or with done boxes unticked by the agent, is a failed attempt (default: only flagged)" },
  "detach-on-stop": { type: "boolean", description: "On Ctrl-C/SIGTERM/SIGHUP, leave the running agent in its tmux window; the next run adopts it (default: end it)" },
  "on-halt": { type: "string", description: "Shell command run when the run halts (SEQORCH_EVENT, SEQORCH_REASON, SEQORCH_SUMMARY… in its environment)", valueHint: "CMD" },
  "on-complete": { type: "string", description: "Shell command run when every unit is done (same variables)", valueHint: "CMD" },
  "rate-limit-pattern": { type: "string", description: "Extra regular expression (matched at a line start of the agent's errors and last lines) that means a rate limit", valueHint: "RE" },
  // The multi-agent loop (issue 9): checks, commits and reviews around each unit; all off by default.
  verify: { type: "string", description: "Check run by seqorch (/bin/sh -c, in the workdir) after the agent says TASK_DONE; non-zero exit fails the attempt and its output goes into the next prompt. Repeatable (config: \"verify\": [...])", valueHint: "CMD" },
  "verify-timeout": { type: "string", description: "Wall-clock limit of the --verify checks after one TASK_DONE, all commands together, seconds (default 1800)", valueHint: "S" },
  commit: { type: "boolean", description: "One commit per unit holding only the files it changed (never tasks.md or seqorch's files); refuses a detached HEAD or a merge/rebase in progress" },
  review: { type: "boolean", description: "Review each unit after its checks (and commit) by independent agents, with a bounded fix loop; a unit that cannot pass becomes a decision (seqorch decisions)" },
  "review-backend": { type: "string", description: "Backend of the reviewers (default: the implementer's --backend)", valueHint: "NAME" },
  "review-agent-command": { type: "string", description: "With a command review backend: the reviewer's shell command (default --agent-command)", valueHint: "CMD" },
  "review-model": { type: "string", description: "Model of the reviewers (as --model)", valueHint: "M" },
  reviewers: { type: "string", description: "Reviewers per criticality (default standard=1,complex=2,security-sensitive=2)", valueHint: "C=N,…" },
  "max-fix-rounds": { type: "string", description: "Fix rounds before a unit goes to a human (default 3; rounds 3+ escalate)", valueHint: "N" },
  "escalate-backend": { type: "string", description: "Backend of fix rounds 3 and later (default: the review backend)", valueHint: "NAME" },
  "escalate-model": { type: "string", description: "Model of fix rounds 3 and later (as --model)", valueHint: "M" },
  pulse: { type: "boolean", description: "Keep PROJECT_PULSE.md beside tasks.md, rewritten after every unit event (on in orchestrate)" },
  "on-decision": { type: "string", description: "Shell command run when a unit needs a human decision (SEQORCH_DECISION_ID, SEQORCH_DECIDE_COMMAND… in its environment)", valueHint: "CMD" },
  // Budgets and fallbacks (src/usage): limits count the attempts of this run; tokens are all kinds (cache included).
  "max-tokens": { type: "string", description: "Halt (reason budget, exit 2) before a dispatch once this run's attempts used this many tokens; an attempt that crosses it is ended", valueHint: "N" },
  "max-cost": { type: "string", description: "Halt (reason budget, exit 2) before a dispatch once this run's attempts cost this many USD (known costs: the CLI's or the config file's prices)", valueHint: "USD" },
  "max-unit-tokens": { type: "string", description: "Tokens one unit's attempts may use in this run: an attempt that crosses it is ended (over-budget) and the run halts (reason budget)", valueHint: "N" },
  "max-unit-cost": { type: "string", description: "USD one unit's attempts may cost in this run (as --max-unit-tokens)", valueHint: "USD" },
  "fallback-backend": { type: "string", description: "Backends to try in turn when a unit's backend is rate- or usage-limited for longer than --fallback-after (not counted as an attempt; the next unit starts on its own backend). Models: --model's entry per backend", valueHint: "NAME,…" },
  "fallback-after": { type: "string", description: "Use a fallback backend when the limit's reset is more than this many seconds away (or unknown); sooner resets are waited out (default 300)", valueHint: "S" },
  // Parallel units in git worktrees (issue 10; src/actors/worktree-gate.ts).
  parallel: { type: "string", description: "Run up to N units whose _writes: manifests do not overlap at once, each in its own git worktree, merged in task-ID order (default 1 for run)", valueHint: "N" },
  "worktree-setup": { type: "string", description: "Shell command run in each new unit worktree before its agent (e.g. npm ci); its failure blocks that unit alone", valueHint: "CMD" },
  "lenient-writes": { type: "boolean", description: "A unit that changed files outside its _writes: manifest still merges, with a warning (default: a scope_violation decision)" },
  inspect: { type: "string", description: "Inspect the machine: --inspect (last, or --inspect=) for Stately Sky, --inspect=ws://HOST:PORT, --inspect=FILE.jsonl", valueHint: "TARGET" },
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

/** An amount of at least 0 (USD or tokens), given as a flag string. */
const amount = (flag: string, what: string) =>
  z.coerce.number({ error: `${flag} must be a number of ${what}` }).check(z.refine((n) => Number.isFinite(n) && n > 0, `${flag} must be more than 0 ${what}`));

/** The most units (and worktrees) a run keeps in flight. */
export const MAX_PARALLEL = 32;

/** --parallel when not given, per command: `run` one unit at a time; `orchestrate` 3, as seed 004's loop runs batches. */
export const DEFAULT_PARALLEL: Record<"run" | "orchestrate", number> = { run: 1, orchestrate: 3 };

/** The run's --parallel: the flag's value, else the command's default. */
export function parallelOf(options: Pick<RunOptions, "parallel" | "command">): number {
  return options.parallel ?? DEFAULT_PARALLEL[options.command];
}

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
  assignMap: z.optional(z.string()),
  model: z.optional(z.string()),
  agentArgs: z.optional(z.string()),
  codexArgs: z.optional(z.string()),
  claudeArgs: z.optional(z.string()),
  geminiArgs: z.optional(z.string()),
  opencodeArgs: z.optional(z.string()),
  bypassPermissions: z._default(z.boolean(), false),
  resumeSession: z._default(z.boolean(), false),
  /** CODEX_BYPASS_SANDBOX is truthy (the reference's full-bypass switch for codex). */
  codexBypassSandbox: z._default(z.boolean(), false),
  /** CODEAGENT_SKIP_PERMISSIONS is truthy (the reference's switch; here for claude, gemini, opencode). */
  skipPermissions: z._default(z.boolean(), false),
  /** CODEAGENT_OPENCODE_AGENT and CODEAGENT_OPENCODE_MODEL. */
  opencodeAgent: z.optional(z.string()),
  opencodeModel: z.optional(z.string()),
  tmuxSession: z.optional(z.string().check(z.minLength(1))),
  tmuxSocket: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, "--tmux-socket may only hold letters, digits, _ . -"))),
  keepWindows: z._default(z.boolean(), false),
  workdir: z.optional(z.string().check(z.minLength(1))),
  tmux: z._default(z.boolean(), true),
  includeOptional: z._default(z.boolean(), false),
  granularity: z._default(z.enum(["unit", "leaf"], { error: "--granularity must be unit or leaf" }), "unit"),
  stateFile: z.optional(z.string().check(z.minLength(1))),
  progressFile: z.optional(z.string().check(z.minLength(1))),
  writeback: z._default(z.boolean(), true),
  taskTimeoutSeconds: z._default(seconds("--task-timeout", 1), 7200),
  idleTimeoutSeconds: z._default(seconds("--idle-timeout", 0), 1800),
  maxWaitSeconds: z._default(seconds("--max-wait", 0), 21_600),
  maxLogBytes: z._default(count("--max-log-bytes", 4096), 104_857_600),
  requireChanges: z._default(z.boolean(), false),
  detachOnStop: z._default(z.boolean(), false),
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
  verify: z._default(z.array(z.string().check(z.minLength(1, "--verify needs a command"))), []),
  verifyTimeoutSeconds: z._default(seconds("--verify-timeout", 1), 1800),
  commit: z._default(z.boolean(), false),
  review: z._default(z.boolean(), false),
  reviewBackend: z.optional(z.string().check(z.minLength(1))),
  reviewAgentCommand: z.optional(z.string().check(z.minLength(1))),
  reviewModel: z.optional(z.string().check(z.minLength(1))),
  reviewers: z._default(
    z.string().check(z.regex(/^\s*(standard|complex|security-sensitive)=\d+\s*(,\s*(standard|complex|security-sensitive)=\d+\s*)*$/, "--reviewers takes standard=N,complex=N,security-sensitive=N")),
    "standard=1,complex=2,security-sensitive=2",
  ),
  maxFixRounds: z._default(count("--max-fix-rounds", 0), 3),
  escalateBackend: z.optional(z.string().check(z.minLength(1))),
  escalateModel: z.optional(z.string().check(z.minLength(1))),
  pulse: z._default(z.boolean(), false),
  onDecision: z.optional(z.string()),
  /** A decision halts the run (exit 2); `seqorch orchestrate` sets it off so only the unit and its dependents wait. */
  haltOnDecision: z._default(z.boolean(), true),
  /** Set by `seqorch orchestrate`: its name in messages. */
  command: z._default(z.enum(["run", "orchestrate"]), "run"),
  maxTokens: z.optional(amount("--max-tokens", "tokens")),
  maxCost: z.optional(amount("--max-cost", "USD")),
  maxUnitTokens: z.optional(amount("--max-unit-tokens", "tokens")),
  maxUnitCost: z.optional(amount("--max-unit-cost", "USD")),
  /** Backend names, in the order they are tried (checked against the registry when the run starts). */
  fallbackBackend: z.optional(z.string().check(z.regex(/^[a-z-]+(,[a-z-]+)*$/, "--fallback-backend takes backend names separated by commas (e.g. codex,gemini)"))),
  fallbackAfterSeconds: z._default(seconds("--fallback-after", 0), 300),
  /** --parallel N; absent: the command's default (DEFAULT_PARALLEL). */
  parallel: z.optional(count("--parallel", 1).check(z.refine((n) => n <= MAX_PARALLEL, `--parallel must be at most ${MAX_PARALLEL}`))),
  worktreeSetup: z.optional(z.string().check(z.minLength(1, "--worktree-setup needs a command"))),
  lenientWrites: z._default(z.boolean(), false),
  /** "" (a bare --inspect): Stately Sky; ws://…: a WebSocket inspector; anything else: a JSONL file. */
  inspect: z.optional(z.string().check(z.refine((t) => !t.startsWith("-"), "takes its target after `=` (--inspect=FILE.jsonl); a bare --inspect goes last"))),
});
export type RunOptions = z.infer<typeof RunOptionsSchema>;


/** Which RunOptions field each flag sets. */
export const OPTION_KEY = {
  spec: "spec",
  delay: "delaySeconds",
  "max-iterations": "maxIterations",
  "max-attempts": "maxAttempts",
  backend: "backend",
  "agent-command": "agentCommand",
  "assign-backend": "assignBackend",
  "assign-opencode-agent": "assignOpencodeAgent",
  "assign-map": "assignMap",
  model: "model",
  "agent-args": "agentArgs",
  "codex-args": "codexArgs",
  "claude-args": "claudeArgs",
  "gemini-args": "geminiArgs",
  "opencode-args": "opencodeArgs",
  "dangerously-bypass-permissions": "bypassPermissions",
  "resume-session": "resumeSession",
  "tmux-session": "tmuxSession",
  "tmux-socket": "tmuxSocket",
  "keep-windows": "keepWindows",
  workdir: "workdir",
  tmux: "tmux",
  "include-optional": "includeOptional",
  granularity: "granularity",
  "state-file": "stateFile",
  "progress-file": "progressFile",
  writeback: "writeback",
  "task-timeout": "taskTimeoutSeconds",
  "idle-timeout": "idleTimeoutSeconds",
  "max-wait": "maxWaitSeconds",
  "max-log-bytes": "maxLogBytes",
  "require-changes": "requireChanges",
  "detach-on-stop": "detachOnStop",
  "on-halt": "onHalt",
  "on-complete": "onComplete",
  "rate-limit-pattern": "rateLimitPattern",
  verify: "verify",
  "verify-timeout": "verifyTimeoutSeconds",
  commit: "commit",
  review: "review",
  "review-backend": "reviewBackend",
  "review-agent-command": "reviewAgentCommand",
  "review-model": "reviewModel",
  reviewers: "reviewers",
  "max-fix-rounds": "maxFixRounds",
  "escalate-backend": "escalateBackend",
  "escalate-model": "escalateModel",
  pulse: "pulse",
  "on-decision": "onDecision",
  "max-tokens": "maxTokens",
  "max-cost": "maxCost",
  "max-unit-tokens": "maxUnitTokens",
  "max-unit-cost": "maxUnitCost",
  "fallback-backend": "fallbackBackend",
  "fallback-after": "fallbackAfterSeconds",
  parallel: "parallel",
  "worktree-setup": "worktreeSetup",
  "lenient-writes": "lenientWrites",
  inspect: "inspect",
} as const satisfies Record<keyof typeof runArgs, keyof RunOptions>;

const FLAG_OF: Record<string, string> = Object.fromEntries(Object.entries(OPTION_KEY).map(([flag, key]) => [key, flag]));


/** A set environment variable that does not say no ("", "0", "false", "no", "off"). */
const truthyEnv = (value: string | undefined): boolean =>
  value !== undefined && !["", "0", "false", "no", "off"].includes(value.trim().toLowerCase());

/** Where each run setting came from (flag name → its value and source), for `seqorch config`. */
export type RunSources = Record<string, Sourced>;

/**
 * Resolve a run's options from its flags, the environment and the project files (in that order of precedence;
 * see config-layers.ts), validated by RunOptionsSchema. Throws UsageError naming the flag (and the source
 * of a bad value when it is not a flag).
 */
export function resolveRunOptions(
  args: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  layers?: FileLayer[],
): { options: RunOptions; sources: RunSources } {
  rejectUnknown(args, runArgs);
  for (const [name, def] of Object.entries(runArgs)) {
    const value = args[name];
    if (def.type === "string" && ((value === "" && name !== "inspect") || typeof value === "boolean")) throw new UsageError(`--${name}`, "needs a value");
    if (Array.isArray(value) && value.some((v) => v === "" || typeof v !== "string")) throw new UsageError(`--${name}`, "needs a value");
  }
  const fileLayers = layers ?? loadFileLayers(process.cwd(), new Set(Object.keys(runArgs)));
  const sources: RunSources = {};
  const get = (name: keyof typeof runArgs): string | boolean | string[] | undefined => {
    const flag = args[name];
    const found: Sourced | undefined =
      flag !== undefined
        ? { value: flag as string | boolean | string[], source: `flag --${name}` }
        : (envValue(name, runArgs[name].type, env) ??
          fileLayers.flatMap((l) => (l.values[name] !== undefined ? [{ value: l.values[name]!, source: l.file }] : []))[0]);
    if (found) sources[name] = found;
    return found?.value;
  };
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(OPTION_KEY) as [keyof typeof runArgs, keyof RunOptions][]) raw[key] = get(name);
  // Booleans without a value take their defaults: tmux and writeback on, the others off.
  raw.tmux = raw.tmux !== false;
  raw.writeback = raw.writeback !== false;
  raw.includeOptional = raw.includeOptional === true;
  raw.requireChanges = raw.requireChanges === true;
  raw.detachOnStop = raw.detachOnStop === true;
  raw.bypassPermissions = raw.bypassPermissions === true;
  raw.resumeSession = raw.resumeSession === true;
  raw.keepWindows = raw.keepWindows === true;
  raw.commit = raw.commit === true;
  raw.review = raw.review === true;
  raw.pulse = raw.pulse === true;
  raw.lenientWrites = raw.lenientWrites === true;
  // --verify is repeatable: a list from the flags or the config file, one command from the environment.
  raw.verify = raw.verify === undefined ? [] : typeof raw.verify === "string" ? [raw.verify] : raw.verify;
  // The reference's agent switches (reference-implementation.md §1), read as they are, not as flags.
  raw.codexBypassSandbox = truthyEnv(env.CODEX_BYPASS_SANDBOX);
  raw.skipPermissions = truthyEnv(env.CODEAGENT_SKIP_PERMISSIONS);
  raw.opencodeAgent = env.CODEAGENT_OPENCODE_AGENT || undefined;
  raw.opencodeModel = env.CODEAGENT_OPENCODE_MODEL || undefined;
  // A repository's own files must not be able to switch off every agent approval for whoever runs seqorch in it.
  const bypass = sources["dangerously-bypass-permissions"];
  if (bypass && bypass.value !== false && !bypass.source.startsWith("flag") && !bypass.source.startsWith("env")) {
    throw new UsageError(bypass.source, "dangerously-bypass-permissions can only be given as a flag or SEQORCH_DANGEROUSLY_BYPASS_PERMISSIONS, not in a project file");
  }
  const result = RunOptionsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? "");
    const flag = `--${FLAG_OF[key] ?? key}`;
    const given = sources[flag.slice(2)];
    const from = given && !given.source.startsWith("flag") ? ` from ${given.source}` : "";
    const got = given === undefined ? "" : ` (got ${JSON.stringify(given.value)}${from})`;
    throw new UsageError(flag, `${issue.message.replace(/^--[a-z-]+ /, "")}${got}`);
  }
  return { options: result.data, sources };
}

/** `standard=1,complex=2,security-sensitive=2` (validated by the schema) as numbers per criticality. */
export function reviewersOf(spec: string): Record<"standard" | "complex" | "security-sensitive", number> {
  const counts = { standard: 1, complex: 2, "security-sensitive": 2 };
  for (const part of spec.split(",")) {
    const [name, n] = part.split("=").map((p) => p.trim());
    if (name === "standard" || name === "complex" || name === "security-sensitive") counts[name] = Number(n);
  }
  return counts;
}

/**
 * The values of a repeatable string flag (`--verify A --verify B`, `--verify=A`) from the raw argv, in order:
 * citty keeps only the last one. Stops at `--`. Returns null when the flag is absent.
 */
export function repeatedFlag(rawArgs: readonly string[], name: string): string[] | null {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (arg === `--${name}`) values.push(rawArgs[++i] ?? "");
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  }
  return values.length ? values : null;
}

/** Turn citty's parsed args into validated RunOptions (flags, then environment, then project files). */
export function parseRunOptions(args: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env, layers?: FileLayer[]): RunOptions {
  return resolveRunOptions(args, env, layers).options;
}

