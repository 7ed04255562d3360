// A real RunContext over a temporary repository for the worktree and merge actors: the real state store, plan
// reader, direct runner and command backend, the parallel gate from the real preflight. Also used by the child
// process of the kill -9 test (test/git/merge-child.ts), so it builds a context for an existing repository too.
import { join } from "node:path";
import { realpathSync } from "node:fs";
import { createPlanReader } from "../../src/actors/plan-reader.ts";
import { newRunMemory, type RunContext, type RunEvent, type RunPaths } from "../../src/actors/run-context.ts";
import { ownFiles } from "../../src/actors/runaway.ts";
import { createWorkdirGit } from "../../src/actors/workdir-changes.ts";
import { parallelGateOf } from "../../src/actors/worktree-gate.ts";
import { adapterFor } from "../../src/agents/registry.ts";
import { createDirectRunner } from "../../src/runner/direct.ts";
import type { DispatchUnit } from "../../src/spec/types.ts";
import { createStateStore, emptyState, loadState } from "../../src/store/state.ts";
import { commitAll, git, tempRepo, write } from "./temp-repo.ts";

/** What a test sets for the run. */
export interface ParallelOptions {
  n?: number;
  verify?: string[];
  worktreeSetup?: string | null;
  lenientWrites?: boolean;
  agentCommand?: string;
  /** --review with the command backend (the agent command plays every SEQORCH_ROLE), one reviewer per unit. */
  review?: boolean;
}

/** The paths of a run of `.kiro/specs/feat` in `repo` (state and progress in the spec folder, as by default). */
export function runPaths(repo: string): RunPaths {
  const specDir = join(realpathSync(repo), ".kiro/specs/feat");
  return {
    specDir,
    specName: "feat",
    tasksFile: join(specDir, "tasks.md"),
    requirementsFile: null,
    designFile: null,
    stateFile: join(specDir, "SEQUENTIAL_STATE.json"),
    progressFile: join(specDir, "SEQUENTIAL_PROGRESS.md"),
    attemptsDir: join(specDir, ".seqorch", "attempts"),
    pulseFile: join(specDir, "PROJECT_PULSE.md"),
    workdir: realpathSync(repo),
  };
}

/** A context for the spec in `repo` (its state file loaded when there is one); `events` collects what it reports. */
export async function contextFor(repo: string, options: ParallelOptions = {}): Promise<{ context: RunContext; events: RunEvent[] }> {
  const paths = runPaths(repo);
  const events: RunEvent[] = [];
  const planReader = createPlanReader(paths.tasksFile, {});
  planReader.read([]);
  const gate = await parallelGateOf({ parallel: options.n ?? 3, command: "run", worktreeSetup: options.worktreeSetup ?? undefined, lenientWrites: options.lenientWrites ?? false, commit: true }, paths, 0);
  const adapter = adapterFor("command", { agentCommand: options.agentCommand ?? "cat >/dev/null; echo '<promise>TASK_DONE</promise>'" });
  const review = options.review
    ? { reviewers: { standard: 1, complex: 1, "security-sensitive": 1 }, maxFixRounds: 3, backend: "command", adapter, fixAdapterFor: () => adapter, escalateBackend: "command", escalateAdapter: adapter }
    : null;
  const context: RunContext = {
    paths,
    planOptions: {},
    planReader,
    maxAttempts: 3,
    writeback: true,
    store: createStateStore(paths.stateFile, loadState(paths.stateFile) ?? emptyState(paths.specDir)),
    runner: createDirectRunner({ graceMs: 500 }),
    backend: "command",
    adapterFor: () => adapter,
    detachOnStop: false,
    adoptable: new Map(),
    requireChanges: false,
    workdirGit: createWorkdirGit(paths.workdir, ownFiles(paths)),
    maxLogBytes: 1 << 20,
    idleTimeoutMs: Number.POSITIVE_INFINITY,
    gates: { verify: options.verify ?? [], commit: true, review, pulse: false, haltOnDecision: true, onDecision: null, parallel: gate },
    memory: newRunMemory(),
    prices: {} as RunContext["prices"],
    limits: { maxTokens: null, maxCost: null, maxUnitTokens: null, maxUnitCost: null },
    startedAtMs: Date.now(),
    stopSignal: new AbortController().signal,
    report: (event) => events.push(event),
  };
  return { context, events };
}

/** tasks.md of `units` (id → writes), one top-level task each with its `_writes:` line. */
export function tasksText(units: Record<string, string[]>): string {
  return Object.entries(units)
    .map(([id, writes]) => `- [ ] ${id}. Unit ${id}\n${writes.length ? `  - _writes: ${writes.join(", ")}_\n` : ""}`)
    .join("");
}

/** A repository whose spec has `units`, plus `files`; a `.gitignore` for seqorch's files, committed. */
export function parallelRepo(units: Record<string, string[]>, files: Record<string, string> = {}): { repo: string; base: string } {
  const { repo } = tempRepo({ ".kiro/specs/feat/tasks.md": tasksText(units), ".gitignore": ".env\nSEQUENTIAL_*\n", ...files });
  return { repo, base: git(repo, "rev-parse", "HEAD").trim() };
}

/** The dispatch unit `id` of the run's plan. */
export function unitOf(context: RunContext, id: string): DispatchUnit {
  const unit = context.planReader.read([]).plan.units.find((u) => u.id === id);
  if (!unit) throw new Error(`no unit ${id}`);
  return unit;
}

/** What an agent does in a unit's worktree: write files and commit them as `unit <id>`. Returns the commit. */
export function agentCommits(worktree: string, id: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) write(worktree, file, text);
  return commitAll(worktree, `unit ${id}`);
}

/** Subjects of the integration branch's commits since `base`, oldest first. */
export function subjectsSince(repo: string, base: string, branch = "main"): string[] {
  return git(repo, "log", "--reverse", "--format=%s", `${base}..${branch}`).split("\n").filter(Boolean);
}
