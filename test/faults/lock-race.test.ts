// Two runs of the compiled binary started at the same instant on one spec: exactly one runs, the other exits 75
// naming the holder's pid, and the state file holds one run's attempts. Both with no lock file before and over a
// stale lock left by a dead process.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { binary, cleanUp, makeSpec, scriptedAgent, tempDir } from "../e2e/harness.ts";

afterAll(cleanUp);

const PAIRS = 50;
/** Pairs started together; each pair has its own spec. */
const BATCH = 5;

/** The pid of a process that has exited (for a stale lock). */
function deadPid(): number {
  const proc = Bun.spawnSync(["/bin/sh", "-c", "echo $$"]);
  return Number(proc.stdout.toString().trim());
}

interface PairResult {
  codes: number[];
  pids: number[];
  stderr: string[];
  dispatches: string;
  attempts: number;
}

async function racePair(stale: boolean): Promise<PairResult> {
  const dir = tempDir();
  const { spec } = makeSpec("- [ ] 1. Only task\n");
  if (stale) {
    writeFileSync(join(spec, "SEQUENTIAL_STATE.json.lock"), `${JSON.stringify({ pid: deadPid(), host: hostname(), since: "2020-01-01T00:00:00.000Z" })}\n`);
  }
  const agent = scriptedAgent(dir, "cat >/dev/null; sleep 1.5; echo '<promise>TASK_DONE</promise>'");
  const start = () =>
    Bun.spawn([binary, "run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command], {
      env: { ...process.env, CI: "true", NO_COLOR: "1" },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
  const procs = [start(), start()];
  const [codes, stderr] = await Promise.all([Promise.all(procs.map((p) => p.exited)), Promise.all(procs.map((p) => new Response(p.stderr).text()))]);
  const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
  return { codes, pids: procs.map((p) => p.pid), stderr, dispatches: readFileSync(agent.dispatchLog, "utf8"), attempts: state.attempts["1"].length };
}

for (const stale of [false, true]) {
  describe(`the lock race (${stale ? "over a stale lock" : "no lock file before"})`, () => {
    test(`${PAIRS} simultaneous pairs: one runs, the other exits 75 with the holder's pid`, async () => {
      const failures: string[] = [];
      for (let done = 0; done < PAIRS; done += BATCH) {
        const results = await Promise.all(Array.from({ length: BATCH }, () => racePair(stale)));
        for (const r of results) {
          const winner = r.codes.indexOf(0);
          const loser = r.codes.indexOf(75);
          const ok = winner >= 0 && loser >= 0 && r.dispatches === "1 1\n" && r.attempts === 1 && r.stderr[loser]!.includes(`pid ${r.pids[winner]}`);
          if (!ok) failures.push(`exit codes ${r.codes.join(",")}, dispatches ${JSON.stringify(r.dispatches)}, attempts ${r.attempts}, loser said ${JSON.stringify(r.stderr.join(" | ").slice(0, 300))}`);
        }
      }
      expect(failures).toEqual([]);
    }, 300_000);
  });
}
