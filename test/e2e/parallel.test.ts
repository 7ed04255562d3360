// --parallel N end to end: the compiled binary, real git worktrees, real tmux (a private server), scripted agents.
// Issue 10 "Done means": the speed-up with a linear history, overlapping edits that nothing loses, a unit writing
// outside its manifest, and kill -9 in the middle of a batch and of a merge.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, cleanUp, makeSpec, privateTmux, seqorch, tempDir, GIT_ENV, git } from "./harness.ts";
import { loadState } from "../../src/store/state.ts";

afterAll(cleanUp);



/** A repository with one commit holding `tasks` as the spec and a README, on branch main. */
function repoWith(tasks: string): { root: string; spec: string } {
  const made = makeSpec(tasks);
  git(made.root, "init", "-q", "-b", "main");
  writeFileSync(join(made.root, "README.md"), "# r\n");
  writeFileSync(join(made.root, "shared.txt"), "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n");
  git(made.root, "add", "-A");
  git(made.root, "commit", "-qm", "init");
  return made;
}

/** `n` units, unit i declaring `_writes: src/u<i>.ts_`. */
function disjointTasks(n: number): string {
  return ["# Tasks", "", ...Array.from({ length: n }, (_, i) => `- [ ] ${i + 1}. Unit ${i + 1}\n  - _writes: src/u${i + 1}.ts_`)].join("\n") + "\n";
}

/** An agent that sleeps `seconds`, then writes its unit's file (and whatever `extra` adds), then says TASK_DONE. */
function agentScript(seconds: number, extra = ""): string {
  const script = join(tempDir(), "agent.sh");
  writeFileSync(
    script,
    `#!/bin/sh\ncat > /dev/null\nsleep ${seconds}\nmkdir -p src\necho "export const u$SEQORCH_TASK_ID = $SEQORCH_TASK_ID;" > "src/u$SEQORCH_TASK_ID.ts"\n${extra}\necho "done <promise>TASK_DONE</promise>"\n`,
    { mode: 0o755 },
  );
  return script;
}

const run = (spec: string, agent: string, extra: string[]) =>
  seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent, "--commit", ...extra], { env: GIT_ENV });

const ticked = (spec: string) => (readFileSync(join(spec, "tasks.md"), "utf8").match(/- \[x\]/g) ?? []).length;
const commits = (root: string) => git(root, "log", "--format=%s", "main").trim().split("\n");
const worktreesLeft = (root: string) => git(root, "worktree", "list", "--porcelain").split("\n").filter((l) => l.startsWith("worktree ")).length - 1;
const unitBranches = (root: string) => git(root, "branch", "--list", "seqorch/*").trim();

describe("--parallel N: units with disjoint manifests run at once, each in its own worktree", () => {
  test("six 2 s units: --parallel 3 takes at most half the wall time of --parallel 1; a linear history of six unit commits; every box ticked; no worktree left", async () => {
    const agent = agentScript(2);
    const times: Record<string, number> = {};
    for (const n of ["1", "3"]) {
      const { root, spec } = repoWith(disjointTasks(6));
      const socket = privateTmux();
      const started = performance.now();
      const r = await run(spec, agent, ["--parallel", n, "--tmux-socket", socket]);
      times[n] = performance.now() - started;
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(ticked(spec)).toBe(6);
      // One commit per unit, in task-ID order, on top of the first commit: no merge commits (linear).
      expect(commits(root)).toEqual(["feature: 6 Unit 6", "feature: 5 Unit 5", "feature: 4 Unit 4", "feature: 3 Unit 3", "feature: 2 Unit 2", "feature: 1 Unit 1", "init"]);
      expect(git(root, "rev-list", "--merges", "main").trim()).toBe("");
      for (let i = 1; i <= 6; i++) expect(readFileSync(join(root, "src", `u${i}.ts`), "utf8")).toContain(`u${i} = ${i}`);
      expect(worktreesLeft(root)).toBe(0);
      expect(unitBranches(root)).toBe("");
      // The state records each unit's commit as it is on main (rebased: not the SHA it had in its worktree).
      const onMain = new Set(git(root, "rev-list", "main").trim().split("\n"));
      const pipeline = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).pipeline as Record<string, { commits: { sha: string }[] }>;
      for (let i = 1; i <= 6; i++) expect(onMain.has(pipeline[String(i)]!.commits.at(-1)!.sha), `unit ${i}'s recorded commit`).toBe(true);
      // Only seqorch's files are left uncommitted (the ticks, the state, the progress log), never a unit's.
      expect(git(root, "status", "--porcelain").split("\n").filter(Boolean).every((l) => l.includes(".kiro/specs/feature/"))).toBe(true);
    }
    expect(times["3"]!, `--parallel 3 took ${Math.round(times["3"]!)} ms, --parallel 1 ${Math.round(times["1"]!)} ms`).toBeLessThanOrEqual(times["1"]! / 2);
  }, 120_000);

  test("two units that declare disjoint writes but both edit one file: both changes on the branch, or a decision; nothing lost", async () => {
    const { root, spec } = repoWith(disjointTasks(2));
    // Each unit also rewrites line 1 of shared.txt (outside its manifest): with --lenient-writes that only warns.
    const agent = agentScript(1, `sed -i "1s/.*/line 1 by unit $SEQORCH_TASK_ID/" shared.txt`);
    const r = await run(spec, agent, ["--parallel", "2", "--no-tmux", "--lenient-writes"]);
    const shared = readFileSync(join(root, "shared.txt"), "utf8");
    const decisions = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).decisions as { unit: string; kind: string }[];
    // Unit 1 merged first; unit 2's rebase conflicts on line 1, it runs again alone on the new HEAD and merges.
    if (r.code === 0) {
      expect(ticked(spec)).toBe(2);
      expect(shared.split("\n")[0]).toBe("line 1 by unit 2");
      expect(existsSync(join(root, "src", "u1.ts")) && existsSync(join(root, "src", "u2.ts"))).toBe(true);
      expect(r.stdout + r.stderr).toMatch(/conflict/i);
      // Unit 2 ran twice: once beside unit 1, once alone after the conflict.
      expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8")).toMatch(/conflict/i);
    } else {
      // …or a decision, the unit's branch and worktree kept with its work.
      expect(r.code).toBe(2);
      expect(decisions.map((d) => d.kind)).toContain("merge_conflict");
      const kept = git(root, "branch", "--list", "seqorch/*").trim();
      expect(kept).not.toBe("");
    }
    expect(readFileSync(join(root, "src", "u1.ts"), "utf8")).toContain("u1 = 1");
  }, 60_000);

  test("the same two units without --lenient-writes: each edit outside its manifest is a decision, its work kept on its branch", async () => {
    const { root, spec } = repoWith(disjointTasks(2));
    const agent = agentScript(0, `sed -i "1s/.*/line 1 by unit $SEQORCH_TASK_ID/" shared.txt`);
    const r = await run(spec, agent, ["--parallel", "2", "--no-tmux"]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    // `run` halts on the first decision (unit 1's, merged first); unit 2 gets its own decision or waits, queued.
    const decided = state.decisions.map((d: { unit: string; kind: string }) => `${d.unit}:${d.kind}`);
    expect(decided[0]).toBe("1:scope_violation");
    expect(decided.includes("2:scope_violation") || state.worktrees["2"].status === "queued").toBe(true);
    expect(readFileSync(join(root, "shared.txt"), "utf8").split("\n")[0]).toBe("line 1");
    for (const unit of ["1", "2"]) expect(git(root, "show", `seqorch/feature/${unit}:shared.txt`).split("\n")[0]).toBe(`line 1 by unit ${unit}`);
  }, 60_000);

  test("seqorch status during a parallel run lists every unit running and its worktree", async () => {
    const { spec } = repoWith(disjointTasks(3));
    const agent = agentScript(3);
    const args = ["run", "--spec", spec, "--delay", "0", "--agent-command", agent, "--commit", "--parallel", "3", "--no-tmux"];
    const proc = Bun.spawn([binary, ...args], { env: { ...process.env, ...GIT_ENV, CI: "true" }, stdout: "ignore", stderr: "ignore" });
    const state = join(spec, "SEQUENTIAL_STATE.json");
    const deadline = Date.now() + 20_000;
    // The state as its readers see it: the file with the starts journalled since its last write (src/store/intents.ts).
    const running = () => Object.values(loadState(state)?.attempts ?? {}).flat().filter((a) => a.status === "running").length;
    while (Date.now() < deadline && running() !== 3) await Bun.sleep(20);
    const text = (await seqorch(["status", "--spec", spec])).stdout;
    const json = JSON.parse((await seqorch(["status", "--spec", spec, "--json"])).stdout);
    expect(await proc.exited).toBe(0);
    expect(text.match(/running: unit \d, attempt 1/g)?.length, text).toBe(3);
    expect(text.match(/worktree of unit \d \(open\): \S+\.seqorch\/worktrees\/\d on seqorch\/feature\/\d/g)?.length, text).toBe(3);
    expect(text).not.toContain("next:");
    expect(json.running.map((r: { unit: string }) => r.unit).sort()).toEqual(["1", "2", "3"]);
    expect(json.worktrees.map((w: { unit: string; status: string }) => `${w.unit}:${w.status}`).sort()).toEqual(["1:open", "2:open", "3:open"]);
  }, 60_000);

  test("a unit that writes outside its manifest is caught: a scope_violation decision, nothing of it merged, its worktree kept", async () => {
    const { root, spec } = repoWith(disjointTasks(2));
    const agent = agentScript(0, `if [ "$SEQORCH_TASK_ID" = 2 ]; then echo stray > stray.txt; fi`);
    const r = await run(spec, agent, ["--parallel", "2", "--no-tmux"]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.decisions.map((d: { unit: string; kind: string }) => `${d.unit}:${d.kind}`)).toEqual(["2:scope_violation"]);
    expect(existsSync(join(root, "stray.txt"))).toBe(false);
    expect(existsSync(join(root, "src", "u1.ts"))).toBe(true);
    expect(ticked(spec)).toBe(1);
    expect(git(root, "branch", "--list", "seqorch/*").trim()).toContain("seqorch/feature/2");
    expect(r.stdout + r.stderr).toContain("stray.txt");
    // The summary says where the kept work is, so nothing is forgotten in it.
    expect(r.stdout + r.stderr).toMatch(/Kept: unit 2: worktree kept at .*\.seqorch\/worktrees\/2 \(seqorch\/feature\/2\)/);
    expect(readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8")).toMatch(/Kept: unit 2: worktree kept at .*\.seqorch\/worktrees\/2/);
  }, 60_000);
});

/** Start a parallel run, kill -9 it once `ready()` says so, then run again to the end. */
async function killedThenResumed(spec: string, agent: string, ready: () => boolean, extra: string[]): Promise<{ code: number; out: string }> {
  const args = ["run", "--spec", spec, "--delay", "0", "--agent-command", agent, "--commit", ...extra];
  const proc = Bun.spawn([binary, ...args], { env: { ...process.env, ...GIT_ENV, CI: "true" }, stdout: "ignore", stderr: "ignore" });
  const deadline = Date.now() + 30_000;
  while (!ready() && Date.now() < deadline) await Bun.sleep(20);
  const caught = ready();
  proc.kill("SIGKILL");
  await proc.exited;
  expect(caught, "the run was killed at the moment the test waited for").toBe(true);
  const r = await seqorch(args, { env: GIT_ENV });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe("--parallel N after kill -9", () => {
  test("killed in the middle of a batch, then run again: every unit merged once, no worktree left", async () => {
    const { root, spec } = repoWith(disjointTasks(4));
    const agent = agentScript(1);
    const state = join(spec, "SEQUENTIAL_STATE.json");
    const inBatch = () => Object.values(loadState(state)?.attempts ?? {}).flat().filter((a) => a.status === "running").length >= 2;
    const r = await killedThenResumed(spec, agent, inBatch, ["--parallel", "2", "--no-tmux"]);
    expect(r.code, r.out).toBe(0);
    expect(ticked(spec)).toBe(4);
    const subjects = commits(root);
    for (let i = 1; i <= 4; i++) expect(subjects.filter((s) => s === `feature: ${i} Unit ${i}`).length, subjects.join("\n")).toBe(1);
    expect(worktreesLeft(root)).toBe(0);
    expect(unitBranches(root)).toBe("");
  }, 90_000);

  test("killed while a unit merges, then run again: every unit merged once, no worktree left", async () => {
    const { root, spec } = repoWith(disjointTasks(3));
    // A slow --verify makes the merge's check on the integrated tree long enough to be killed in.
    const agent = agentScript(0);
    const state = join(spec, "SEQUENTIAL_STATE.json");
    const merging = () => existsSync(state) && readFileSync(state, "utf8").includes('"status":"merging"');
    const r = await killedThenResumed(spec, agent, merging, ["--parallel", "3", "--no-tmux", "--verify", "sleep 0.5"]);
    expect(r.code, r.out).toBe(0);
    expect(ticked(spec)).toBe(3);
    const subjects = commits(root);
    for (let i = 1; i <= 3; i++) expect(subjects.filter((s) => s === `feature: ${i} Unit ${i}`).length, subjects.join("\n")).toBe(1);
    expect(worktreesLeft(root)).toBe(0);
    expect(unitBranches(root)).toBe("");
  }, 90_000);
});
