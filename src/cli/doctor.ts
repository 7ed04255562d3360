// `seqorch doctor`: is each agent CLI installed, does it answer `--version`, and (with --live) a real prompt?
import { defineCommand } from "citty";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backendOptionsOf } from "../agents/native-options.ts";
import { findAgentBinary } from "../agents/preflight.ts";
import { adapterFor, BACKEND_CLI, isBackendName, type BackendName } from "../agents/registry.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { createDirectRunner } from "../runner/direct.ts";
import { detectSignal, TASK_DONE } from "../signals.ts";
import { rejectUnknown } from "./run-options.ts";

const doctorArgs = {
  backend: { type: "string", description: "Check only these backends (comma-separated; default: every native backend)", valueHint: "NAMES" },
  live: { type: "boolean", description: "Also send each CLI a one-line prompt and expect TASK_DONE back (uses your API key or login)" },
  model: { type: "string", description: "Model for --live, as for `seqorch run --model`", valueHint: "M" },
  timeout: { type: "string", description: "Seconds each check may take (default 20; 120 with --live)", valueHint: "S" },
  json: { type: "boolean", description: "Print one JSON object" },
} as const;

/** The result of checking one backend. */
interface Check {
  backend: BackendName;
  binary: string;
  path: string | null;
  version: string | null;
  live: { ok: boolean; seconds: number; detail: string } | null;
  ok: boolean;
  problem: string | null;
  install: string;
}

const LIVE_PROMPT = `This is a connectivity check by seqorch doctor. Do not use any tool and do not change any file.\nReply with exactly this line and nothing else:\n${TASK_DONE}\n`;

/** `<binary> --version`, first line; null with a reason when it fails or takes longer than `timeoutMs`. */
async function versionOf(path: string, timeoutMs: number, home: string): Promise<{ version: string | null; problem: string | null }> {
  const proc = Bun.spawn([path, "--version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", cwd: home, timeout: timeoutMs, killSignal: "SIGKILL" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const line = out.split("\n").map((l) => l.trim()).find(Boolean) ?? null;
  if (code === 0 && line) return { version: line, problem: null };
  if (proc.signalCode) return { version: null, problem: `--version did not answer within ${timeoutMs / 1000} s` };
  return { version: null, problem: `--version exited ${code}: ${(err.trim().split("\n").at(-1) ?? "").slice(0, 200)}` };
}

/** Send the live prompt through the backend's adapter (directly, not in tmux), in a scratch workdir. */
async function liveCheck(backend: BackendName, model: string | undefined, timeoutMs: number): Promise<NonNullable<Check["live"]>> {
  const dir = mkdtempSync(join(tmpdir(), "seqorch-doctor-"));
  try {
    const workdir = join(dir, "work");
    mkdirSync(workdir);
    const promptFile = join(dir, "prompt.md");
    writeFileSync(promptFile, LIVE_PROMPT);
    const adapter = adapterFor(backend, backendOptionsOf({ model }, process.getuid?.() === 0));
    const launch = adapter.buildLaunch({ taskId: "doctor", specDir: dir, workdir, attempt: 1, promptFile, previousSessionId: null });
    const outLog = join(dir, "out.log");
    const errLog = join(dir, "err.log");
    const runner = createDirectRunner({ graceMs: 2000 });
    const started = Date.now();
    const handle = await runner.start({ argv: launch.argv, env: launch.env, cwd: workdir, stdinFile: launch.stdin === "prompt" ? promptFile : null, outLog, errLog, attemptDir: dir, windowName: "doctor" });
    const exit = await runner.wait(handle, AbortSignal.timeout(timeoutMs));
    const seconds = (Date.now() - started) / 1000;
    if (exit.reason === "aborted") return { ok: false, seconds, detail: `no reply within ${timeoutMs / 1000} s` };
    const reply = await adapter.parseReply(outLog, errLog, exit);
    if (detectSignal(reply.finalMessage) === "done") return { ok: true, seconds, detail: `answered (session ${reply.sessionId ?? "?"})` };
    const why = reply.errors.join("; ") || `reply without the marker: ${JSON.stringify(reply.finalMessage.slice(0, 120))}`;
    return { ok: false, seconds, detail: `exit code ${exit.exitCode ?? "none"}: ${why}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function check(backend: BackendName, live: boolean, model: string | undefined, timeoutMs: number): Promise<Check> {
  const cli = BACKEND_CLI[backend]!;
  const path = findAgentBinary(backend);
  const result: Check = { backend, binary: cli.binary, path, version: null, live: null, ok: false, problem: null, install: cli.install };
  if (!path) return { ...result, problem: `${cli.binary} not found on PATH` };
  const { version, problem } = await versionOf(path, Math.min(timeoutMs, 20_000), tmpdir());
  if (!version) return { ...result, problem };
  const liveResult = live ? await liveCheck(backend, model, timeoutMs) : null;
  return { ...result, version, live: liveResult, ok: liveResult?.ok ?? true, problem: liveResult && !liveResult.ok ? liveResult.detail : null };
}

/** The backends to check: the named ones, or every backend with a CLI of its own; `command` needs no check. */
function selected(names: string | undefined): { backends: BackendName[]; explicit: boolean; command: boolean } {
  if (!names) return { backends: ["codex", "claude", "gemini", "opencode", "codeagent-wrapper"], explicit: false, command: false };
  const all = names.split(",").map((n) => n.trim()).filter(Boolean);
  for (const name of all) {
    if (!isBackendName(name)) throw new UsageError("--backend", `"${name}" is not a backend (backends: ${Object.keys(BACKEND_CLI).join(", ")})`);
  }
  const backends = all.filter((n) => BACKEND_CLI[n as BackendName] !== null) as BackendName[];
  return { backends, explicit: true, command: backends.length < all.length };
}

/** tmux: its version, or null when it is not installed (then agents run as direct child processes). */
function tmuxVersion(): { path: string | null; version: string | null } {
  const path = Bun.which("tmux");
  if (!path) return { path: null, version: null };
  const proc = Bun.spawnSync([path, "-V"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 5_000 });
  return { path, version: proc.exitCode === 0 ? proc.stdout.toString().trim() : null };
}

const COMMAND_NOTE = "needs nothing: runs your --agent-command with /bin/sh";

export const doctorCommand = defineCommand({
  meta: { name: "doctor", description: "Check that each agent CLI is installed and answers (--live: a real prompt)" },
  args: doctorArgs,
  async run({ args }) {
    rejectUnknown(args as Record<string, unknown>, doctorArgs);
    const { backends, explicit, command } = selected(args.backend);
    const live = args.live === true;
    const seconds = args.timeout === undefined ? (live ? 120 : 20) : Number(args.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError("--timeout", `must be a positive number of seconds (got ${JSON.stringify(args.timeout)})`);
    const checks = await Promise.all(backends.map((b) => check(b, live, args.model, seconds * 1000)));
    const tmux = tmuxVersion();
    // Asked for by name: each must work. Otherwise: what is installed must work, and at least one must be.
    const failed = checks.filter((c) => !c.ok && (explicit || c.path !== null));
    const ok = failed.length === 0 && (command || checks.some((c) => c.ok));
    const code = ok ? 0 : ExitCode.unavailable;
    if (args.json) {
      console.log(JSON.stringify({ ok, checks, tmux, command: COMMAND_NOTE }));
      return code;
    }
    for (const c of checks) {
      const state = c.ok ? "ok" : c.path ? "FAILED" : "missing";
      const detail = c.ok
        ? `${c.version}  ${c.path}${c.live ? `  live: ${c.live.detail} in ${c.live.seconds.toFixed(1)} s` : ""}`
        : c.path
          ? `${c.problem}  (${c.path})`
          : `install: ${c.install}`;
      console.log(`${c.backend.padEnd(18)}${state.padEnd(8)}${detail}`);
    }
    console.log(`${"command".padEnd(18)}${"ok".padEnd(8)}${COMMAND_NOTE}`);
    console.log(
      tmux.version
        ? `${"tmux".padEnd(18)}${"ok".padEnd(8)}${tmux.version}  ${tmux.path}`
        : `${"tmux".padEnd(18)}${"missing".padEnd(8)}agents run as direct child processes (install: apt-get install tmux, brew install tmux)`,
    );
    if (!ok) console.log(`No agent CLI answers${explicit ? " among those named" : ""}: exit ${code}. --backend command needs none.`);
    return code;
  },
});
