// Named error types with typed data, the exit code each maps to, and the one place they are worded.

/** Exit codes (sysexits.h where one fits). 0/1/2 are run outcomes, not errors. */
export const ExitCode = {
  complete: 0,
  iterationLimit: 1,
  halted: 2,
  usage: 64,
  dataError: 65,
  noInput: 66,
  /** `seqorch doctor`: a backend's CLI is missing or does not answer (EX_UNAVAILABLE). */
  unavailable: 69,
  software: 70,
  cantCreate: 73,
  ioError: 74,
  tempFail: 75,
  sigint: 130,
  sigterm: 143,
} as const;

/** Base of every error seqorch reports to the user; `exitCode` is what the process exits with. */
export abstract class SeqorchError extends Error {
  abstract readonly exitCode: number;
  override readonly name: string = this.constructor.name;
}

/** A flag or argument is missing, unknown or out of range. */
export class UsageError extends SeqorchError {
  readonly exitCode = ExitCode.usage;
  constructor(readonly flag: string, readonly reason: string) {
    super(`${flag}: ${reason}`);
  }
}

/** tasks.md cannot be turned into a plan: `file:line: reason` (line 0: the whole file, `file: reason`). */
export class SpecParseError extends SeqorchError {
  readonly exitCode = ExitCode.dataError;
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

/** tasks.md is empty (or white space only): there is nothing to run. Not a success: exit 66 (EX_NOINPUT). */
export class EmptySpecError extends SeqorchError {
  readonly exitCode = ExitCode.noInput;
  constructor(readonly file: string) {
    super(`${file}: the file is empty: nothing to run (a task is a line like "- [ ] 1. Title")`);
  }
}

/** The spec folder, its tasks.md, or the workdir does not exist. */
export class SpecNotFoundError extends SeqorchError {
  readonly exitCode = ExitCode.noInput;
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
  }
}

/** A state file exists but does not parse or does not match the schema; it is left untouched. */
export class StateFileError extends SeqorchError {
  readonly exitCode = ExitCode.dataError;
  constructor(readonly file: string, readonly field: string, readonly reason: string) {
    super(`${file}: ${field ? `${field}: ` : ""}${reason}`);
  }
}

/** Writing a state, progress or tasks.md file failed (read-only or full disk); the previous file is intact. */
export class WriteError extends SeqorchError {
  readonly exitCode = ExitCode.cantCreate;
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: cannot write: ${reason}`);
  }
}

/** Another seqorch run holds the spec's lock. */
export class LockHeldError extends SeqorchError {
  readonly exitCode = ExitCode.tempFail;
  constructor(readonly file: string, readonly pid: number, readonly since: string, readonly host: string) {
    super(`${file}: another run (pid ${pid} on ${host}, started ${since}) is working on this spec`);
  }
}

/** The agent CLI a backend needs is not installed. */
export class AgentMissingError extends SeqorchError {
  readonly exitCode = ExitCode.noInput;
  constructor(readonly backend: string, readonly binary: string, readonly install: string) {
    super(`backend ${backend}: ${binary} not found on PATH (install: ${install})`);
  }
}

/** A session runner could not start or track an attempt (tmux missing or failing, spawn failure). */
export class RunnerError extends SeqorchError {
  readonly exitCode = ExitCode.software;
  constructor(readonly runner: "tmux" | "direct", readonly reason: string) {
    super(`${runner} runner: ${reason}`);
  }
}

/** The repository is not fit for parallel units (`--parallel N`): one line per problem found by the preflight. */
export class WorktreePreflightError extends SeqorchError {
  readonly exitCode = ExitCode.tempFail;
  constructor(readonly repo: string, readonly problems: readonly string[]) {
    super(problems.map((p) => `${repo}: ${p}`).join("\nseqorch: "));
  }
}

/**
 * `--worktree-setup` failed in a unit's new worktree: that unit alone is blocked (a `worktree_setup` decision), unless
 * `stopped` (the run was stopped while it ran: nothing to decide).
 */
export class WorktreeSetupError extends SeqorchError {
  readonly exitCode = ExitCode.tempFail;
  /** `stopped`: the run's stop ended the set-up (no decision: the next run runs it again). */
  constructor(readonly unit: string, readonly worktree: string, readonly exitStatus: number, readonly log: string, readonly stopped = false) {
    super(
      stopped
        ? `unit ${unit}: --worktree-setup was stopped in ${worktree} (log: ${log}); the next run runs it again`
        : `unit ${unit}: --worktree-setup exited ${exitStatus} in ${worktree} (log: ${log}); the worktree is kept`,
    );
  }
}

/** One line for the user: `seqorch: <message>`. Unknown errors get their message and a hint. */
export function formatError(error: unknown): string {
  if (error instanceof SeqorchError) return `seqorch: ${error.message}`;
  if (error instanceof Error) return `seqorch: internal error: ${error.message}`;
  return `seqorch: internal error: ${String(error)}`;
}

/** The exit code for an error thrown out of a command. */
export function exitCodeOf(error: unknown): number {
  return error instanceof SeqorchError ? error.exitCode : ExitCode.software;
}

/** A git command seqorch needs (status, commit, diff, stash) failed, or the repository cannot take commits. */
export class GitError extends SeqorchError {
  readonly exitCode = ExitCode.software;
  constructor(readonly command: string, readonly reason: string) {
    super(`git ${command}: ${reason}`);
  }
}

/** --commit (or --review) needs a repository on a branch with no merge, rebase, cherry-pick or revert in progress. */
export class RepoNotReadyError extends SeqorchError {
  readonly exitCode = ExitCode.tempFail;
  constructor(readonly workdir: string, readonly problem: string) {
    super(`${workdir}: ${problem}`);
  }
}
