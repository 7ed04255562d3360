// The direct runner against real child processes: exit codes, logs, stdin, env, abort of a whole process group.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunnerError } from "../../src/errors.ts";
import { createDirectRunner } from "../../src/runner/direct.ts";
import { isAlive } from "../../src/runner/process-tree.ts";
import type { LaunchSpec } from "../../src/runner/types.ts";

const root = mkdtempSync(join(tmpdir(), "seqorch-direct-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const runner = createDirectRunner({ graceMs: 300 });
let counter = 0;

/** A LaunchSpec in a fresh attempt folder; `sh` runs `script` with `/bin/sh -c`. */
function spec(script: string, overrides: Partial<LaunchSpec> = {}): LaunchSpec {
  const attemptDir = join(root, `attempt-${++counter}`);
  mkdirSync(attemptDir);
  return {
    argv: ["/bin/sh", "-c", script],
    env: {},
    cwd: attemptDir,
    stdinFile: null,
    outLog: join(attemptDir, "out.log"),
    errLog: join(attemptDir, "err.log"),
    attemptDir,
    windowName: "task-1",
    ...overrides,
  };
}

async function run(s: LaunchSpec, signal = new AbortController().signal) {
  return runner.wait(await runner.start(s), signal);
}

/** Poll until `file` holds `lines` lines (the child wrote its pids). */
async function pidsFrom(file: string, lines: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    const pids = text.split("\n").filter(Boolean).map(Number);
    if (pids.length >= lines) return pids;
    await Bun.sleep(10);
  }
  throw new Error(`${file} never got ${lines} pids`);
}

describe("direct runner", () => {
  test("exit codes propagate", async () => {
    expect(await run(spec("exit 0"))).toMatchObject({ exitCode: 0, reason: "exited" });
    expect(await run(spec("exit 3"))).toMatchObject({ exitCode: 3, reason: "exited" });
  });

  test("stdout and stderr are appended byte for byte to their logs", async () => {
    const s = spec("printf 'out\\0\\377\\nno newline'; printf 'err\\n' >&2");
    writeFileSync(s.outLog, "previous\n");
    await run(s);
    expect(readFileSync(s.outLog)).toEqual(Buffer.from("previous\nout\0\xff\nno newline", "latin1"));
    expect(readFileSync(s.errLog, "utf8")).toBe("err\n");
  });

  test("a command that prints nothing leaves empty logs", async () => {
    const s = spec("true");
    await run(s);
    expect(readFileSync(s.outLog, "utf8")).toBe("");
    expect(readFileSync(s.errLog, "utf8")).toBe("");
  });

  test("the prompt file arrives on stdin, which is then closed", async () => {
    const s = spec("cat");
    writeFileSync(join(s.attemptDir, "prompt.md"), "do the task\n$(not expanded)\n");
    const exit = await run({ ...s, argv: ["cat"], stdinFile: join(s.attemptDir, "prompt.md") });
    expect(exit).toMatchObject({ exitCode: 0, reason: "exited" });
    expect(readFileSync(s.outLog, "utf8")).toBe("do the task\n$(not expanded)\n");
  });

  test("without a prompt file stdin is empty", async () => {
    const s = spec("cat; echo done");
    expect(await run(s)).toMatchObject({ exitCode: 0 });
    expect(readFileSync(s.outLog, "utf8")).toBe("done\n");
  });

  test("env vars are added to the inherited environment, cwd is used", async () => {
    const s = spec('printf "%s|%s|%s" "$SEQ_A" "$SEQ_B" "$(pwd)"; test -n "$PATH"', { env: { SEQ_A: "1", SEQ_B: "$(touch canary) '\"" } });
    expect(await run(s)).toMatchObject({ exitCode: 0 });
    expect(readFileSync(s.outLog, "utf8")).toBe(`1|$(touch canary) '"|${s.attemptDir}`);
    expect(existsSync(join(s.attemptDir, "canary"))).toBe(false);
  });

  test("abort ends the whole process group, grandchildren included", async () => {
    const s = spec("sleep 100 & echo $! >pids; sleep 100 & echo $! >>pids; echo $$ >>pids; wait");
    const abort = new AbortController();
    const handle = await runner.start(s);
    const waiting = runner.wait(handle, abort.signal);
    const pids = await pidsFrom(join(s.attemptDir, "pids"), 3);
    abort.abort();
    const exit = await waiting;
    expect(exit).toMatchObject({ exitCode: null, reason: "aborted" });
    expect(exit.durationMs).toBeLessThan(2000);
    for (const pid of [...pids, handle.pid!]) expect(isAlive(pid)).toBe(false);
  });

  test("a group that ignores SIGTERM gets SIGKILL after the grace period", async () => {
    const s = spec("trap '' TERM; sleep 100 & echo $! >pids; echo $$ >>pids; wait");
    const abort = new AbortController();
    const handle = await runner.start(s);
    const waiting = runner.wait(handle, abort.signal);
    const pids = await pidsFrom(join(s.attemptDir, "pids"), 2);
    const t0 = Date.now();
    abort.abort();
    expect(await waiting).toMatchObject({ reason: "aborted" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  test("an already aborted signal ends the attempt at once", async () => {
    const abort = new AbortController();
    abort.abort();
    expect(await run(spec("sleep 100"), abort.signal)).toMatchObject({ reason: "aborted", exitCode: null });
  });

  test("kill ends a running attempt's tree", async () => {
    const s = spec("sleep 100 & echo $! >pids; wait");
    const handle = await runner.start(s);
    const [child] = await pidsFrom(join(s.attemptDir, "pids"), 1);
    await runner.kill(handle);
    expect(isAlive(child!)).toBe(false);
    expect(await runner.wait(handle, new AbortController().signal)).toMatchObject({ exitCode: 143, reason: "exited" });
  });

  test("a missing program or working directory is a RunnerError", async () => {
    await expect(runner.start(spec("true", { argv: ["/nonexistent/agent"] }))).rejects.toBeInstanceOf(RunnerError);
    await expect(runner.start(spec("true", { cwd: join(root, "missing") }))).rejects.toBeInstanceOf(RunnerError);
  });
});

describe("the agent's environment", () => {
  test("markers of an enclosing coding agent (CLAUDECODE…) are not passed on; everything else is", async () => {
    const { agentEnvironment, withoutNestingMarkers } = await import("../../src/runner/agent-env.ts");
    const base = { CLAUDECODE: "1", CLAUDE_CODE_ENTRYPOINT: "cli", HOME: "/h", TMUX: "/tmp/x", "BAD-NAME": "x", API_KEY: "k" };
    expect(withoutNestingMarkers(base)).toEqual({ HOME: "/h", TMUX: "/tmp/x", "BAD-NAME": "x", API_KEY: "k" });
    expect(agentEnvironment({ SEQORCH_TASK_ID: "1" }, base)).toEqual({ HOME: "/h", API_KEY: "k", SEQORCH_TASK_ID: "1" });
  });
});
