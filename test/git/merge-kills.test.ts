// kill -9 in the middle of the merge queue, then a new run: a child process (test/git/merge-child.ts) recovers the
// worktree registry and merges four queued units (one of them conflicting, so it is sent back and merged on its
// second try) and is killed at each named step, and at random moments, as often as it takes. However it dies, the
// end is the same: every unit merged exactly once, linear history, every box ticked, no backup ref, no unit branch,
// and no worktree left but the earlier try the send-back keeps on purpose.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openUnitWorktree } from "../../src/actors/worktree-open.ts";
import { setWorktreeStatus } from "../../src/actors/worktree-registry.ts";
import { recoverUnitWorktrees } from "../../src/actors/worktree-recover.ts";
import { loadState } from "../../src/store/state.ts";
import { rng } from "../../scripts/seeded-random.ts";
import { agentCommits, contextFor, parallelRepo, runPaths, subjectsSince } from "./parallel-context.ts";
import { git, removeRepos } from "./temp-repo.ts";

afterAll(removeRepos);

const CHILD = join(import.meta.dir, "merge-child.ts");
const UNITS = ["1", "2", "3", "4"];

/** Four units with their own files, queued; units 1 and 3 also edit the first line of src/shared.ts (a conflict). */
async function queuedRepo(): Promise<{ repo: string; base: string }> {
  const made = parallelRepo(Object.fromEntries(UNITS.map((id) => [id, [`src/${id}.ts`]])));
  const { context } = await contextFor(made.repo, { n: 4, lenientWrites: true });
  for (const id of UNITS) {
    const opened = await openUnitWorktree(context, { key: id, id });
    agentCommits(opened.path, id, { [`src/${id}.ts`]: `unit ${id}\n`, ...(id === "1" || id === "3" ? { "src/shared.ts": `line 1 by unit ${id}\n` } : {}) });
    setWorktreeStatus(context, id, "queued");
  }
  return made;
}

/** Resolves once no process of group `pgid` is left (polled every 20 ms, at most 10 s). */
async function groupGone(pgid: number): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    try {
      process.kill(-pgid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return;
      throw error;
    }
    await Bun.sleep(20);
  }
  throw new Error(`processes of group ${pgid} still run after 10 s`);
}

/** One run of the child: resolves with its exit code (137 when killed) and output. `killAfterMs`: kill -9 then. */
async function runChild(repo: string, options: { crashAt?: string; killAfterMs?: number } = {}): Promise<{ code: number; out: string }> {
  const env = { ...process.env, SEQORCH_CRASH_AT: options.crashAt ?? "" };
  // its own process group: the git commands it started are found (and waited for) after it is killed
  const child = Bun.spawn([process.execPath, CHILD, repo], { env, stdout: "pipe", stderr: "pipe", detached: true });
  const timer = options.killAfterMs === undefined ? null : setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (timer) clearTimeout(timer);
  // Only the child is killed (as kill -9 <pid> would): git commands it had started run to their end on their own.
  await groupGone(child.pid);
  return { code: code ?? (child.signalCode ? 137 : 1), out: `${out}${err}` };
}

/** The invariants after the last run ended by itself. */
function expectWholeEnd(repo: string, base: string, last: { code: number; out: string }): void {
  expect(last.code, last.out).toBe(0);
  expect(last.out).toContain("DONE");
  const subjects = subjectsSince(repo, base);
  expect([...subjects].sort()).toEqual(UNITS.map((id) => `unit ${id}`));
  expect(git(repo, "rev-list", "--merges", `${base}..main`).trim()).toBe("");
  for (const id of UNITS) expect(git(repo, "show", `main:src/${id}.ts`)).toMatch(new RegExp(`^unit ${id}`));
  expect(git(repo, "show", "main:src/shared.ts").split("\n")[0]).toBe("line 1 by unit 1");
  const paths = runPaths(repo);
  const state = loadState(paths.stateFile)!;
  expect([...state.completed].sort()).toEqual(UNITS);
  expect(Object.values(state.worktrees ?? {}).map((r) => r.status)).toEqual(["removed", "removed", "removed", "removed"]);
  expect(readFileSync(paths.tasksFile, "utf8").match(/^- \[x\] /gm)?.length).toBe(UNITS.length);
  expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/seqorch/", "refs/heads/seqorch/").split("\n").filter((r) => r && !r.includes("-kept-"))).toEqual([]);
  // the worktrees left: the main checkout and unit 3's first try, set aside on purpose (recorded, with its commit)
  const kept = Object.values(state.worktrees ?? {}).flatMap((r) => r.aside.map((a) => a.path));
  const listed = git(repo, "worktree", "list", "--porcelain").split("\n").filter((l) => l.startsWith("worktree ")).map((l) => l.slice(9));
  expect(listed.slice(1).sort()).toEqual(kept.sort());
  expect(kept).toHaveLength(1);
  expect(git(repo, "log", "-1", "--format=%s", "seqorch/feat/3-kept-1").trim()).toBe("unit 3");
}

describe("kill -9 during the merge queue, then a new run", () => {
  test("an undisturbed run: four units merged once, unit 3 sent back once", async () => {
    const { repo, base } = await queuedRepo();
    const run = await runChild(repo);
    expect(run.out.split("\n").filter((l) => /^\d /.test(l))).toEqual(["1 merged", "2 merged", "3 run-alone", "3 merged", "4 merged"]);
    expectWholeEnd(repo, base, run);
  });

  const POINTS = ["merge.start", "merge.backup", "merge.rebased", "merge.ff", "merge.verified", "merge.recorded", "merge.ticked", "marks.written", "merge.sent-back", "worktree.renamed", "merge.set-aside", "worktree.created"];
  for (const point of POINTS) {
    test(`killed at ${point}, then run again: the same end`, async () => {
      const { repo, base } = await queuedRepo();
      // the first pass, and for the merge steps also the conflicting unit's turn (3rd pass) and a later one
      const passes = point.startsWith("merge.") && point !== "merge.sent-back" && point !== "merge.set-aside" ? [1, 3] : [1];
      let runs = 0;
      for (const pass of passes) {
        const killed = await runChild(repo, { crashAt: `${point}#${pass}` });
        runs++;
        if (killed.code === 0) break; // the point was not reached this often: nothing left to kill
        expect(killed.code).not.toBe(0);
      }
      expect(runs).toBeGreaterThan(0);
      expectWholeEnd(repo, base, await runChild(repo));
    });
  }

  test("a run without --parallel after the kill repairs the registry too: the cut-short merge undone, the unit queued for a parallel run", async () => {
    const { repo, base } = await queuedRepo();
    expect((await runChild(repo, { crashAt: "merge.ff#1" })).code).not.toBe(0);
    expect(subjectsSince(repo, base)).toEqual(["unit 1"]); // fast-forwarded, not yet checked or recorded
    const { context } = await contextFor(repo, { n: 1 });
    expect(context.gates.parallel).toBeNull();
    const recovery = await recoverUnitWorktrees(context);
    expect(recovery.queued).toEqual(UNITS);
    expect(recovery.notes[0]).toMatch(/^unit 1: its merge was cut short after the fast-forward, before its checks; main reset to [0-9a-f]{10}, queued to merge again$/);
    expect(subjectsSince(repo, base)).toEqual([]);
    expectWholeEnd(repo, base, await runChild(repo));
  });

  test("killed at random moments (6 plans, up to 5 kills each), then run to its end: the same end", async () => {
    const random = rng(Number(process.env.KILL_SEED ?? 0x5e90));
    // kill moments spread over an undisturbed run's length, measured here (the machine's speed drifts)
    const calibration = await queuedRepo();
    const started = performance.now();
    expectWholeEnd(calibration.repo, calibration.base, await runChild(calibration.repo));
    const runMs = performance.now() - started;
    let kills = 0;
    let midQueue = 0;
    for (let plan = 0; plan < Number(process.env.KILL_PLANS ?? 6); plan++) {
      const { repo, base } = await queuedRepo();
      for (let k = 0; k < 5; k++) {
        const run = await runChild(repo, { killAfterMs: Math.floor(runMs * (0.25 + 0.7 * random())) });
        if (run.code === 0) break;
        kills++;
        if (/^\d /m.test(run.out)) midQueue++; // killed after a merge turn ended: in the middle of the queue
      }
      expectWholeEnd(repo, base, await runChild(repo));
    }
    console.log(`random kills: ${kills}, ${midQueue} of them after a merge turn (an undisturbed run: ${Math.round(runMs)} ms)`);
    expect(kills).toBeGreaterThan(0);
    expect(midQueue).toBeGreaterThan(0);
  }, 240_000);
});
