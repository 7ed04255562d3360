// The orchestrator killed (SIGKILL) at random moments of real runs, over tmux and direct, at least 40 kills per
// mode; each spec is resumed after its kills until it completes. After the final resume: every unit recorded done
// exactly once, no agent run that the state file does not record, no survivor process of any attempt, no blocked
// `tmux wait-for` client, and tasks.md matching the state. The seed is printed so a failure can be replayed
// (SEQORCH_KILL_SEED=<seed>).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FORGIVEN_KILLS_PER_UNIT } from "../../src/actors/recover-run.ts";
import { rng } from "../../scripts/seeded-random.ts";
import { binary, cleanUp, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir } from "../e2e/harness.ts";

afterAll(cleanUp);

const TASKS = "- [ ] 1. One\n- [ ] 2. Two\n  - [ ] 2.1 Two a\n  - [ ] 2.2 Two b\n- [ ] 3. Three\n- [ ] 4. Four\n";
const UNITS = ["1", "2", "3", "4"];
const KILLS_PER_MODE = 40;
/**
 * Kills in a row on one spec before it is resumed to the end. At most the killed runs forgiven per unit: the agent
 * never fails, so no unit can legitimately use up its attempts, and any halt of the final resume is a bug.
 */
const KILLS_PER_SPEC = 3;
if (KILLS_PER_SPEC > FORGIVEN_KILLS_PER_UNIT) throw new Error("KILLS_PER_SPEC must not exceed FORGIVEN_KILLS_PER_UNIT");
/** Specs attacked at the same time. */
const PARALLEL = 4;
/** A whole run takes about this long here; kills land uniformly within it, ms. */
const RUN_MS = { direct: 800, tmux: 1_400 };

const seed = Number(process.env.SEQORCH_KILL_SEED ?? Date.now() % 1_000_000);

/**
 * Live processes of an attempt of this trial: `entry` in the environment and either an attempt id there too (an
 * agent and what it started) or `path` in the command line (a tmux pane's attempt script). The trial's tmux
 * server and its session's first shell are not attempts: the session stays by design.
 */
function processesWith(entry: string, path: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
      if (!environ.includes(entry)) continue;
      const attempt = environ.some((e) => e.startsWith("SEQORCH_ATTEMPT_ID=")) || readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(path);
      if (!attempt) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") found.push(Number(pid));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Live `tmux … wait-for` clients of the tmux server `socket`. */
function waitClients(socket: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv.includes("wait-for") && argv.includes(socket)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

interface Trial {
  kills: number;
  problems: string[];
}

async function attack(mode: "tmux" | "direct", random: () => number, trialId: string): Promise<Trial> {
  const dir = tempDir();
  const { spec } = makeSpec(TASKS);
  const socket = mode === "tmux" ? privateTmux() : "";
  const modeArgs = mode === "tmux" ? ["--tmux-socket", socket] : ["--no-tmux"];
  const ids = join(dir, "attempt-ids");
  // Each agent run notes its attempt id, leaves a background child behind, and takes a little while.
  const agent = scriptedAgent(dir, `cat >/dev/null; echo "$SEQORCH_ATTEMPT_ID" >> '${ids}'; sleep 4 & sleep 0.08; echo '<promise>TASK_DONE</promise>'`);
  const args = ["run", "--spec", spec, "--delay", "0.05", "--agent-command", agent.command, ...modeArgs];
  const env = { ...process.env, CI: "true", SEQORCH_KILL_GRACE_MS: "300", SEQORCH_TRIAL: trialId };
  const problems: string[] = [];
  let kills = 0;
  for (let i = 0; i < KILLS_PER_SPEC; i++) {
    const proc = Bun.spawn([binary, ...args], { env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const at = Math.floor(random() * RUN_MS[mode]);
    const timer = setTimeout(() => proc.kill("SIGKILL"), at);
    const code = await proc.exited;
    clearTimeout(timer);
    const stderr = await new Response(proc.stderr).text();
    if (code === 137) kills++;
    else if (code !== 0) problems.push(`run ${i + 1} (kill at ${at} ms) exited ${code}: ${stderr.trim().split("\n").at(-1)}`);
    if (code === 0) break;
  }
  const resumed = await seqorch(args, { env: { SEQORCH_KILL_GRACE_MS: "300", SEQORCH_TRIAL: trialId } });
  if (resumed.code !== 0) problems.push(`the final resume exited ${resumed.code}: ${resumed.stderr.trim().split("\n").at(-1)}`);
  const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
  for (const key of [...UNITS, "2.1", "2.2"]) {
    const times = state.completed.filter((k: string) => k === key).length;
    if (times !== 1) problems.push(`${key} is recorded completed ${times} times`);
  }
  const records = Object.values(state.attempts).flat() as { status: string; attempt_id: string }[];
  for (const unit of UNITS) {
    const done = (state.attempts[unit] ?? []).filter((a: { status: string }) => a.status === "done").length;
    if (done !== 1) problems.push(`unit ${unit} has ${done} attempts recorded done`);
  }
  for (const r of records) if (r.status === "running") problems.push(`attempt ${r.attempt_id} is still recorded running`);
  const recorded = new Set(records.map((r) => r.attempt_id));
  const ran = existsSync(ids) ? readFileSync(ids, "utf8").split("\n").filter(Boolean) : [];
  for (const id of ran) if (!recorded.has(id)) problems.push(`agent run ${id} is not recorded in the state file`);
  await Bun.sleep(100);
  const survivors = processesWith(`SEQORCH_TRIAL=${trialId}`, spec);
  if (survivors.length) problems.push(`survivors: ${survivors.join(", ")}`);
  for (const pid of survivors) process.kill(pid, "SIGKILL");
  if (mode === "tmux") {
    const clients = waitClients(socket);
    if (clients.length) problems.push(`blocked tmux wait-for clients: ${clients.join(", ")}`);
    for (const pid of clients) process.kill(pid, "SIGKILL");
  }
  // Every box ticked exactly when the state records its task done; none left "in progress" ([-]) after the run.
  const tasks = readFileSync(join(spec, "tasks.md"), "utf8");
  const expected = TASKS.replace(/\[ \] (\d+(?:\.\d+)*)/g, (box, key: string) => (state.completed.includes(key) ? `[x] ${key}` : box));
  if (tasks !== expected) problems.push(`tasks.md does not match the state: ${JSON.stringify(tasks)}`);
  return { kills, problems: problems.map((p) => `[${trialId}] ${p}`) };
}

for (const mode of ["direct", "tmux"] as const) {
  describe(`random kills (${mode})`, () => {
    test(`at least ${KILLS_PER_MODE} SIGKILLs at random moments, then a resume: nothing run twice, nothing left running`, async () => {
      const random = rng(seed + (mode === "tmux" ? 1 : 0));
      console.log(`random kills (${mode}): SEQORCH_KILL_SEED=${seed}`);
      let kills = 0;
      let trials = 0;
      const problems: string[] = [];
      while (kills < KILLS_PER_MODE) {
        const batch = await Promise.all(Array.from({ length: PARALLEL }, () => attack(mode, random, `${mode}-${seed}-${++trials}`)));
        for (const t of batch) {
          kills += t.kills;
          problems.push(...t.problems);
        }
      }
      console.log(`random kills (${mode}): ${kills} kills over ${trials} specs`);
      expect(problems).toEqual([]);
      expect(kills).toBeGreaterThanOrEqual(KILLS_PER_MODE);
    }, 600_000);
  });
}
