// The tmux runner: argv built for an injected client, then real attempts on a private tmux server.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunnerError } from "../../src/errors.ts";
import { isAlive } from "../../src/runner/process-tree.ts";
import { createTmuxClient, type TmuxResult } from "../../src/runner/tmux-client.ts";
import { fakeTmuxClient } from "./fake-tmux.ts";
import { createTmuxRunner, PANE_SCRIPT, paneArgv, runsAttempt, safeWindowName, tmuxAvailable } from "../../src/runner/tmux.ts";
import type { AttemptHandle, LaunchSpec, SessionRunner } from "../../src/runner/types.ts";

const root = mkdtempSync(join(tmpdir(), "seqorch-tmux-"));
const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const socket = `seqorch-test-${suffix}`;
const sockets = [socket, `${socket}-b`];
const never = new AbortController().signal;
let counter = 0;

afterAll(() => {
  for (const s of sockets) {
    Bun.spawnSync(["tmux", "-L", s, "kill-server"], { stderr: "ignore" });
    rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid!()}`, s), { force: true });
    rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid!()}`, `${s}-none`), { force: true });
  }
  rmSync(root, { recursive: true, force: true });
});

/** A LaunchSpec in a fresh attempt folder; runs `script` with `/bin/sh -c`. */
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
    windowName: `task-${counter}`,
    ...overrides,
  };
}

/** The pane script's arguments (after `/bin/sh -c SCRIPT seqorch-attempt`) in the command line of process `pid`. */
function paneArguments(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(4);
}

/** A file's text, or "" when it cannot be read (a process gone meanwhile, another user's). */
function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** `pid` and every descendant of it, from /proc's parent links. */
function treePids(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    const ppid = Number(readOr(`/proc/${entry}/stat`).replace(/^.*\) /s, "").split(" ")[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found = [pid];
  for (let i = 0; i < found.length; i++) found.push(...(parents.get(found[i]!) ?? []));
  return found;
}

/** Run a tmux command on `s` and return its stdout. */
function tmux(s: string, ...args: string[]): string {
  return Bun.spawnSync(["tmux", "-L", s, ...args], { stderr: "ignore" }).stdout.toString().trim();
}

/** Poll until `file` holds `lines` pids written by the attempt. */
async function pidsFrom(file: string, lines: number): Promise<number[]> {
  for (let i = 0; i < 300; i++) {
    const pids = (existsSync(file) ? readFileSync(file, "utf8") : "").split("\n").filter(Boolean).map(Number);
    if (pids.length >= lines) return pids;
    await Bun.sleep(10);
  }
  throw new Error(`${file} never got ${lines} pids`);
}

describe("tmux runner with an injected client", () => {
  function fake(replies: Record<string, TmuxResult[]>) {
    const { calls, client } = fakeTmuxClient(replies);
    return { calls, runner: createTmuxRunner({ sessionName: "run.1", client }) };
  }

  test("creates the session when the server is not running, then targets ids only", async () => {
    const { calls, runner } = fake({
      "list-sessions": [{ code: 1, stdout: "", stderr: "no server running on /tmp/tmux-0/fake\n" }],
      "new-session": [{ code: 0, stdout: "$7\n", stderr: "" }],
      "new-window": [{ code: 0, stdout: "@3 %4 1234\n", stderr: "" }],
    });
    const handle = await runner.start(spec("true", { windowName: "task-13.4#2 x" }));
    expect(handle).toMatchObject({ runner: "tmux", sessionId: "$7", windowId: "@3", pid: 1234 });
    expect(calls[1]).toEqual(["tmux", "-L", "fake", "new-session", "-d", "-s", "run_1", "-n", "seqorch", "-x", "200", "-y", "50", "-P", "-F", "#{session_id}", "--", "/bin/sh", "-i"]);
    // The session's own hook keeps finished panes (remain-on-exit), not the server's global option.
    expect(calls[2]).toEqual(["tmux", "-L", "fake", "set-hook", "-t", "$7", "after-new-window", "set-option -w remain-on-exit on"]);
    // The window's command is text on the client's stdin (source-file -), so the environment is in no argv.
    expect(calls[3]!.slice(3, 9)).toEqual(["new-window", "-d", "-t", "$7:", "-n", "task-13.4_2_x"]);
    const pane = calls[3]!.slice(calls[3]!.indexOf("--") + 1);
    expect(pane.slice(0, 4)).toEqual(["/bin/sh", "-c", PANE_SCRIPT, "seqorch-attempt"]);
    expect(pane[4]).toBe(handle.attemptDir);
    expect(pane.slice(-3)).toEqual(["/bin/sh", "-c", "true"]);
  });

  test("finds an existing session by exact name and recreates it when it went away", async () => {
    const { calls, runner } = fake({
      "list-sessions": [
        { code: 0, stdout: "$1 run_10\n$2 run_1\n", stderr: "" },
        { code: 1, stdout: "", stderr: "no server running\n" },
      ],
      "new-window": [
        { code: 0, stdout: "@1 %1 11\n", stderr: "" },
        { code: 1, stdout: "", stderr: "can't find session: $2\n" },
        { code: 0, stdout: "@0 %0 12\n", stderr: "" },
      ],
      "new-session": [{ code: 0, stdout: "$0\n", stderr: "" }],
    });
    expect((await runner.start(spec("true"))).sessionId).toBe("$2");
    expect((await runner.start(spec("true"))).sessionId).toBe("$0");
    // An existing session has its finished windows closed first (window-cleanup.ts): one list-windows.
    expect(calls.map((c) => c[3])).toEqual(["list-sessions", "list-windows", "set-hook", "new-window", "new-window", "list-sessions", "new-session", "set-hook", "new-window"]);
  });

  test("a server that is exiting as the session is created is retried; another error is not", async () => {
    const exiting = { code: 1, stdout: "", stderr: "server exited unexpectedly\n" };
    const { calls, runner } = fake({
      "list-sessions": [{ code: 0, stdout: "", stderr: "" }],
      "new-session": [exiting, exiting, { code: 0, stdout: "$5\n", stderr: "" }],
      "new-window": [{ code: 0, stdout: "@1 %1 11\n", stderr: "" }],
    });
    expect((await runner.start(spec("true"))).sessionId).toBe("$5");
    expect(calls.filter((c) => c[3] === "new-session")).toHaveLength(3);

    const refused = fake({
      "list-sessions": [{ code: 0, stdout: "", stderr: "" }],
      "new-session": [{ code: 1, stdout: "", stderr: "duplicate session: run_1\n" }],
    });
    const error = await refused.runner.start(spec("true")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerError);
    expect((error as Error).message).toBe("tmux runner: tmux new-session: duplicate session: run_1");
    expect(refused.calls.filter((c) => c[3] === "new-session")).toHaveLength(1);
  });

  test("a failing new-window is a RunnerError carrying tmux's message", async () => {
    const { runner } = fake({
      "list-sessions": [{ code: 0, stdout: "$0 run_1\n", stderr: "" }],
      "new-window": [{ code: 1, stdout: "", stderr: "create window failed: index in use\n" }],
    });
    const error = await runner.start(spec("true")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerError);
    expect((error as Error).message).toContain("index in use");
  });

  test("the pane script, run outside tmux, splits the streams, records the exit code and gives the attempt id to the agent alone", () => {
    const agent = `printf '%s|%s\\n' "$SEQ_X" "$SEQORCH_ATTEMPT_ID"; echo out; echo err >&2; exit 5`;
    const s = spec(agent, { env: { SEQORCH_ATTEMPT_ID: "run-1.1" } });
    // `true` stands in for tmux, so the closing wait-for -S does nothing. The pane's environment is the agent's.
    const proc = Bun.spawnSync(paneArgv(s, "chan", { binary: "true" }), { env: { ...process.env, SEQ_X: "x y", SEQORCH_ATTEMPT_ID: "" } });
    expect(proc.exitCode).toBe(0);
    expect(proc.stdout.toString()).toContain("out\n");
    expect(readFileSync(s.outLog, "utf8")).toBe("x y|run-1.1\nout\n");
    expect(readFileSync(s.errLog, "utf8")).toBe("err\n");
    expect(readFileSync(join(s.attemptDir, "exit"), "utf8")).toBe("5\n");
  });

  test("the pane script records 127 when the working directory is gone, and when the agent cannot be found", () => {
    const s = spec("true", { cwd: join(root, "removed") });
    const proc = Bun.spawnSync(paneArgv(s, "chan", { binary: "true" }));
    expect(proc.exitCode).toBe(127);
    expect(readFileSync(join(s.attemptDir, "exit"), "utf8")).toBe("127\n");
    expect(readFileSync(s.errLog, "utf8")).toContain("removed");
    const missing = spec("", { argv: [join(root, "no-such-agent")] });
    expect(Bun.spawnSync(paneArgv(missing, "chan", { binary: "true" })).exitCode).toBe(0);
    expect(readFileSync(join(missing.attemptDir, "exit"), "utf8")).toBe("127\n");
  });

  test("the pane script sets no variable of its own: a user's variables named like its words reach the agent unchanged", () => {
    const s = spec(`printf '%s|%s|%s|%s' "$d" "$out" "$channel" "$IFS"`);
    const env = { ...process.env, d: "user d", out: "user out", channel: "user channel", IFS: "0123456789" };
    Bun.spawnSync(paneArgv({ ...s, argv: ["/bin/sh", "-c", `exit 10`] }, "chan", { binary: "true" }), { env });
    // An IFS of digits would split an unquoted $? (10 into 1 and an empty word): the exit file still says 10.
    expect(readFileSync(join(s.attemptDir, "exit"), "utf8")).toBe("10\n");
    const t = spec(`printf '%s|%s|%s' "$d" "$out" "$channel"`);
    Bun.spawnSync(paneArgv(t, "chan", { binary: "true" }), { env });
    expect(readFileSync(t.outLog, "utf8")).toBe("user d|user out|user channel");
  });

  test("a pane is told apart by its attempt folder argument, or an older seqorch's run.sh; not by a tee's log path", () => {
    const dir = "/spec/.seqorch/attempts/1.1";
    const pane = paneArgv(spec("true", { attemptDir: dir, outLog: `${dir}/out.log`, errLog: `${dir}/err.log` }), "chan", { binary: "tmux" }).join("\0");
    expect(runsAttempt(`${pane}\0`, dir)).toBe(true);
    expect(runsAttempt(`/bin/sh\0${dir}/run.sh\0`, dir)).toBe(true);
    expect(runsAttempt(`tee\0-a\0${dir}/err.log\0`, dir)).toBe(false);
    expect(runsAttempt(`${pane}\0`, `${dir}0`)).toBe(false);
    expect(runsAttempt(`${pane}\0`, "/spec/.seqorch/attempts/1")).toBe(false);
  });

  test("window names keep only [A-Za-z0-9._-]", () => {
    expect(safeWindowName("task-13.4#2")).toBe("task-13.4_2");
    expect(safeWindowName("#{session_name} $(x)")).toBe("__session_name____x_");
    expect(safeWindowName("")).toBe("attempt");
  });
});

describe("tmux runner on a real server", () => {
  const runner = createTmuxRunner({ sessionName: "seqorch.test", socket, graceMs: 300, livenessMs: 100 });
  const run = async (s: LaunchSpec, r: SessionRunner = runner) => r.wait(await r.start(s), never);

  test("tmux is available on the private socket", async () => {
    expect(await tmuxAvailable(socket)).toBe(true);
  });

  test("exit codes propagate", async () => {
    expect(await run(spec("exit 0"))).toMatchObject({ exitCode: 0, reason: "exited" });
    expect(await run(spec("exit 3"))).toMatchObject({ exitCode: 3, reason: "exited" });
    expect(await run(spec("true", { argv: ["/nonexistent/agent"] }))).toMatchObject({ exitCode: 127 });
  });

  test("a blocking wait-for runs in a control-mode client: done when signalled, ended when aborted", async () => {
    const client = createTmuxClient({ socket }); // the server runs: the test above made the session
    const channel = `seqorch-test-${suffix}-block`;
    const done = client.block(["wait-for", channel]);
    let settled = false;
    void done.then(() => (settled = true));
    await Bun.sleep(100);
    expect(settled).toBe(false);
    tmux(socket, "wait-for", "-S", channel);
    await done;
    const abort = new AbortController();
    const aborted = client.block(["wait-for", `${channel}-never`], abort.signal);
    await Bun.sleep(50);
    abort.abort();
    await aborted; // the client was killed; nothing is left blocked on the channel
  });

  test("a missing working directory or prompt file is a RunnerError", async () => {
    await expect(runner.start(spec("true", { cwd: join(root, "missing") }))).rejects.toBeInstanceOf(RunnerError);
    await expect(runner.start(spec("true", { stdinFile: join(root, "missing.md") }))).rejects.toBeInstanceOf(RunnerError);
  });

  test("stdout goes to outLog and stderr to errLog, byte for byte, and both to the pane", async () => {
    const s = spec("printf 'out \\001\\377\\nno newline'; printf 'err\\n' >&2");
    writeFileSync(s.outLog, "previous\n");
    const handle = await runner.start(s);
    await runner.wait(handle, never);
    expect(readFileSync(s.outLog)).toEqual(Buffer.from("previous\nout \x01\xff\nno newline", "latin1"));
    expect(readFileSync(s.errLog, "utf8")).toBe("err\n");
    // The pane shows both streams, the last bytes too.
    const pane = () => tmux(socket, "capture-pane", "-p", "-J", "-S", "-", "-t", handle.windowId!);
    for (let i = 0; i < 100 && !(pane().includes("err") && pane().includes("no newline")); i++) await Bun.sleep(10);
    expect(pane()).toContain("err");
    expect(pane()).toContain("no newline");
  });

  test("a Ctrl-C typed in the pane reaches the agent alone: the attempt ends with the agent's exit code, and the pane ends", async () => {
    const s = spec("trap 'echo interrupted; exit 9' INT; echo ready; while :; do sleep 0.05; done");
    const handle = await runner.start(s);
    for (let i = 0; i < 200 && !readOr(s.outLog).includes("ready"); i++) await Bun.sleep(10);
    tmux(socket, "send-keys", "-t", handle.windowId!, "C-c");
    expect(await runner.wait(handle, never)).toMatchObject({ exitCode: 9, reason: "exited" });
    expect(readFileSync(s.outLog, "utf8")).toBe("ready\ninterrupted\n");
    // The pane's shell and its tees are gone within a second: the pane is dead.
    const dead = () => tmux(socket, "display-message", "-p", "-t", handle.windowId!, "#{pane_dead}");
    for (let i = 0; i < 100 && dead() !== "1"; i++) await Bun.sleep(10);
    expect(dead()).toBe("1");
  });

  test("a command that prints nothing leaves empty logs", async () => {
    const s = spec("true");
    await run(s);
    expect(readFileSync(s.outLog, "utf8")).toBe("");
    expect(readFileSync(s.errLog, "utf8")).toBe("");
  });

  test("the prompt file arrives on stdin, which is then closed; no prompt file is empty stdin", async () => {
    const s = spec("", { argv: ["cat"] });
    writeFileSync(join(s.attemptDir, "prompt.md"), "do the task\n$(touch canary) #{session_name}\n");
    expect(await run({ ...s, stdinFile: join(s.attemptDir, "prompt.md") })).toMatchObject({ exitCode: 0 });
    expect(readFileSync(s.outLog, "utf8")).toBe("do the task\n$(touch canary) #{session_name}\n");
    const empty = spec("", { argv: ["cat"] });
    expect(await run(empty)).toMatchObject({ exitCode: 0 });
    expect(readFileSync(empty.outLog, "utf8")).toBe("");
  });

  test("env vars arrive", async () => {
    const s = spec('printf "%s|%s" "$SEQ_A" "$(pwd)"', { env: { SEQ_A: "value a" } });
    await run(s);
    expect(readFileSync(s.outLog, "utf8")).toBe(`value a|${s.attemptDir}`);
  });

  test("hostile window names, env values and argv execute nothing", async () => {
    const hostile = "$(touch canary) `touch canary` #{session_name} #(touch canary) ';touch canary;'\nx";
    const s = spec("", { argv: ["/bin/sh", "-c", 'printf "%s|%s" "$1" "$SEQ_H"', hostile, hostile], env: { SEQ_H: hostile }, windowName: hostile });
    expect(await run(s)).toMatchObject({ exitCode: 0 });
    expect(readFileSync(s.outLog, "utf8")).toBe(`${hostile}|${hostile}`);
    expect(existsSync(join(s.attemptDir, "canary"))).toBe(false);
    expect(existsSync(join(process.cwd(), "canary"))).toBe(false);
  });

  test("the environment reaches the agent in no process's argv and no file; only the agent carries the attempt id", async () => {
    const secret = `s3cret-${Math.random().toString(36).slice(2)}`;
    const attemptId = `run-${Math.random().toString(36).slice(2)}-1.1`; // not a secret: the state file holds it too
    const s = spec("echo $$ >agent.pid; sleep 1", { env: { SEQORCH_ATTEMPT_ID: attemptId, SEQ_SECRET: secret } });
    const handle = await runner.start(s);
    const [agent] = await pidsFrom(join(s.attemptDir, "agent.pid"), 1);
    const withSecret = readdirSync("/proc").filter((pid) => /^\d+$/.test(pid) && readOr(`/proc/${pid}/cmdline`).includes(secret));
    expect(withSecret).toEqual([]);
    for (const file of readdirSync(s.attemptDir)) expect(readOr(join(s.attemptDir, file))).not.toContain(secret);
    expect(readOr(`/proc/${agent}/environ`).split("\0")).toEqual(expect.arrayContaining([`SEQ_SECRET=${secret}`, `SEQORCH_ATTEMPT_ID=${attemptId}`]));
    // The pane's shell, its two subshells and the two tees: the variables, not the id (the agent's SIGTERM spares them).
    const agents = treePids(agent!); // the agent and its `sleep`
    const others = treePids(handle.pid!).filter((pid) => !agents.includes(pid));
    expect(others.map((pid) => readOr(`/proc/${pid}/comm`).trim()).sort()).toEqual(["sh", "sh", "sh", "tee", "tee"]);
    for (const pid of others) {
      const env = readOr(`/proc/${pid}/environ`).split("\0");
      expect(env).toContain(`SEQ_SECRET=${secret}`);
      expect(env.some((entry) => entry.startsWith("SEQORCH_ATTEMPT_ID="))).toBe(false);
    }
    expect(await runner.wait(handle, never)).toMatchObject({ exitCode: 0, reason: "exited" });
  });

  test("one control-mode client for all attempts, attached to the session, ended by close; a killed session gets a new one", async () => {
    const own = createTmuxRunner({ sessionName: "seqorch.clients", socket, graceMs: 300, livenessMs: 100 });
    const clients = (sid: string) => tmux(socket, "list-clients", "-t", sid, "-F", "#{client_pid} #{client_control_mode}").split("\n").filter(Boolean);
    const first = await own.start(spec("exit 0"));
    for (let i = 0; i < 3; i++) expect(await own.wait(await own.start(spec(`exit ${i}`)), never)).toMatchObject({ exitCode: i });
    await own.wait(first, never);
    expect(clients(first.sessionId!)).toHaveLength(1);
    expect(clients(first.sessionId!)[0]).toEndWith(" 1");
    tmux(socket, "kill-session", "-t", first.sessionId!);
    const again = await own.start(spec("exit 7"));
    // (A new session; its id may be the old one's when the server went with its last session.)
    expect(await own.wait(again, never)).toMatchObject({ exitCode: 7, reason: "exited" });
    expect(clients(again.sessionId!)).toHaveLength(1);
    // Parallel starts that all find the session gone share one new client (none closes another's).
    tmux(socket, "kill-session", "-t", again.sessionId!);
    const parallel = await Promise.all([1, 2, 3].map((code) => own.start(spec(`exit ${code}`))));
    expect(new Set(parallel.map((h) => h.sessionId)).size).toBe(1);
    expect(await Promise.all(parallel.map((h) => own.wait(h, never)))).toMatchObject([{ exitCode: 1 }, { exitCode: 2 }, { exitCode: 3 }]);
    expect(clients(parallel[0]!.sessionId!)).toHaveLength(1);
    expect((await own.wait(await own.start(spec("exit 4")), never)).exitCode).toBe(4);
    const last = parallel[0]!;
    await own.close();
    for (let i = 0; i < 100 && clients(last.sessionId!).length > 0; i++) await Bun.sleep(10);
    expect(clients(last.sessionId!)).toEqual([]);
  });

  test("without a control-mode client (an older tmux) each window is made by source-file: same results", async () => {
    // A control client that ends at once, as one whose `refresh-client -f no-output` was refused is ended.
    const ended = () => ({ write() {}, end() {}, stdout: new ReadableStream<Uint8Array>({ start: (c) => c.close() }) });
    const plain = createTmuxRunner({ sessionName: "seqorch.plain", socket, graceMs: 300, livenessMs: 100, client: createTmuxClient({ socket, controlSpawn: ended }) });
    const hostile = "$(touch canary) ~ #{session_name} 'q' \"d\"\nnext";
    const s = spec('printf "%s|%s" "$1" "$SEQ_H"; echo err >&2; exit 3', { env: { SEQ_H: hostile } });
    const exit = await plain.wait(await plain.start({ ...s, argv: [...s.argv, "agent", hostile] }), never);
    expect(exit).toMatchObject({ exitCode: 3, reason: "exited" });
    expect(readFileSync(s.outLog, "utf8")).toBe(`${hostile}|${hostile}`);
    expect(readFileSync(s.errLog, "utf8")).toBe("err\n");
    expect(existsSync(join(s.attemptDir, "canary"))).toBe(false);
    expect(tmux(socket, "list-clients", "-t", "seqorch_plain")).toBe(""); // no control-mode client was attached
    await plain.close();
  });

  test("same window name twice, names with dots, # and spaces: windows are addressed by id", async () => {
    const a = await runner.start(spec("echo a", { windowName: "task-1.2 #3" }));
    const b = await runner.start(spec("echo b", { windowName: "task-1.2 #3" }));
    expect(a.windowId).not.toBe(b.windowId);
    expect(await runner.wait(b, never)).toMatchObject({ exitCode: 0 });
    expect(await runner.wait(a, never)).toMatchObject({ exitCode: 0 });
    expect(tmux(socket, "display-message", "-p", "-t", a.windowId!, "#{window_name}")).toBe("task-1.2__3");
    expect(readFileSync(join(a.attemptDir, "out.log"), "utf8")).toBe("a\n");
  });

  test("12+ sequential attempts in one session; finished windows stay", async () => {
    const handles: AttemptHandle[] = [];
    for (let i = 0; i < 14; i++) {
      const handle = await runner.start(spec(`exit ${i}`));
      expect(await runner.wait(handle, never)).toMatchObject({ exitCode: i, reason: "exited" });
      handles.push(handle);
    }
    expect(new Set(handles.map((h) => h.sessionId)).size).toBe(1);
    // The script signals completion just before its shell exits, so the last pane may need a moment to be dead.
    const list = () => tmux(socket, "list-windows", "-t", handles[0]!.sessionId!, "-F", "#{window_id} #{pane_dead}").split("\n");
    for (let i = 0; i < 100 && !list().includes(`${handles.at(-1)!.windowId} 1`); i++) await Bun.sleep(5);
    const windows = list();
    for (const h of handles) expect(windows).toContain(`${h.windowId} 1`);
  });

  test("abort ends a process tree with grandchildren; the window stays", async () => {
    const s = spec("sleep 100 & echo $! >pids; sh -c 'sleep 100 & echo $! >>pids; wait' & echo $! >>pids; wait");
    const abort = new AbortController();
    const handle = await runner.start(s);
    const waiting = runner.wait(handle, abort.signal);
    const pids = await pidsFrom(join(s.attemptDir, "pids"), 3);
    abort.abort();
    expect(await waiting).toMatchObject({ exitCode: null, reason: "aborted" });
    for (const pid of [...pids, handle.pid!]) expect(isAlive(pid)).toBe(false);
    expect(tmux(socket, "display-message", "-p", "-t", handle.windowId!, "#{window_id}")).toBe(handle.windowId!);
  });

  test("kill ends a still-running attempt", async () => {
    const s = spec("sleep 100 & echo $! >pids; wait");
    const handle = await runner.start(s);
    const [child] = await pidsFrom(join(s.attemptDir, "pids"), 1);
    await runner.kill(handle);
    expect(isAlive(child!)).toBe(false);
    expect(await runner.wait(handle, never)).toMatchObject({ exitCode: null, reason: "lost" });
  });

  test("close ends pending waits (lost) without touching the attempt", async () => {
    const closing = createTmuxRunner({ sessionName: "seqorch.test", socket, graceMs: 300 });
    const handle = await closing.start(spec("sleep 100"));
    const waiting = closing.wait(handle, never);
    await closing.close();
    expect(await waiting).toMatchObject({ reason: "lost", detail: "the runner was closed" });
    expect(isAlive(handle.pid!)).toBe(true);
    await runner.kill(handle);
    expect(isAlive(handle.pid!)).toBe(false);
  });

  test("a window killed by the user resolves lost", async () => {
    const handle = await runner.start(spec("sleep 100"));
    const waiting = runner.wait(handle, never);
    await Bun.sleep(50);
    tmux(socket, "kill-window", "-t", handle.windowId!);
    const exit = await waiting;
    expect(exit).toMatchObject({ exitCode: null, reason: "lost" });
    expect(exit.detail).toContain("closed");
  });

  test("a server killed mid-attempt resolves lost; the next start recreates the session", async () => {
    const other = createTmuxRunner({ sessionName: "seqorch-test", socket: sockets[1]!, graceMs: 300, livenessMs: 100 });
    const first = await other.start(spec("sleep 100"));
    const waiting = other.wait(first, never);
    await Bun.sleep(50);
    tmux(sockets[1]!, "kill-server");
    expect(await waiting).toMatchObject({ exitCode: null, reason: "lost" });
    const s = spec("echo again");
    expect(await run(s, other)).toMatchObject({ exitCode: 0, reason: "exited" });
    expect(readFileSync(s.outLog, "utf8")).toBe("again\n");
    expect(tmux(sockets[1]!, "list-sessions", "-F", "#{session_name}")).toBe("seqorch-test");
  });
});

describe("tmux runner with the panes' signal FIFO", () => {
  test("attempts end through the FIFO (no wait-for client), exit codes and logs as before; the FIFO stays", async () => {
    const signalFile = join(root, "signals-fifo");
    const runner = createTmuxRunner({ sessionName: "seqorch.fifo", socket, graceMs: 300, livenessMs: 60_000, signalFile });
    try {
      const s = spec("sleep 0.3; echo out; echo err >&2; exit 4");
      const handle = await runner.start(s);
      // The pane's arguments: the FIFO to write to, so no wait-for client.
      expect(paneArguments(handle.pid!).slice(0, 7)).toEqual([s.attemptDir, s.cwd, "/dev/null", s.outLog, s.errLog, "", signalFile]);
      // Far below the liveness check's 60 s: the pane's line woke the wait.
      const exit = await runner.wait(handle, never);
      expect(exit).toMatchObject({ exitCode: 4, reason: "exited" });
      expect(exit.durationMs).toBeLessThan(30_000);
      expect(readFileSync(s.outLog, "utf8")).toBe("out\n");
      expect(readFileSync(s.errLog, "utf8")).toBe("err\n");
      // A pane that ends before its wait starts is not missed.
      const early = await runner.start(spec("exit 0"));
      await Bun.sleep(500);
      expect(await runner.wait(early, never)).toMatchObject({ exitCode: 0, reason: "exited" });
    } finally {
      await runner.close();
    }
    expect(lstatSync(signalFile).isFIFO()).toBe(true);
  });

  test("where no FIFO can be made the panes signal with wait-for, and the file in the way is kept", async () => {
    const signalFile = join(root, "signals-taken");
    writeFileSync(signalFile, "not a fifo\n");
    const runner = createTmuxRunner({ sessionName: "seqorch.fifo", socket, graceMs: 300, livenessMs: 60_000, signalFile });
    try {
      const s = spec("sleep 0.3; exit 2");
      const handle = await runner.start(s);
      // No FIFO for the pane: it signals its channel with wait-for on this server.
      expect(paneArguments(handle.pid!).slice(6, 10)).toEqual(["", handle.channel!, Bun.which("tmux")!, socket]);
      expect(await runner.wait(handle, never)).toMatchObject({ exitCode: 2, reason: "exited" });
    } finally {
      await runner.close();
    }
    expect(readFileSync(signalFile, "utf8")).toBe("not a fifo\n");
  });
});
