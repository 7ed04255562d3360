// What a person sees of a parallel run (--parallel 3): the compiled binary in a real terminal (a tmux pane read
// with capture-pane), real git worktrees, scripted agents in their own tmux server. At one moment the pane shows
// one line per unit in flight and the merge queue's line; at the end the block is gone and the summary lists every
// unit by task ID with its title. With --json every event carries the unit's ID (null for the run's own).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { quoteShellArg } from "../../src/runner/shell-quote.ts";
import { binary, cleanUp, git, GIT_ENV, makeSpec, privateTmux, seqorch, tempDir, until } from "./harness.ts";

afterAll(cleanUp);

const TASKS = [
  "# Tasks",
  "",
  "- [ ] 1. Build the parser",
  "  - _writes: src/u1.ts_",
  "- [ ] 2. 認証モジュールを書く",
  "  - _writes: src/u2.ts_",
  "- [ ] 3. Ship the 🚀 page",
  "  - _writes: src/u3.ts_",
  "- [ ] 4. Write the docs",
  "  - _writes: src/u4.ts_",
  "",
].join("\n");

function repo(): { root: string; spec: string } {
  const made = makeSpec(TASKS);
  git(made.root, "init", "-q", "-b", "main");
  writeFileSync(join(made.root, "README.md"), "# r\n");
  git(made.root, "add", "-A");
  git(made.root, "commit", "-qm", "init");
  return made;
}

/** Unit 1 works until `release` exists; the others finish at once (and then wait in the merge queue behind it). */
function agent(dir: string, release: string): string {
  const script = join(dir, "agent.sh");
  writeFileSync(
    script,
    [
      "#!/bin/sh",
      "cat > /dev/null",
      `if [ "$SEQORCH_TASK_ID" = 1 ]; then while [ ! -e ${quoteShellArg(release)} ]; do sleep 0.1; done; else sleep 0.3; fi`,
      "mkdir -p src",
      'echo "export const u$SEQORCH_TASK_ID = $SEQORCH_TASK_ID;" > "src/u$SEQORCH_TASK_ID.ts"',
      'echo "done <promise>TASK_DONE</promise>"',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return script;
}


const capture = (socket: string): string[] => Bun.spawnSync(["tmux", "-L", socket, "capture-pane", "-p", "-t", "=view:"]).stdout.toString().split("\n");

/**
 * A --parallel 3 run of the four units in a `columns`-wide tmux pane, with real tmux windows for the agents; returns
 * the pane's lines once units 2 and 3 are done and wait for unit 1 (merges go in task-ID order; unit 4 waits for a
 * free slot), and a function that lets unit 1 finish and returns the pane's lines at the end.
 */
async function runInPane(columns: number): Promise<{ during: string[]; finish: () => Promise<string[]> }> {
  const dir = tempDir();
  const { spec } = repo();
  const release = join(dir, "release");
  const screen = privateTmux();
  const agents = privateTmux();
  const command = [binary, "run", "--spec", spec, "--parallel", "3", "--commit", "--delay", "0", "--tmux-socket", agents, "--agent-command", agent(dir, release)];
  const env = Object.entries(GIT_ENV).map(([k, v]) => `${k}=${v}`).join(" ");
  const shell = `env -u CI -u NO_COLOR ${env} ${command.map(quoteShellArg).join(" ")}; echo "EXIT=$?"; sleep 60`;
  expect(Bun.spawnSync(["tmux", "-L", screen, "new-session", "-d", "-s", "view", "-x", String(columns), "-y", "40", shell]).exitCode).toBe(0);
  const during = await until(() => {
    const lines = capture(screen);
    return lines.some((l) => l.startsWith("⇄ merge queue: queued 2, 3")) && lines;
  });
  const finish = async () => {
    writeFileSync(release, "");
    return until(() => {
      const lines = capture(screen);
      return lines.some((l) => l.startsWith("EXIT=")) && lines;
    });
  };
  return { during, finish };
}

describe("the live display of a parallel run", () => {
  test("one line per unit in flight and the merge queue's line, redrawn in place; at the end the summary by task ID with titles", async () => {
    const { during, finish } = await runInPane(140);
    const block = during.filter((l) => /^(◐|◌|⇄) /.test(l));
    expect(block).toHaveLength(4);
    expect(block[0]).toMatch(/^◐ 1 Build the parser · implementing · \d+\.\d s · attempt 1\/3 · command · window @\d+$/);
    expect(block[1]).toMatch(/^◌ 2 認証モジュールを書く · queued for merge · \d+\.\d s · attempt 1\/3 · command$/);
    expect(block[2]).toMatch(/^◌ 3 Ship the 🚀 page · queued for merge · \d+\.\d s · attempt 1\/3 · command$/);
    expect(block[3]).toMatch(/^⇄ merge queue: queued 2, 3 · 3 in flight · run \d+\.\d s · tmux -L \S+ attach -t sequential-feature$/);
    // The block is the last thing on the screen, each line once; the finished attempts scrolled above it.
    const last = during.findLastIndex((l) => l.trim() !== "");
    expect(during.indexOf(block[3]!)).toBe(last);
    expect(during.filter((l) => l.includes("merge queue")).length).toBe(1);
    expect(during.slice(0, last - 3).some((l) => /^✔ 2 認証モジュールを書く \(\d+\.\d s, attempt 1\)$/.test(l))).toBe(true);
    for (const line of during) expect(Bun.stringWidth(line)).toBeLessThan(140);

    const after = await finish();
    expect(after).toContain("EXIT=0");
    // No block left behind, nothing of it scrolled: every unit merged once, in task-ID order.
    expect(after.filter((l) => /merge queue|implementing|queued for merge/.test(l))).toEqual([]);
    expect(after.filter((l) => / merged onto main at /.test(l)).map((l) => l.split(" ")[1])).toEqual(["1", "2", "3", "4"]);
    const table = after.slice(after.findIndex((l) => /^Unit\s+Title/.test(l)));
    expect(table[1]).toMatch(/^1\s+Build the parser\s+1\s+0\s+merged\s+\d+\.\d s$/);
    expect(table[2]).toMatch(/^2\s+認証モジュールを書く\s+1\s+0\s+merged/);
    expect(table[3]).toMatch(/^3\s+Ship the 🚀 page\s+1\s+0\s+merged/);
    expect(table[4]).toMatch(/^4\s+Write the docs\s+1\s+0\s+merged/);
    expect(table[5]).toMatch(/^4 unit\(s\) done, 0 failed attempt\(s\)/);
  }, 90_000);

  test("in a 50-column pane each line is cut to fit (never wrapped), ID and step first; CJK and emoji titles counted as two columns", async () => {
    const { during, finish } = await runInPane(50);
    const block = during.filter((l) => /^(◐|◌|⇄) /.test(l));
    expect(block).toHaveLength(4);
    // What comes after the elapsed time depends on its width (`0.4 s`, `12.3 s`): shorter pieces fill what is left.
    expect(block[0]).toMatch(/^◐ 1 Build the parser · implementing · \d+\.\d s( · .+)?$/);
    expect(block[1]).toMatch(/^◌ 2 認証\S*… · queued for merge · \d+\.\d s( · .+)?$/);
    expect(block[2]).toMatch(/^◌ 3 Ship the 🚀 page · queued for merge · \d+\.\d s( · .+)?$/);
    expect(block[3]).toBe("⇄ merge queue: queued 2, 3 · 3 in flight");
    const last = during.findLastIndex((l) => l.trim() !== "");
    expect(during.indexOf(block[3]!)).toBe(last);
    expect(during.indexOf(block[0]!)).toBe(last - 3);
    for (const line of during.slice(last - 3, last + 1)) expect(Bun.stringWidth(line)).toBeLessThan(50);
    const after = await finish();
    expect(after).toContain("EXIT=0");
    expect(after.filter((l) => /merge queue|implementing|queued for merge/.test(l))).toEqual([]);
  }, 90_000);

  test("--json: every event carries unitId, the unit's ID on a unit's events and null on the run's; titles on unit-started; merges in task-ID order", async () => {
    const dir = tempDir();
    const { root, spec } = repo();
    const release = join(dir, "release");
    writeFileSync(release, "");
    const r = await seqorch(["run", "--spec", spec, "--parallel", "3", "--commit", "--no-tmux", "--delay", "0", "--json", "--agent-command", agent(dir, release)], { env: GIT_ENV });
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; unitId?: unknown; step?: string; title?: string; review?: boolean; worktree?: string | null });
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) expect(Object.keys(event).slice(0, 3)).toEqual(["time", "type", "unitId"]);
    const perUnit = events.filter((e) => ["unit-started", "attempt-finished", "unit-step", "rate-limited", "fallback", "unit-next"].includes(e.type));
    for (const event of perUnit) expect(["1", "2", "3", "4"]).toContain(event.unitId as string);
    for (const event of events.filter((e) => ["run-started", "run-ended", "warning", "sleeping", "spec-changed"].includes(e.type))) expect(event.unitId).toBeNull();
    expect(events.filter((e) => e.type === "unit-started").map((e) => `${e.unitId}:${e.title}`).sort()).toEqual(["1:Build the parser", "2:認証モジュールを書く", "3:Ship the 🚀 page", "4:Write the docs"]);
    expect(events.filter((e) => e.type === "unit-started").every((e) => e.review === false && e.worktree === `seqorch/feature/${e.unitId}`)).toBe(true);
    expect(events.filter((e) => e.step === "merging").map((e) => e.unitId)).toEqual(["1", "2", "3", "4"]);
    expect(events.filter((e) => e.step === "merge").map((e) => e.unitId)).toEqual(["1", "2", "3", "4"]);
    expect(events.at(-1)).toMatchObject({ type: "run-ended", unitId: null, final: "complete" });
    expect(existsSync(join(root, "src", "u4.ts"))).toBe(true);
  }, 60_000);

  test("plain lines (CI=true): each unit's attempt names the unit, merges say which unit, no escape codes", async () => {
    const dir = tempDir();
    const { spec } = repo();
    const release = join(dir, "release");
    writeFileSync(release, "");
    const r = await seqorch(["run", "--spec", spec, "--parallel", "3", "--commit", "--no-tmux", "--delay", "0", "--agent-command", agent(dir, release)], { env: { ...GIT_ENV, CI: "true" } });
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).not.toContain("\x1b[");
    const starts = out.split("\n").filter((l) => / attempt 1 of 3 on command/.test(l));
    expect(starts.map((l) => /unit (\d) /.exec(l)?.[1]).sort()).toEqual(["1", "2", "3", "4"]);
    expect(out).toContain("unit 2 認証モジュールを書く: attempt 1 of 3 on command");
    expect(out.match(/unit \d merge: merged onto main/g)?.length).toBe(4);
  }, 60_000);
});
