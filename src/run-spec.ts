// Runs one spec to its end: resolve paths, take the lock, load or recover the state, pick a runner,
// run the orchestrator machine with the real actors, and write the final state.
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createActor, toPromise, type InspectionEvent, type SnapshotFrom } from "xstate";
import { orchestratorMachine, type FinalState, type HaltReason } from "../machines/orchestrator.ts";
import { createPlanReader } from "./actors/plan-reader.ts";
import { provideActions, provideActors } from "./actors/provide.ts";
import { recoverRun } from "./actors/recover-run.ts";
import { parallelGateOf } from "./actors/worktree-gate.ts";
import { recoverUnitWorktrees } from "./actors/worktree-recover.ts";
import { keptWorktreeLines } from "./actors/worktree-registry.ts";
import { refreshPulse } from "./actors/pulse-writer.ts";
import { newRunMemory, type ParallelGate, type ReviewGate, type RunContext, type RunEvent, type RunPaths } from "./actors/run-context.ts";
import { DEFAULT_RATE_LIMIT_PATTERNS } from "./agents/rate-limit.ts";
import { assignConfigOf, describeMap, type AssignConfig } from "./actors/assignment.ts";
import { backendOptionsOf, describePermissions, type BackendOptions } from "./agents/native-options.ts";
import { preflight } from "./agents/preflight.ts";
import { adapterFor, validateBackend } from "./agents/registry.ts";
import type { AgentAdapter } from "./agents/types.ts";
import { RepoNotReadyError, SpecNotFoundError, UsageError, WorktreePreflightError } from "./errors.ts";
import { repoProblem, type RepoProblem } from "./git/status.ts";
import { runHook } from "./hooks.ts";
import { createWorkdirGit } from "./actors/workdir-changes.ts";
import { ownFiles } from "./actors/runaway.ts";
import { machineClock } from "./machine-clock.ts";
import { parallelOf, reviewersOf, type RunOptions } from "./cli/run-options.ts";
import { createDirectRunner } from "./runner/direct.ts";
import { killGraceMs } from "./runner/process-tree.ts";
import { hurrySignal } from "./cli/stop-signal.ts";
import { createTmuxRunner, safeSessionName, tmuxAvailable } from "./runner/tmux.ts";
import type { SessionRunner } from "./runner/types.ts";
import { defaultStateFile, defaultWorkdir, locateSpec } from "./spec/locate.ts";
import { acquireLock } from "./store/lock.ts";
import { decideCommand, openDecisions } from "./store/pipeline.ts";
import { appendProgressNote, startProgress } from "./store/progress.ts";
import { lateProgressWritten } from "./actors/late-progress.ts";
import { checkStateSpec, countedAttempts, createStateStore, emptyState, loadStateAndIntents } from "./store/state.ts";
import { loadExchange } from "./store/rename-exchange.ts";
import { loadPriceTable } from "./usage/price-file.ts";
import type { BudgetLimits } from "./usage/budget.ts";
import { formatTotal, type UsageTotal } from "./usage/record.ts";
import { runUsage } from "./usage/totals.ts";

/** How a run ended. `exitCode`: 0 complete, 1 iteration limit, 2 halted, 130/143 stopped by a signal. */
export interface RunResult {
  final: FinalState;
  exitCode: number;
  haltReason: HaltReason | null;
  detail: string | null;
  unit: string | null;
  iterations: number;
  pending: number;
  paths: RunPaths;
  runner: "tmux" | "direct";
  tmuxSession: string | null;
  /** The log of the last attempt of the unit the run ended on (for "what to do next" after a halt). */
  lastLog: string | null;
  /** The error behind a `failed` run (rethrown by the caller to get its exit code). */
  error: unknown;
  /** Open decisions at the end of the run, each with the command that answers it. */
  decisions: { id: string; unit: string; kind: string; question: string; command: string }[];
  /** Tokens and cost of this run's attempts (src/usage/record.ts). */
  usage: UsageTotal;
  /** Unit worktrees kept for a person (--parallel), one line each: where, which branch, why, what to do. */
  keptWorktrees: string[];
}

/** Resolve every path of a run from its options. Throws SpecNotFoundError for a missing spec or workdir. */
export function resolveRunPaths(options: Pick<RunOptions, "spec" | "workdir" | "stateFile" | "progressFile">): RunPaths {
  const spec = locateSpec(options.spec);
  // The repository is found from where the spec really is: a symlinked --spec must not make the agent run here.
  const workdir = options.workdir ? resolve(options.workdir) : defaultWorkdir(realpathSync(spec.specDir));
  if (!existsSync(workdir) || !statSync(workdir).isDirectory()) throw new SpecNotFoundError(workdir, "workdir not found (--workdir)");
  const stateFile = resolve(options.stateFile ?? defaultStateFile(spec.specDir));
  return {
    specDir: spec.specDir,
    specName: spec.name,
    tasksFile: spec.tasksFile,
    requirementsFile: spec.requirementsFile,
    designFile: spec.designFile,
    stateFile,
    progressFile: resolve(options.progressFile ?? join(spec.specDir, "SEQUENTIAL_PROGRESS.md")),
    attemptsDir: join(dirname(stateFile), ".seqorch", "attempts"),
    pulseFile: join(spec.specDir, "PROJECT_PULSE.md"),
    workdir,
  };
}

/** The run's tmux session: --tmux-session, or `sequential-<spec name>` as the reference names it, made safe for tmux. */
function sessionNameOf(options: RunOptions, specName: string): string {
  return safeSessionName(options.tmuxSession ?? `sequential-${specName}`);
}

/**
 * The runner for `options`: tmux (its panes' end-of-attempt FIFO `signalFile` beside the attempts folder) or
 * direct, also when tmux is wanted but not available (with a warning).
 */
async function pickRunner(options: RunOptions, sessionName: string, signalFile: string, report: (e: RunEvent) => void): Promise<SessionRunner> {
  // A second Ctrl-C (hurrySignal) makes the runners SIGKILL every agent's tree before the process exits.
  const ending = { graceMs: killGraceMs(5_000), hurry: hurrySignal() };
  if (!options.tmux) return createDirectRunner(ending);
  if (await tmuxAvailable(options.tmuxSocket)) return createTmuxRunner({ sessionName, socket: options.tmuxSocket, keepWindows: options.keepWindows, signalFile, ...ending });
  report({ type: "warning", message: "tmux is not available: running agents as direct child processes (--no-tmux)" });
  return createDirectRunner(ending);
}

/** First backoff for a rate limit without a reset time, ms (SEQORCH_RATE_LIMIT_BACKOFF_MS; tests shorten it). */
function rateLimitBackoffMs(): number {
  const n = Number(process.env.SEQORCH_RATE_LIMIT_BACKOFF_MS);
  return Number.isFinite(n) && n > 0 ? n : 60_000;
}

const REPO_PROBLEM: Record<RepoProblem, string> = {
  "not-a-repository": "--commit needs a git repository, and this workdir is not in one",
  "detached-head": "--commit needs a branch, and HEAD is detached (git switch <branch> first)",
  merge: "--commit cannot start while a merge is in progress (git merge --continue or --abort first)",
  rebase: "--commit cannot start while a rebase is in progress (git rebase --continue or --abort first)",
  "cherry-pick": "--commit cannot start while a cherry-pick is in progress (git cherry-pick --continue or --abort first)",
  revert: "--commit cannot start while a revert is in progress (git revert --continue or --abort first)",
};

/** Refuse to start committing into a repository that cannot take commits. Throws RepoNotReadyError. */
async function checkRepoReady(workdir: string): Promise<void> {
  const problem = await repoProblem(workdir);
  if (problem) throw new RepoNotReadyError(workdir, REPO_PROBLEM[problem]);
}

const EXIT_OF: Record<FinalState, number> = { complete: 0, limitReached: 1, halted: 2, stopped: 130, failed: 70, waitingForDecisions: 2 };

/** Extra arguments that keep a reviewer read-only on the backends that have such a mode (appended last, so they win). */
const READ_ONLY_ARGS: Partial<Record<string, string>> = {
  codex: `-c sandbox_mode="read-only"`,
  claude: "--permission-mode plan",
};

/** The adapter of `name`, its options checked first (validateBackend). Throws UsageError naming one of `flags`. */
function checkedAdapter(name: string, options: BackendOptions, flags: { backend: string; command: string }): AgentAdapter {
  validateBackend(name, options, flags);
  return adapterFor(name, options, flags.backend);
}

/** The review gate of a run (--review), with the reviewers' and the escalation's adapters; null without --review. */
function reviewGateOf(options: RunOptions, backendOptions: BackendOptions): ReviewGate | null {
  if (!options.review) return null;
  const backend = options.reviewBackend ?? options.backend;
  const readOnly = READ_ONLY_ARGS[backend];
  const reviewOptions: BackendOptions = {
    ...backendOptions,
    agentCommand: options.reviewAgentCommand ?? options.agentCommand,
    ...(options.reviewModel ? { model: options.reviewModel } : {}),
    backendArgs: { ...backendOptions.backendArgs, ...(readOnly ? { [backend]: [backendOptions.backendArgs?.[backend], readOnly].filter(Boolean).join(" ") } : {}) },
  };
  const escalateBackend = options.escalateBackend ?? (options.reviewBackend && options.reviewBackend !== "command" ? options.reviewBackend : options.backend);
  const escalateOptions: BackendOptions = { ...backendOptions, ...(options.escalateModel ? { model: options.escalateModel } : {}) };
  return {
    reviewers: reviewersOf(options.reviewers),
    maxFixRounds: options.maxFixRounds,
    backend,
    adapter: checkedAdapter(backend, reviewOptions, { backend: "--review-backend", command: "--review-agent-command" }),
    fixAdapterFor: (name) => adapterFor(name, { ...backendOptions, resumeSession: true }),
    escalateBackend,
    escalateAdapter: checkedAdapter(escalateBackend, escalateOptions, { backend: "--escalate-backend", command: "--agent-command" }),
  };
}

/** The backends of one run, checked before it starts. */
interface RunBackends {
  backendOptions: BackendOptions;
  review: ReviewGate | null;
  assign: AssignConfig;
  /** What the progress log's start line says about assignment and permissions. */
  agentNotes: string[];
  /** --fallback-backend, in order. */
  fallbacks: string[];
}

/**
 * Check every backend a run may use (--backend, the reviewers', the escalation's, the assignment's and its map's)
 * with the adapters' own checks (validateBackend), and look for their CLIs. Throws UsageError naming the flag, or
 * AgentMissingError when the CLI of --backend or --assign-backend is not installed; a missing assignment target
 * is a warning (its units run on --backend).
 */
function prepareBackends(options: RunOptions, report: (e: RunEvent) => void): RunBackends {
  const backendOptions = backendOptionsOf(options, process.getuid?.() === 0);
  validateBackend(options.backend, backendOptions);
  const review = reviewGateOf(options, backendOptions);
  const assign = assignConfigOf(options, (name, overrides) => adapterFor(name, { ...backendOptions, ...overrides }, "--assign-backend"));
  const assigning = assign.backend !== "none";
  if (assigning && options.command === "orchestrate") assign.prompt = "orchestrate";
  if (assigning) validateBackend(assign.backend, backendOptions, { backend: "--assign-backend", command: "--agent-command" });
  for (const target of assigning ? Object.values(assign.map) : []) validateBackend(target, backendOptions, { backend: "--assign-map", command: "--agent-command" });
  // A fallback's own options (e.g. --agent-command for `command`) are checked now, not when a limit strikes at night.
  const fallbacks = fallbacksOf(options);
  for (const name of fallbacks) validateBackend(name, backendOptions, { backend: "--fallback-backend", command: "--agent-command" });
  // A missing CLI is an error before anything runs (also a fallback's: it was asked for by name); a missing
  // assignment target only reroutes its units.
  const { missing } = preflight([options.backend, ...(assigning ? [assign.backend] : []), ...fallbacks], assigning ? Object.values(assign.map) : []);
  assign.missing = missing;
  for (const backend of missing) report({ type: "warning", message: `${backend} is not installed: units assigned to it run on --backend ${options.backend}` });
  const agentNotes = [
    ...(assigning ? [`assignment by ${assign.backend}: ${describeMap(assign.map)}; other agents and failed assignments → ${options.backend}`] : []),
    describePermissions([options.backend, ...(assigning ? [assign.backend, ...Object.values(assign.map)] : [])], backendOptions),
  ].filter(Boolean);
  return { backendOptions, review, assign, agentNotes, fallbacks };
}

/**
 * The end of a run once its machine has stopped: the progress log's last entry, PULSE when decisions wait, the
 * --on-halt / --on-complete hook, and the result with the open decisions and their commands.
 */
function finishRun(context: RunContext, options: RunOptions, snapshot: SnapshotFrom<typeof orchestratorMachine>, session: string | null): RunResult {
  const { paths, store } = context;
  const final = snapshot.value as FinalState;
  const ctx = snapshot.context;
  const endedAt = new Date().toISOString();
  const detached = final === "stopped" && ctx.unit ? store.get().attempts[ctx.unit.key]?.findLast((a) => a.status === "running" && a.detached) : undefined;
  const detail = ctx.haltDetail ?? (final === "limitReached" ? `reached --max-iterations ${options.maxIterations}` : null);
  const usage = runUsage(store.get(), context.startedAtMs);
  const keptWorktrees = keptWorktreeLines(store.get());
  appendProgressNote(paths.progressFile, `Run ended ${endedAt}: ${final}`, [
    `Iterations this run: ${ctx.iteration}`,
    ...(usage.attempts > 0 ? [`Used this run: ${formatTotal(usage)}`] : []),
    ...(detached ? [`The agent of unit ${ctx.unit?.id} keeps running (--detach-on-stop): ${detached.window_id ? `tmux window ${detached.window_id}` : `pid ${detached.pid}`}; the next run adopts it`] : []),
    ...(detail ? [`Reason: ${detail}`] : []),
    ...keptWorktrees.map((line) => `Kept: ${line}`),
  ]);
  if (final === "waitingForDecisions") refreshPulse(context);
  const hook = final === "halted" ? options.onHalt : final === "complete" ? options.onComplete : undefined;
  if (hook) {
    const failure = runHook(hook, {
      event: final === "halted" ? "halt" : "complete",
      reason: final === "halted" ? (ctx.haltReason ?? "") : "complete",
      summary: final === "halted" ? `seqorch halted on ${paths.specName}: ${detail ?? ""}` : `seqorch finished ${paths.specName}: every unit done`,
      specDir: paths.specDir,
      unit: final === "halted" ? (ctx.unit?.id ?? null) : null,
      stateFile: paths.stateFile,
      progressFile: paths.progressFile,
    });
    if (failure) context.report({ type: "warning", message: `the ${final === "halted" ? "--on-halt" : "--on-complete"} hook did not start: ${failure}` });
  }
  return {
    final,
    exitCode: EXIT_OF[final],
    haltReason: ctx.haltReason,
    detail,
    unit: ctx.unit?.id ?? null,
    iterations: ctx.iteration,
    pending: ctx.pending,
    paths,
    runner: context.runner.kind,
    tmuxSession: session,
    lastLog: ctx.unit ? (store.get().attempts[ctx.unit.key]?.at(-1)?.log ?? null) : null,
    error: ctx.error,
    decisions: openDecisions(store.get().decisions).map((d) => {
      const id = context.planReader.read([]).plan.units.find((u) => u.key === d.unit)?.id ?? d.unit;
      return { id: d.id, unit: id, kind: d.kind, question: d.question, command: decideCommand(paths.specDir, id) };
    }),
    usage,
    keptWorktrees,
  };
}


/**
 * The run's parallel gate (--parallel N > 1), or null for one unit at a time. An explicit --parallel that the
 * preflight refuses (no git, a dirty tree, a detached HEAD…) throws its one line per problem (WorktreePreflightError);
 * orchestrate's default of 3 falls back to one unit at a time with a warning, since a dirty tree (a person's fix, a
 * killed run's work) is where the serial loop works fine.
 */
async function parallelGateOrSerial(options: RunOptions, paths: RunPaths, report: (e: RunEvent) => void): Promise<ParallelGate | null> {
  try {
    return await parallelGateOf(options, paths);
  } catch (error) {
    if (!(error instanceof WorktreePreflightError) || options.parallel !== undefined) throw error;
    report({ type: "warning", message: `running one unit at a time (orchestrate's default --parallel ${parallelOf(options)} needs a clean git checkout): ${error.problems.join("; ")}` });
    return null;
  }
}

/** --fallback-backend as a list of backend names, in order, without repeats. */
function fallbacksOf(options: RunOptions): string[] {
  return [...new Set((options.fallbackBackend ?? "").split(",").filter(Boolean))];
}

/** The run's spending limits from its flags. */
function limitsOf(options: RunOptions): BudgetLimits {
  return {
    maxTokens: options.maxTokens ?? null,
    maxCost: options.maxCost ?? null,
    maxUnitTokens: options.maxUnitTokens ?? null,
    maxUnitCost: options.maxUnitCost ?? null,
  };
}

/**
 * Run the spec described by `options` until it is complete, halted, out of iterations or stopped.
 * Throws SpecNotFoundError, SpecParseError, StateFileError, LockHeldError, UsageError before anything runs;
 * errors during the run end it in the `failed` state (returned, with `error`).
 * `hooks.inspect` receives the machine's inspection events (--inspect).
 */
export async function runSpec(
  options: RunOptions,
  report: (e: RunEvent) => void,
  stopSignal: AbortSignal,
  hooks: { inspect?: (event: InspectionEvent) => void } = {},
): Promise<RunResult> {
  const paths = resolveRunPaths(options);
  const planOptions = { includeOptional: options.includeOptional, granularity: options.granularity };
  const planReader = createPlanReader(paths.tasksFile, planOptions);
  planReader.read([]);
  if (options.commit) await checkRepoReady(paths.workdir);
  const parallel = await parallelGateOrSerial(options, paths, report);
  if (parallel && options.detachOnStop) throw new UsageError("--detach-on-stop", `cannot be used with --parallel ${parallel.n} (a stop ends every unit's agent)`);
  if (parallel && options.fallbackBackend) throw new UsageError("--fallback-backend", `cannot be used with --parallel ${parallel.n} yet (a rate-limited unit waits out its limit)`);
  const { backendOptions, review, assign, agentNotes, fallbacks } = prepareBackends(options, report);
  // The review loop diffs from the unit's start commit, so it needs git even without --commit.
  if (review && !options.commit && (await repoProblem(paths.workdir)) === "not-a-repository") throw new RepoNotReadyError(paths.workdir, REPO_PROBLEM["not-a-repository"].replace("--commit", "--review"));
  for (const [label, file] of [["requirements.md", paths.requirementsFile], ["design.md", paths.designFile]] as const) {
    if (!file) report({ type: "warning", message: `${paths.specDir} has no ${label}; the prompt says so` });
  }
  const prices = loadPriceTable(process.cwd());
  const lock = acquireLock(`${paths.stateFile}.lock`);
  let runner: SessionRunner | null = null;
  let context: RunContext | null = null;
  try {
    if (lock.tookOverFrom) {
      report({ type: "warning", message: `took over the lock of a run that is gone (pid ${lock.tookOverFrom.pid}, started ${lock.tookOverFrom.since})` });
    }
    const loaded = loadStateAndIntents(paths.stateFile);
    if (loaded) checkStateSpec(loaded.state, paths.specDir, paths.stateFile);
    const store = createStateStore(paths.stateFile, loaded?.state ?? emptyState(paths.specDir), { intents: loaded?.intents ?? 0, exchange: loadExchange() });
    runner = await pickRunner(options, sessionNameOf(options, paths.specName), join(dirname(paths.attemptsDir), "tmux-signals"), report);
    const session = runner.kind === "tmux" ? sessionNameOf(options, paths.specName) : null;
    report({
      type: "run-started",
      specName: paths.specName,
      runner: runner.kind,
      attach: session ? `tmux ${options.tmuxSocket ? `-L ${options.tmuxSocket} ` : ""}attach -t ${session}` : null,
    });
    context = {
      paths,
      planOptions,
      planReader,
      maxAttempts: options.maxAttempts,
      writeback: options.writeback,
      store,
      runner,
      backend: options.backend,
      adapterFor: (name) => adapterFor(name, backendOptions),
      stopSignal,
      report,
      prices,
      limits: limitsOf(options),
      startedAtMs: Date.now(),
      maxLogBytes: options.maxLogBytes,
      requireChanges: options.requireChanges,
      workdirGit: createWorkdirGit(paths.workdir, ownFiles(paths)),
      detachOnStop: options.detachOnStop,
      adoptable: new Map(),
      idleTimeoutMs: options.idleTimeoutSeconds > 0 ? options.idleTimeoutSeconds * 1000 : Number.POSITIVE_INFINITY,
      rateLimitPatterns: options.rateLimitPattern
        ? [new RegExp(options.rateLimitPattern, "i"), ...DEFAULT_RATE_LIMIT_PATTERNS]
        : undefined,
      memory: newRunMemory(),
      gates: { verify: options.verify, commit: options.commit, review, pulse: options.pulse, haltOnDecision: options.haltOnDecision, onDecision: options.onDecision ?? null, parallel },
    };
    const notes = await recoverRun(context);
    // What a killed parallel run left in git: merges cut short undone (or finished), stray worktrees removed.
    if (parallel || Object.keys(store.get().worktrees ?? {}).length > 0) notes.push(...(await recoverUnitWorktrees(context)).notes);
    // The starts a killed run journalled are now in the state file (as recovery recorded them): the journal goes.
    store.settle();
    for (const message of notes) report({ type: "warning", message });
    const startedAt = new Date().toISOString();
    startProgress(paths.progressFile, paths.specDir, startedAt, `pid ${process.pid}, backend ${options.backend}, runner ${runner.kind}${[...agentNotes, ...notes].map((n) => `; ${n}`).join("")}`);
    const attempts: Record<string, number> = {};
    // An adopted attempt is counted again when the machine dispatches (adopts) it.
    for (const key of Object.keys(store.get().attempts)) attempts[key] = countedAttempts(store.get(), key) - (context.adoptable.has(key) ? 1 : 0);
    const actor = createActor(orchestratorMachine.provide({ actors: provideActors(context, assign), actions: provideActions(context) }), {
      input: {
        maxIterations: options.maxIterations,
        maxAttempts: options.maxAttempts,
        delayMs: options.delaySeconds * 1000,
        taskTimeoutMs: options.taskTimeoutSeconds * 1000,
        maxWaitMs: options.maxWaitSeconds * 1000,
        rateLimitBackoffMs: rateLimitBackoffMs(),
        attempts,
        detachOnStop: options.detachOnStop,
        verify: options.verify.length > 0,
        verifyTimeoutMs: options.verifyTimeoutSeconds * 1000,
        commit: options.commit,
        review: review ? { maxFixRounds: review.maxFixRounds } : null,
        haltOnDecision: options.haltOnDecision,
        fallbacks,
        fallbackAfterMs: options.fallbackAfterSeconds * 1000,
        parallel: parallel?.n ?? 1,
      },
      inspect: hooks.inspect,
      clock: machineClock,
    });
    const onStop = () => actor.send({ type: "STOP" });
    stopSignal.addEventListener("abort", onStop, { once: true });
    actor.start();
    if (stopSignal.aborted) onStop();
    await toPromise(actor);
    stopSignal.removeEventListener("abort", onStop);
    if (context.memory.endError) throw context.memory.endError;
    await lateProgressWritten(context); // the last unit's entry, before the run's end is written
    store.settle();
    return finishRun(context, options, actor.getSnapshot(), session);
  } finally {
    // A deferred progress entry is still written when the run ends in an error (whose own error is the one thrown).
    if (context) await lateProgressWritten(context).catch(() => {});
    await runner?.close();
    lock.release();
  }
}
