// Agents that print without end (memory stays flat, the log is capped with its tail kept), and a state file on a
// full or read-only disk (a clear error, the previous state intact).
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, makeSpec, privateTmux, scriptedAgent, seqorch, tempDir, cleanUp } from "../e2e/harness.ts";

afterAll(cleanUp);

const GIB = 1024 ** 3;
const CAP = 10 * 1024 * 1024;

describe("an agent that prints without end", () => {
  for (const [mode, bytes] of [["direct", GIB], ["tmux", 64 * 1024 * 1024]] as const) {
    test(`${mode}: ${bytes / 1024 / 1024} MiB of output, peak memory under 100 MB, log capped with the tail kept`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec("- [ ] 1. Chatty\n");
      const agent = scriptedAgent(dir, `head -c ${bytes} /dev/zero | tr '\\0' 'x'; echo; echo 'THE END'; echo '<promise>TASK_DONE</promise>'`);
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const proc = Bun.spawn([binary, "run", "--spec", spec, "--delay", "0", "--max-log-bytes", String(CAP), "--agent-command", agent.command, ...modeArgs], {
        env: { ...process.env, CI: "true" },
        stdout: "ignore",
        stderr: "pipe",
      });
      const code = await proc.exited;
      expect(code).toBe(0);
      const peakMb = Number(proc.resourceUsage()?.maxRSS ?? 0) / 1024 / 1024;
      expect(peakMb).toBeGreaterThan(0);
      expect(peakMb).toBeLessThan(100);
      const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
      const log = state.attempts["1"][0].log as string;
      expect(statSync(log).size).toBeLessThanOrEqual(CAP + 200);
      const text = readFileSync(log, "utf8");
      expect(text.startsWith("[seqorch: ")).toBe(true);
      expect(text).toContain("bytes of earlier output cut (--max-log-bytes");
      expect(text.trimEnd().endsWith("THE END\n<promise>TASK_DONE</promise>")).toBe(true);
    }, 180_000);
  }
});

describe("the log cap", () => {
  test("1 GiB of output with the default --max-log-bytes: peak memory under 100 MB, the log within the cap", async () => {
    const dir = tempDir();
    const { spec } = makeSpec("- [ ] 1. Chatty\n");
    const agent = scriptedAgent(dir, `head -c ${GIB} /dev/zero | tr '\\0' 'x'; echo; echo '<promise>TASK_DONE</promise>'`);
    const proc = Bun.spawn([binary, "run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command], {
      env: { ...process.env, CI: "true" },
      stdout: "ignore",
      stderr: "ignore",
    });
    expect(await proc.exited).toBe(0);
    const peakMb = Number(proc.resourceUsage()?.maxRSS ?? 0) / 1024 / 1024;
    expect(peakMb).toBeGreaterThan(0);
    expect(peakMb).toBeLessThan(100);
    const log = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).attempts["1"][0].log as string;
    expect(statSync(log).size).toBeLessThanOrEqual(104_857_600);
  }, 240_000);

  for (const mode of ["direct", "tmux"] as const) {
    test(`${mode}: output without newlines keeps a tail of about the cap, not just its last line`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec("- [ ] 1. One long line\n");
      const cap = 1024 * 1024;
      const agent = scriptedAgent(dir, `head -c 30000000 /dev/zero | tr '\\0' 'y'; printf 'THE END\\n<promise>TASK_DONE</promise>\\n'`);
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--max-log-bytes", String(cap), "--agent-command", agent.command, ...modeArgs]);
      expect(r.code).toBe(0);
      const log = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).attempts["1"][0].log as string;
      const size = statSync(log).size;
      expect(size).toBeLessThanOrEqual(cap);
      expect(size).toBeGreaterThan(cap * 0.75);
      expect(readFileSync(log, "utf8").trimEnd().endsWith("yyyyTHE END\n<promise>TASK_DONE</promise>")).toBe(true);
    }, 120_000);

    test(`${mode}: trimming while the agent writes loses no byte written after the kept tail`, async () => {
      const dir = tempDir();
      const { spec } = makeSpec("- [ ] 1. Counting\n");
      // 3 million numbered lines in bursts over about 5 s, so that several trims happen while it writes.
      const agent = scriptedAgent(dir, `awk 'BEGIN { for (i = 1; i <= 3000000; i++) { print i; if (i % 150000 == 0) { fflush(); system("sleep 0.25") } } }'; echo '<promise>TASK_DONE</promise>'`);
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--max-attempts", "1", "--max-log-bytes", String(1024 * 1024), "--agent-command", agent.command, ...modeArgs]);
      const log = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).attempts["1"][0].log as string;
      const lines = readFileSync(log, "utf8").replaceAll("\r", "").split("\n").filter(Boolean);
      expect(lines[0]).toStartWith("[seqorch: ");
      expect(lines.at(-1)).toBe("<promise>TASK_DONE</promise>");
      const numbers = lines.slice(2, -1).map(Number);
      const gaps = numbers.flatMap((n, i) => (i > 0 && n !== numbers[i - 1]! + 1 ? [`${numbers[i - 1]} → ${n}`] : []));
      expect(gaps).toEqual([]);
      expect(numbers.at(-1)).toBe(3_000_000);
      expect(r.code).toBe(0);
    }, 120_000);
  }
});

describe("the state file on a full or read-only disk", () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts) Bun.spawnSync(["umount", "-l", m]);
  });
  const smallDisk = (kib: number): string => {
    const mount = join(tempDir(), "disk");
    mkdirSync(mount);
    const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", mount]);
    if (r.exitCode !== 0) throw new Error(`cannot mount a tmpfs (root needed): ${r.stderr.toString()}`);
    mounts.push(mount);
    return mount;
  };

  test("a full disk mid-run: one line naming the file, exit 73, the previous state intact, and a later run resumes", async () => {
    const disk = smallDisk(256);
    const { spec: source } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n");
    const spec = join(disk, ".kiro", "specs", "full");
    mkdirSync(join(disk, ".kiro", "specs"), { recursive: true });
    cpSync(source, spec, { recursive: true });
    const dir = tempDir();
    const flag = join(dir, "filled");
    // Unit 2's agent fills the disk, so recording its result cannot write the state file.
    const agent = scriptedAgent(
      dir,
      `if [ "$SEQORCH_TASK_ID" = 2 ] && [ ! -e '${flag}' ]; then touch '${flag}'; head -c 10000000 /dev/zero > '${join(disk, "filler")}' 2>/dev/null; fi; cat >/dev/null; echo '<promise>TASK_DONE</promise>'`,
    );
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(r.code, r.stdout + r.stderr).toBe(73);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("seqorch:"))).toHaveLength(1);
    // The file named is the first of seqorch's own that could not be written: the state, the progress log or,
    // when the state still fits in the blocks of the spare file it is exchanged with, the next attempt's prompt.
    expect(r.stderr).toMatch(/(SEQUENTIAL_(STATE\.json|PROGRESS\.md)|prompt\.md): cannot write: ENOSPC/);
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.completed).toEqual(["1"]);
    // An attempt that could not even be prepared is not counted as one the agent had.
    expect((state.attempts["2"] ?? []).length).toBeLessThanOrEqual(1);
    Bun.spawnSync(["rm", "-f", join(disk, "filler")]);
    const again = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
    expect(again.code).toBe(0);
    expect(JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).completed).toEqual(["1", "2"]);
  });

  test("a read-only disk: a clear error before anything runs, nothing changed", async () => {
    const disk = smallDisk(256);
    const spec = join(disk, ".kiro", "specs", "ro");
    mkdirSync(spec, { recursive: true });
    writeFileSync(join(spec, "tasks.md"), "- [ ] 1. One\n");
    const stateText = '{\n  "version": 1\n}\n';
    writeFileSync(join(spec, "SEQUENTIAL_STATE.json"), stateText);
    expect(Bun.spawnSync(["mount", "-o", "remount,ro", disk]).exitCode).toBe(0);
    const dir = tempDir();
    const agent = scriptedAgent(dir, "echo '<promise>TASK_DONE</promise>'");
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--agent-command", agent.command]);
    expect(r.code).toBe(73);
    expect(r.stderr).toContain("SEQUENTIAL_STATE.json.lock: cannot write: EROFS");
    expect(existsSync(agent.dispatchLog)).toBe(false);
    expect(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8")).toBe(stateText);
  });
});
