// The worktree and merge actors on real git (src/actors/worktree-open.ts, merge-worktree.ts): a unit's worktree
// opened from the integration HEAD with its .worktreeinclude files and set-up, the per-unit actors (real dispatcher,
// direct runner, command agent, verifier, committer, recorder) running in it, and the merge queue: task-ID order,
// scope violations, conflicts sent back once then a decision, checks failing on the integrated tree reset.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { commitRound } from "../../src/actors/committer.ts";
import { dispatchAttempt } from "../../src/actors/dispatcher.ts";
import { mergeUnitWorktree } from "../../src/actors/merge-worktree.ts";
import { recordAttempt } from "../../src/actors/recorder.ts";
import { reviewDirOf, reviewRound } from "../../src/actors/reviewer.ts";
import { fixRound } from "../../src/actors/fixer.ts";
import { contextForUnit, unitWorkdir } from "../../src/actors/run-context.ts";
import { awaitAttempt } from "../../src/actors/session.ts";
import { verifyAttempt } from "../../src/actors/verifier.ts";
import { closeUnitWorktree, openUnitWorktree } from "../../src/actors/worktree-open.ts";
import { setWorktreeStatus } from "../../src/actors/worktree-registry.ts";
import { recordDecision } from "../../src/actors/decisions.ts";
import { WorktreePreflightError, WorktreeSetupError } from "../../src/errors.ts";
import { unitManifest } from "../../src/schedule/manifest.ts";
import { nextMerge } from "../../src/schedule/next-units.ts";
import { applyParallelEvent, initialParallelState } from "../../src/schedule/parallel-run.ts";
import { loadState } from "../../src/store/state.ts";
import { agentCommits, contextFor, parallelRepo, subjectsSince, unitOf } from "./parallel-context.ts";
import { git, removeRepos, write } from "./temp-repo.ts";

afterAll(removeRepos);

const assignment = { backend: "command", source: "default" as const };
const worktreeList = (repo: string) => git(repo, "worktree", "list", "--porcelain").split("\n").filter((l) => l.startsWith("worktree "));

describe("openUnitWorktree", () => {
  test("a worktree on seqorch/feat/<unit> from the integration HEAD, .worktreeinclude files copied, recorded open, the unit's actors sent there", async () => {
    const { repo, base } = parallelRepo({ "1": ["src/a.ts"], "2": ["src/b.ts"] }, { ".worktreeinclude": ".env\n" });
    write(repo, ".env", "SECRET=1\n");
    const { context } = await contextFor(repo);
    const opened = await openUnitWorktree(context, { key: "1", id: "1" });
    expect(opened.path).toBe(join(context.paths.specDir, ".seqorch", "worktrees", "1"));
    expect(opened).toMatchObject({ branch: "seqorch/feat/1", base, origin: "created", workdir: opened.path });
    expect(git(opened.path, "rev-parse", "HEAD").trim()).toBe(base);
    expect(readFileSync(join(opened.path, ".env"), "utf8")).toBe("SECRET=1\n");
    // the record is on disk (fsynced through the store), and the main checkout does not see the worktree
    expect(loadState(context.paths.stateFile)?.worktrees?.["1"]).toMatchObject({ path: opened.path, branch: opened.branch, base, status: "open", integration: "main" });
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).not.toContain(".seqorch/worktrees");
    expect(unitWorkdir(context, "1").workdir).toBe(opened.path);
    expect(contextForUnit(context, "1").paths.workdir).toBe(opened.path);
    // another unit, and the run itself, stay in the main checkout: the very same context object
    expect(contextForUnit(context, "2")).toBe(context);
    expect(unitWorkdir(context, "2")).toEqual({ workdir: context.paths.workdir, git: context.workdirGit, worktree: null });
  });

  test("a second open after a kill -9 adopts the worktree with the work in it and its recorded base", async () => {
    const { repo, base } = parallelRepo({ "1": ["src/a.ts"] });
    const first = await contextFor(repo);
    const opened = await openUnitWorktree(first.context, { key: "1", id: "1" });
    write(opened.path, "src/a.ts", "half done\n");
    git(repo, "commit", "-q", "--allow-empty", "-m", "someone else's commit on main");
    const again = await contextFor(repo); // a new run: the state from disk, nothing in memory
    const adopted = await openUnitWorktree(again.context, { key: "1", id: "1" });
    expect(adopted).toMatchObject({ origin: "adopted", base, path: opened.path });
    expect(readFileSync(join(adopted.path, "src/a.ts"), "utf8")).toBe("half done\n");
  });

  test("--worktree-setup failing blocks that unit alone: WorktreeSetupError with its log, the worktree kept and recorded kept", async () => {
    const { repo } = parallelRepo({ "1": ["src/a.ts"], "2": ["src/b.ts"] });
    const { context } = await contextFor(repo, { worktreeSetup: 'echo "installing in $PWD"; if [ "$(basename "$PWD")" = 1 ]; then exit 7; fi' });
    const error = await openUnitWorktree(context, { key: "1", id: "1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorktreeSetupError);
    const setup = error as WorktreeSetupError;
    expect(setup.exitStatus).toBe(7);
    expect(readFileSync(setup.log, "utf8")).toContain(`installing in ${join(context.paths.specDir, ".seqorch", "worktrees", "1")}`);
    expect(setup.message).toMatch(/^unit 1: --worktree-setup exited 7 in .*worktrees\/1 \(log: .*\); the worktree is kept$/);
    expect(context.store.get().worktrees?.["1"]?.status).toBe("kept");
    expect(existsSync(setup.worktree)).toBe(true);
    expect(unitWorkdir(context, "1").worktree).toBeNull();
    // the other unit, whose set-up passes, opens beside it
    const other = await openUnitWorktree(context, { key: "2", id: "2" });
    expect(context.store.get().worktrees?.["2"]?.status).toBe("open");
    expect(readFileSync(join(context.paths.attemptsDir, "2.worktree-setup.log"), "utf8")).toBe(`installing in ${other.path}\n`);
  });

  test("a set-up ended by the run's stop is no decision: WorktreeSetupError stopped, nothing recorded, the next open sets up again", async () => {
    const { repo } = parallelRepo({ "1": ["src/a.ts"] });
    const { context } = await contextFor(repo, { worktreeSetup: "echo start; sleep 30" });
    const stop = new AbortController();
    const opening = openUnitWorktree(context, { key: "1", id: "1" }, stop.signal).catch((e: unknown) => e);
    await Bun.sleep(300);
    stop.abort();
    const error = (await opening) as WorktreeSetupError;
    expect(error).toBeInstanceOf(WorktreeSetupError);
    expect(error.stopped).toBe(true);
    expect(error.message).toContain("--worktree-setup was stopped in");
    expect(context.store.get().worktrees?.["1"]).toBeUndefined();
    const again = await contextFor(repo, { worktreeSetup: "echo again" });
    expect(await openUnitWorktree(again.context, { key: "1", id: "1" })).toMatchObject({ origin: "adopted" });
    expect(readFileSync(error.log, "utf8")).toBe("start\nagain\n");
  });

  test("at most N worktrees in flight; the preflight refuses a dirty tracked tree with one line", async () => {
    const { repo } = parallelRepo({ "1": ["a"], "2": ["b"], "3": ["c"] });
    const { context } = await contextFor(repo, { n: 2 });
    await openUnitWorktree(context, { key: "1", id: "1" });
    await openUnitWorktree(context, { key: "2", id: "2" });
    expect(openUnitWorktree(context, { key: "3", id: "3" })).rejects.toThrow("--parallel 2: 2 worktrees are in flight already (1, 2)");
    write(repo, "src/shared.ts", "edited\n");
    const refused = await contextFor(repo).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorktreePreflightError);
    expect((refused as Error).message).toContain("tracked files have uncommitted changes (src/shared.ts): commit or stash them first");
  });

  test("a decision on a unit in its worktree keeps the worktree for the human and frees its slot; retried, it is adopted", async () => {
    const { repo } = parallelRepo({ "1": ["a"], "2": ["b"], "3": ["c"] });
    const { context } = await contextFor(repo, { n: 2 });
    const opened = await openUnitWorktree(context, { key: "1", id: "1" });
    await openUnitWorktree(context, { key: "2", id: "2" });
    agentCommits(opened.path, "1", { a: "work\n" });
    recordDecision(context, { key: "1", id: "1", title: "Unit 1" }, "attempts_exhausted", "unit 1 used up its attempts");
    expect(context.store.get().worktrees?.["1"]).toMatchObject({ status: "kept", note: "waits for decision 1-1 (attempts_exhausted)" });
    expect(contextForUnit(context, "1")).toBe(context);
    await openUnitWorktree(context, { key: "3", id: "3" }); // --parallel 2: the kept one does not count
    await closeUnitWorktree(context, { key: "3", id: "3" }, { keep: false, note: "done" });
    const again = await openUnitWorktree(context, { key: "1", id: "1" });
    expect(again).toMatchObject({ origin: "adopted", base: opened.base });
    expect(git(again.path, "log", "-1", "--format=%s").trim()).toBe("unit 1");
  });

  test("closing a failed unit's worktree keeps uncommitted work; a clean one is removed with its empty branch", async () => {
    const { repo } = parallelRepo({ "1": ["a"], "2": ["b"] });
    const { context } = await contextFor(repo);
    const one = await openUnitWorktree(context, { key: "1", id: "1" });
    const two = await openUnitWorktree(context, { key: "2", id: "2" });
    write(one.path, "a", "unsaved\n");
    expect(await closeUnitWorktree(context, { key: "1", id: "1" }, { keep: false, note: "attempts exhausted" })).toMatchObject({ status: "kept" });
    expect(readFileSync(join(one.path, "a"), "utf8")).toBe("unsaved\n");
    expect(await closeUnitWorktree(context, { key: "2", id: "2" }, { keep: false, note: "skipped" })).toMatchObject({ status: "removed", branchKept: false });
    expect(existsSync(two.path)).toBe(false);
    expect(git(repo, "branch", "--list", "seqorch/feat/2")).toBe("");
  });
});

describe("per-unit actors in a worktree", () => {
  test("dispatch, wait, verify, commit and record run in the unit's worktree; the main checkout is untouched until the merge", async () => {
    const agent = "cat >/dev/null; mkdir -p src; pwd > src/a.ts; echo '- [x] 9. tampered' >> .kiro/specs/feat/tasks.md; echo '<promise>TASK_DONE</promise>'";
    const { repo, base } = parallelRepo({ "1": ["src/a.ts"], "2": ["src/b.ts"] });
    const { context } = await contextFor(repo, { agentCommand: agent, verify: ["test -f src/a.ts"] });
    const unit = unitOf(context, "1");
    const opened = await openUnitWorktree(context, unit);
    const input = { unit, assignment, attempt: 1, iteration: 1 };
    const dispatched = await dispatchAttempt(context, unit, input);
    const outcome = await awaitAttempt(context, { ...input, dispatched, stopRequested: false }, new AbortController().signal);
    expect(outcome.kind).toBe("done");
    expect(await verifyAttempt(context, { unit, attempt: 1, dispatched }, new AbortController().signal)).toEqual({ passed: true, reason: null });
    const commit = await commitRound(context, { unit, round: 0 });
    expect(commit.files).toBe(1);
    await recordAttempt(context, unit, { ...input, outcome });
    // the agent ran in the worktree; its commit holds its file, never the spec folder (its tasks.md edit stashed)
    expect(readFileSync(join(opened.path, "src/a.ts"), "utf8").trim()).toBe(opened.path);
    expect(git(opened.path, "show", "--name-only", "--format=", "HEAD").trim()).toBe("src/a.ts");
    expect(git(repo, "stash", "list")).toContain("seqorch: unit 1 edits to the spec folder");
    expect(git(repo, "rev-parse", "main").trim()).toBe(base);
    expect(existsSync(join(repo, "src/a.ts"))).toBe(false);
    // done in its worktree: queued for the merge, not completed, not ticked
    expect(context.store.get().worktrees?.["1"]?.status).toBe("queued");
    expect(context.store.get().completed).toEqual([]);
    expect(readFileSync(context.paths.tasksFile, "utf8")).toContain("- [-] 1. Unit 1");
    const merged = await mergeUnitWorktree(context, unit);
    expect(merged).toMatchObject({ kind: "merged", commits: 1, changed: ["src/a.ts"] });
    expect(readFileSync(context.paths.tasksFile, "utf8")).toContain("- [x] 1. Unit 1");
    expect(readFileSync(context.paths.tasksFile, "utf8")).not.toContain("tampered");
    expect(context.store.get().completed).toEqual(["1"]);
    expect(subjectsSince(repo, base)).toEqual(["feat: 1 Unit 1"]);
  });
});

describe("the review loop in a worktree", () => {
  test("reviewers read the unit's worktree and its diff, a reviewer's stray edit is stashed there, the fix round runs there", async () => {
    const review = (verdict: string, findings: string) => `'<review>{"verdict":"${verdict}","findings":[${findings}],"previous":[]}</review>'`;
    const finding = '{"id":"R1","severity":"major","file":"one.txt","line":1,"title":"not fixed","evidence":"","fix":"fix it","requirement":null}';
    const agent = `cat >/dev/null
case "$SEQORCH_ROLE" in
implement) echo one > one.txt; echo '<promise>TASK_DONE</promise>' ;;
fix) echo fixed > one.txt; echo '<promise>TASK_DONE</promise>' ;;
review) if [ ! -f one.txt ]; then echo ${review("approve", "")}
  elif grep -q fixed one.txt; then echo ${review("approve", "")}
  else echo stray > stray.txt; echo ${review("request_changes", finding)}; fi ;;
esac`;
    const { repo, base } = parallelRepo({ "1": ["one.txt"] });
    const { context } = await contextFor(repo, { agentCommand: agent, review: true });
    const unit = unitOf(context, "1");
    const opened = await openUnitWorktree(context, unit);
    const input = { unit, assignment, attempt: 1, iteration: 1 };
    const dispatched = await dispatchAttempt(context, unit, input);
    expect((await awaitAttempt(context, { ...input, dispatched, stopRequested: false }, new AbortController().signal)).kind).toBe("done");
    await commitRound(context, { unit, round: 0 });
    const signal = new AbortController().signal;
    const first = await reviewRound(context, unit, { unit, round: 0 }, signal);
    // it ran where one.txt is (the worktree), saw the unit's commit in its diff, and its edit was put aside
    expect(first).toEqual([expect.objectContaining({ reviewer: 1, ok: false, kind: "edited" })]);
    expect(readFileSync(join(reviewDirOf(context, unit.key, 0), "diff.patch"), "utf8")).toContain("+one");
    expect(existsSync(join(opened.path, "stray.txt"))).toBe(false);
    expect(existsSync(join(repo, "stray.txt"))).toBe(false);
    expect(git(repo, "stash", "list")).toContain("seqorch reviewer edits: unit 1, round 0, reviewer 1");
    context.store.update((s) => void (s.pipeline["1"]!.reviews = [{ round: 0, verdict: "fix", findings: [{ id: "R1", severity: "major", file: "one.txt", line: 1, title: "not fixed", evidence: "", fix: "fix it", requirement: null, reviewers: [1] }], still_valid: [], dir: "", at: "" }]));
    const fixed = await fixRound(context, unit, { unit, round: 1, escalate: false, assignment }, signal);
    expect(fixed).toMatchObject({ outcome: { kind: "done" }, changed: true });
    expect(readFileSync(join(opened.path, "one.txt"), "utf8")).toBe("fixed\n");
    await commitRound(context, { unit, round: 1 });
    const second = await reviewRound(context, unit, { unit, round: 1 }, signal);
    expect(second).toEqual([expect.objectContaining({ reviewer: 1, ok: true, review: expect.objectContaining({ verdict: "approve" }) })]);
    expect(git(opened.path, "log", "--format=%s", `${base}..HEAD`).trim().split("\n")).toEqual(["feat: 1 Unit 1 (fix round 1)", "feat: 1 Unit 1"]);
    expect(git(repo, "rev-parse", "main").trim()).toBe(base);
  });
});

describe("mergeUnitWorktree", () => {
  test("units finishing out of order merge in task-ID order: linear history, every box ticked, no worktree, branch or backup ref left", async () => {
    const ids = ["1", "2", "10"];
    const { repo, base } = parallelRepo({ "1": ["src/a.ts"], "2": ["src/b.ts"], "10": ["lib/"] });
    const { context } = await contextFor(repo);
    const units = ids.map((id) => unitOf(context, id));
    const schedule = units.map((u) => ({ key: u.key, id: u.id, dependsOn: [], manifest: unitManifest(u) }));
    let state = applyParallelEvent(schedule, initialParallelState(schedule, new Set()), { type: "started", units: ids });
    for (const unit of units) {
      const opened = await openUnitWorktree(context, unit);
      agentCommits(opened.path, unit.id, { [{ "1": "src/a.ts", "2": "src/b.ts", "10": "lib/d.ts" }[unit.id]!]: `by ${unit.id}\n` });
    }
    const merged: string[] = [];
    for (const finished of ["10", "2", "1"]) {
      state = applyParallelEvent(schedule, state, { type: "finished", unit: finished, ok: true });
      setWorktreeStatus(context, finished, "queued");
      for (let key = nextMerge({ units: schedule, status: state.status, parallel: 3 }); key; key = nextMerge({ units: schedule, status: state.status, parallel: 3 })) {
        state = applyParallelEvent(schedule, state, { type: "merge-started", unit: key });
        const result = await mergeUnitWorktree(context, units.find((u) => u.key === key)!);
        expect(result.kind).toBe("merged");
        state = applyParallelEvent(schedule, state, { type: "merge-ended", unit: key, result: "merged" });
        merged.push(key);
      }
    }
    expect(merged).toEqual(["1", "2", "10"]);
    expect(subjectsSince(repo, base)).toEqual(["unit 1", "unit 2", "unit 10"]);
    expect(git(repo, "rev-list", "--merges", `${base}..main`).trim()).toBe("");
    expect(readFileSync(context.paths.tasksFile, "utf8").match(/- \[x\]/g)?.length).toBe(3);
    expect(worktreeList(repo)).toHaveLength(1);
    expect(git(repo, "branch", "--list", "seqorch/*")).toBe("");
    expect(git(repo, "for-each-ref", "refs/seqorch/")).toBe("");
    expect(Object.values(context.store.get().worktrees ?? {}).map((r) => r.status)).toEqual(["removed", "removed", "removed"]);
  });

  test("a file outside the manifest is a scope_violation decision, nothing merged; with --lenient-writes it merges with a warning", async () => {
    for (const lenient of [false, true]) {
      const { repo, base } = parallelRepo({ "1": ["src/a.ts"] });
      const { context, events } = await contextFor(repo, { lenientWrites: lenient });
      const unit = unitOf(context, "1");
      const opened = await openUnitWorktree(context, unit);
      agentCommits(opened.path, "1", { "src/a.ts": "mine\n", "src/shared.ts": "not mine\n" });
      const result = await mergeUnitWorktree(context, unit);
      if (!lenient) {
        expect(result).toMatchObject({ kind: "decision", decision: "scope_violation", files: ["src/shared.ts"] });
        expect(git(repo, "rev-parse", "main").trim()).toBe(base);
        expect(context.store.get().decisions.map((d) => [d.unit, d.kind])).toEqual([["1", "scope_violation"]]);
        expect(context.store.get().worktrees?.["1"]?.status).toBe("kept");
        expect(git(opened.path, "log", "-1", "--format=%s").trim()).toBe("unit 1"); // the work is still there
      } else {
        expect(result).toMatchObject({ kind: "merged" });
        expect((result as { warnings: string[] }).warnings[0]).toContain("outside its _writes: manifest (merged under --lenient-writes): src/shared.ts");
        expect(events.some((e) => e.type === "warning" && e.message.includes("src/shared.ts"))).toBe(true);
        expect(subjectsSince(repo, base)).toEqual(["unit 1"]);
      }
    }
  });

  test("a conflict sends the unit back to run alone once (its try set aside); the second is a merge_conflict decision; nothing lost", async () => {
    const { repo, base } = parallelRepo({ "1": ["src/a.ts"], "2": ["src/b.ts"], "3": ["src/c.ts"] });
    // lenient: the edits outside the manifests pass the scope check and meet at the rebase
    const { context } = await contextFor(repo, { lenientWrites: true });
    const [one, two, three] = ["1", "2", "3"].map((id) => unitOf(context, id)) as [ReturnType<typeof unitOf>, ReturnType<typeof unitOf>, ReturnType<typeof unitOf>];
    const wt1 = await openUnitWorktree(context, one);
    const wt2 = await openUnitWorktree(context, two);
    // both declared disjoint writes, both edit the same line of src/shared.ts: the manifests lied
    agentCommits(wt1.path, "1", { "src/a.ts": "a\n", "src/shared.ts": "line 1 by unit 1\n" });
    agentCommits(wt2.path, "2", { "src/b.ts": "b\n", "src/shared.ts": "line 1 by unit 2\n" });
    expect((await mergeUnitWorktree(context, one)).kind).toBe("merged");
    const first = await mergeUnitWorktree(context, two);
    expect(first).toMatchObject({ kind: "run-alone", reason: "conflict", files: ["src/shared.ts"] });
    const aside = (first as { kept: { path: string; branch: string } }).kept;
    expect(aside.branch).toBe("seqorch/feat/2-kept-1");
    expect(git(repo, "log", "-1", "--format=%s", aside.branch).trim()).toBe("unit 2");
    expect(context.store.get().worktrees?.["2"]).toMatchObject({ status: "sent-back", sent_back: 1, aside: [{ path: aside.path, branch: aside.branch }] });
    expect(context.store.get().pipeline["2"]?.guidance).toContain("did not merge onto main");
    // run alone on the new HEAD; meanwhile unit 3 merged a change to the same line: a second conflict
    const again = await openUnitWorktree(context, two);
    expect(again.base).toBe(git(repo, "rev-parse", "main").trim());
    const wt3 = await openUnitWorktree(context, three);
    agentCommits(wt3.path, "3", { "src/c.ts": "c\n", "src/shared.ts": "line 1 by unit 3\n" });
    expect((await mergeUnitWorktree(context, three)).kind).toBe("merged");
    agentCommits(again.path, "2", { "src/b.ts": "b\n", "src/shared.ts": "line 1 by unit 2, again\n" });
    const second = await mergeUnitWorktree(context, two);
    expect(second).toMatchObject({ kind: "decision", decision: "merge_conflict", files: ["src/shared.ts"] });
    expect(context.store.get().decisions.map((d) => [d.unit, d.kind])).toEqual([["2", "merge_conflict"]]);
    expect(subjectsSince(repo, base)).toEqual(["unit 1", "unit 3"]);
    // both tries of unit 2 are on branches; its second worktree is kept where it was
    expect(git(again.path, "log", "-1", "--format=%s").trim()).toBe("unit 2");
    expect(readFileSync(join(again.path, "src/shared.ts"), "utf8")).toBe("line 1 by unit 2, again\n");
    expect(context.store.get().worktrees?.["2"]?.status).toBe("kept");
  });

  test("--verify failing on the integrated tree resets the branch to its backup ref and sends the unit back to run alone", async () => {
    const { repo, base } = parallelRepo({ "1": ["src/a.ts"], "2": ["src/b.ts"] });
    const { context } = await contextFor(repo, { verify: ["test ! -f src/a.ts || test ! -f src/b.ts"] });
    const [one, two] = ["1", "2"].map((id) => unitOf(context, id)) as [ReturnType<typeof unitOf>, ReturnType<typeof unitOf>];
    agentCommits((await openUnitWorktree(context, one)).path, "1", { "src/a.ts": "a\n" });
    agentCommits((await openUnitWorktree(context, two)).path, "2", { "src/b.ts": "b\n" });
    expect((await mergeUnitWorktree(context, one)).kind).toBe("merged");
    const afterOne = git(repo, "rev-parse", "main").trim();
    // each alone passes; together they break the check
    const result = await mergeUnitWorktree(context, two);
    expect(result).toMatchObject({ kind: "run-alone", reason: "verify-failed", files: ["src/b.ts"] });
    expect(git(repo, "rev-parse", "main").trim()).toBe(afterOne);
    expect(existsSync(join(repo, "src/b.ts"))).toBe(false);
    expect(subjectsSince(repo, base)).toEqual(["unit 1"]);
    expect(git(repo, "for-each-ref", "refs/seqorch/")).toBe("");
    expect(context.store.get().worktrees?.["2"]).toMatchObject({ status: "sent-back", sent_back: 1, aside: [{ branch: "seqorch/feat/2-kept-1" }] });
    expect(context.store.get().worktrees?.["2"]?.note).toContain("after its merge verify failed: `test ! -f src/a.ts || test ! -f src/b.ts` exited 1");
    expect(context.store.get().completed).toEqual(["1"]);
    expect(context.store.get().pipeline["2"]?.verify[0]?.exit_code).toBe(1);
  });
});
