// A disposable git repository for the git-module tests: a spec folder, a first commit, and a helper to run git.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const made: string[] = [];

/** Runs git synchronously in `cwd`; throws with git's output when it fails. */
export function git(cwd: string, ...args: string[]): string {
  const proc = Bun.spawnSync(["git", ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C" } });
  if (proc.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${proc.stderr.toString()}${proc.stdout.toString()}`);
  return proc.stdout.toString();
}

/** Writes a file (parents made) under `root`. */
export function write(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

/** Stages everything and commits in `cwd`; returns the new HEAD. */
export function commitAll(cwd: string, message: string): string {
  git(cwd, "add", "-A");
  git(cwd, "commit", "-q", "-m", message);
  return git(cwd, "rev-parse", "HEAD").trim();
}

/** A new repository on branch `main` with `.kiro/specs/feat/tasks.md`, `src/shared.ts` and a first commit. */
export function tempRepo(files: Record<string, string> = {}): { repo: string; specDir: string; specRel: string; base: string } {
  const repo = mkdtempSync(join(tmpdir(), "seqorch-git-"));
  made.push(repo);
  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "user.name", "Test");
  git(repo, "config", "user.email", "test@example.com");
  git(repo, "config", "commit.gpgsign", "false");
  const specRel = ".kiro/specs/feat";
  write(repo, `${specRel}/tasks.md`, "- [ ] 1. One\n- [ ] 2. Two\n");
  write(repo, "src/shared.ts", "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n");
  for (const [file, text] of Object.entries(files)) write(repo, file, text);
  const base = commitAll(repo, "first");
  return { repo, specDir: join(repo, specRel), specRel, base };
}

/** Removes every repository this test file made. */
export function removeRepos(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
