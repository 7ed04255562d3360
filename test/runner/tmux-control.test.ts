// tmux command text (tmux-command.ts) read back by a real tmux byte for byte, and the run's control-mode client
// (tmux-control.ts): replies in order, hooks' blocks told apart, its end when the session or server goes.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTmuxClient } from "../../src/runner/tmux-client.ts";
import { tmuxCommandLine, tmuxWord } from "../../src/runner/tmux-command.ts";
import { attachControlClient, type ControlProcess } from "../../src/runner/tmux-control.ts";

const root = mkdtempSync(join(tmpdir(), "seqorch-tmux-control-"));
const socket = `seqorch-control-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const tmux = (...args: string[]) => Bun.spawnSync(["tmux", "-L", socket, ...args], { stderr: "pipe" });
const client = createTmuxClient({ socket });

afterAll(() => {
  tmux("kill-server");
  rmSync(root, { recursive: true, force: true });
});

/** Strings tmux's parser would otherwise change: quotes, variables, home directories, formats, separators, control bytes. */
const HOSTILE = [
  "plain",
  "a'b\"c",
  "$HOME ${HOME} $(id) `id`",
  "~",
  "~/x",
  "#{pane_id} #[fg=red] ## #(id)",
  "x;y ; z \\;",
  "two\nlines\r\n",
  "tab\there",
  "back\\slash\\",
  "\x01\x1b[31m\x7f",
  "ünï©ødé 日本 🙂",
  "%if 1",
  "{ brace }",
  "",
  " lead",
  "trail ",
  "-e",
  "--",
];

/** A new session's id on the test server. */
function newSession(name: string): string {
  const made = tmux("new-session", "-d", "-s", name, "-P", "-F", "#{session_id}", "--", "/bin/sh", "-i");
  expect(made.exitCode).toBe(0);
  return made.stdout.toString().trim();
}

/** Poll for `file` (written by a pane) and return its text. */
async function fileOf(file: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    try {
      return readFileSync(file, "utf8");
    } catch {
      await Bun.sleep(10);
    }
  }
  throw new Error(`${file} was never written`);
}

/** A new-window whose pane writes its argv and the V* variables, NUL-separated, into `out`. */
function dumpWindow(sessionId: string, out: string): string[] {
  const script = `for a in "$@"; do printf '%s\\0' "$a"; done >"$0.argv"; env -0 | grep -z '^V[0-9]' >"$0.env"; : >"$0.done"`;
  const env = HOSTILE.flatMap((value, i) => ["-e", `V${i}=${value}`]);
  return ["new-window", "-d", "-t", `${sessionId}:`, ...env, "-P", "-F", "#{pane_pid}", "--", "/bin/sh", "-c", script, out, ...HOSTILE];
}

/** Check what the pane of {@link dumpWindow} wrote: every argument and variable exactly as sent. */
async function expectDumped(out: string): Promise<void> {
  await fileOf(`${out}.done`); // both files are written whole
  const argv = readFileSync(`${out}.argv`, "utf8").split("\0").slice(0, -1);
  expect(argv).toEqual(HOSTILE);
  const env = Object.fromEntries(readFileSync(`${out}.env`, "utf8").split("\0").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  expect(HOSTILE.map((_, i) => env[`V${i}`])).toEqual(HOSTILE);
}

describe("tmux command text", () => {
  test("words are double-quoted and never span a line", () => {
    expect(tmuxWord("a b")).toBe('"a b"');
    expect(tmuxWord('$x"\\')).toBe('"\\$x\\"\\\\"');
    expect(tmuxWord("~/x")).toBe('"\\~/x"');
    expect(tmuxWord("a\nb\x01")).toBe('"a\\nb\\001"');
    expect(tmuxCommandLine(HOSTILE)).not.toContain("\n");
  });

  test("source-file - reads arguments and -e values back byte for byte", async () => {
    const sessionId = newSession("text");
    const out = join(root, "sourced");
    const result = await client.source(tmuxCommandLine(dumpWindow(sessionId, out)));
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+$/);
    await expectDumped(out);
  });

  test("a control-mode client reads them back byte for byte too", async () => {
    const sessionId = newSession("text-control");
    const control = await client.attach(sessionId);
    expect(control).not.toBeNull();
    const out = join(root, "controlled");
    const result = await control!.command(dumpWindow(sessionId, out));
    expect(result.code).toBe(0);
    await expectDumped(out);
    control!.close();
  });
});

describe("the run's control-mode client", () => {
  test("answers commands in order; a hook's own blocks are not taken for replies; errors carry tmux's message", async () => {
    const sessionId = newSession("order");
    expect(tmux("set-hook", "-t", sessionId, "after-new-window", "set-option -w remain-on-exit on").exitCode).toBe(0);
    const control = (await client.attach(sessionId))!;
    const replies = await Promise.all([
      control.command(["new-window", "-d", "-t", `${sessionId}:`, "-P", "-F", "#{window_id}", "--", "sleep", "5"]),
      control.command(["display-message", "-p", "second"]),
      control.command(["kill-window", "-t", "@999999"]),
      control.command(["display-message", "-p", "fourth"]),
    ]);
    expect(replies[0]).toMatchObject({ code: 0 });
    expect(replies[0]!.stdout).toMatch(/^@\d+\n$/);
    expect(replies[1]).toEqual({ code: 0, stdout: "second\n", stderr: "" });
    expect(replies[2]!.code).toBe(1);
    expect(replies[2]!.stderr).toContain("@999999");
    expect(replies[3]).toEqual({ code: 0, stdout: "fourth\n", stderr: "" });
    // The window exists with the hook's option set: the hook ran, its block was skipped.
    expect(tmux("show-options", "-w", "-v", "-t", replies[0]!.stdout.trim(), "remain-on-exit").stdout.toString().trim()).toBe("on");
    control.close();
    expect(control.ended).toBe(true);
    expect((await control.command(["display-message", "-p", "x"])).stderr).toContain("lost server");
  });

  test("ends when its session is killed: commands then get a lost-server answer, never a hang", async () => {
    const sessionId = newSession("killed");
    const control = (await client.attach(sessionId))!;
    expect((await control.command(["display-message", "-p", "alive"])).stdout).toBe("alive\n");
    tmux("kill-session", "-t", sessionId);
    for (let i = 0; i < 100 && !control.ended; i++) await Bun.sleep(20);
    expect(control.ended).toBe(true);
    const after = await control.command(["display-message", "-p", "x"]);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("lost server");
  });

  test("no client for a session that does not exist, or when the pane output cannot be turned off (an older tmux)", async () => {
    expect(await client.attach("$999999")).toBeNull();
    // An old tmux: the attach succeeds, `refresh-client -f` is refused.
    const written: string[] = [];
    let push: (line: string) => void = () => {};
    const stdout = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (line) => controller.enqueue(new TextEncoder().encode(line));
      },
    });
    const old: ControlProcess = {
      write(text) {
        written.push(text);
        push(`%begin 1 2 1\nunknown flag -f\n%error 1 2 1\n`);
      },
      end() {},
      stdout,
    };
    const attaching = attachControlClient(["tmux"], "$1", () => old);
    push("%begin 1 1 0\n%end 1 1 0\n%session-changed $1 s\n");
    expect(await attaching).toBeNull();
    expect(written).toEqual(['"refresh-client" "-f" "no-output"\n']);
  });
});
