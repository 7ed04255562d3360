// End to end: what `seqorch plan` and `seqorch run` make of the fixture specs: keys in the text form, warnings
// naming file and line, and tasks.md files that cannot be planned (empty, not UTF-8, no task in them).
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readPlan } from "../../src/actors/plan-reader.ts";
import { planFast } from "../../src/spec/fast-plan.ts";
import { JIT_POLICY } from "../../src/build-info.ts";
import { COMPILE_FLAGS } from "../../scripts/build.ts";
import { badFixtures } from "../fixtures/expectations.ts";
import { binary, cleanUp, makeSpec, repoRoot, scriptedAgent, seqorch, tempDir } from "./harness.ts";

afterAll(cleanUp);

const DONE = `cat >/dev/null; echo '<promise>TASK_DONE</promise>'`;

describe("seqorch plan (text form)", () => {
  test("a repeated ID is printed by its key (6#2), as in --json and the state file", async () => {
    const { spec } = makeSpec("- [ ] 6. First six\n  - [ ] 6.1 Inner\n- [ ] 6. Second six\n  - [ ] 6.1 Inner again\n");
    const r = await seqorch(["plan", "--spec", spec]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("    1. 6 First six");
    expect(lines).toContain("         6.1 Inner");
    expect(lines).toContain("    2. 6#2 Second six");
    expect(lines).toContain("         6.1#2 Inner again");
    const json = JSON.parse((await seqorch(["plan", "--spec", spec, "--json"])).stdout);
    expect(json.units.map((u: { key: string }) => u.key)).toEqual(["6", "6#2"]);
  });

  test("a dependency seqorch cannot read is a warning naming file and line", async () => {
    const { spec } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n  - _Depends on: T2.1_\n");
    const r = await seqorch(["plan", "--spec", spec]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Warning: ${join(spec, "tasks.md")}:3: dependency "T2.1" of task 2 is not a task ID seqorch can read`);
    const json = JSON.parse((await seqorch(["plan", "--spec", spec, "--json"])).stdout);
    expect(json.warnings).toEqual([expect.stringContaining(`tasks.md:3: dependency "T2.1"`)]);
    expect(json.units.map((u: { dependsOn: string[] }) => u.dependsOn)).toEqual([[], []]);
  });
});

describe("seqorch plan --json", () => {
  test("10,000 tasks through a pipe: one line of JSON holding every unit and sub-task (written in pieces, none cut at exit)", async () => {
    const lines: string[] = [];
    for (let p = 1; p <= 2000; p++) {
      lines.push(`- [ ] ${p}. Parent ${p}`);
      for (let s = 1; s <= 4; s++) lines.push(`  - [ ] ${p}.${s} Sub-task ${p}.${s}: "quoted" \\ text`, `    - Detail of ${p}.${s}`, `    - _Requirements: ${p}.${s}_`);
    }
    const { spec } = makeSpec(`${lines.join("\n")}\n`);
    // Through a shell pipe whose reader starts late: the pipe fills, and output still queued in seqorch when it
    // exited would be lost (it was: 64 KiB arrived).
    const script = `"$1" plan --spec "$2" --json | { sleep 0.3; cat; }; exit "\${PIPESTATUS:-0}"`;
    const proc = Bun.spawn(["bash", "-c", `set -o pipefail; ${script}`, "bash", binary, spec], { stdout: "pipe", stderr: "pipe", env: { ...process.env, CI: "true" } });
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    const r = { code, stdout };
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith("}\n")).toBe(true);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
    const plan = JSON.parse(r.stdout);
    expect(Object.keys(plan)).toEqual(["spec", "tasksFile", "units", "done", "optional", "ignored", "warnings", "waves", "totalUnits"]);
    expect(plan.units).toHaveLength(2000);
    expect(plan.totalUnits).toBe(2000);
    expect(plan.units[1999]).toEqual({
      id: "2000",
      key: "2000",
      title: "Parent 2000",
      kind: "parent",
      line: 1 + 1999 * 13,
      dependsOn: [],
      subtasks: [1, 2, 3, 4].map((s) => ({ id: `2000.${s}`, key: `2000.${s}`, title: `Sub-task 2000.${s}: "quoted" \\ text`, line: 1 + 1999 * 13 + 1 + (s - 1) * 3 })),
    });
  });

  test("into a reader that closes early (head -c 100): exit 0, nothing on stderr (a broken pipe is no error)", async () => {
    const lines: string[] = [];
    for (let p = 1; p <= 2000; p++) lines.push(`- [ ] ${p}. Parent ${p}`, `  - [ ] ${p}.1 Sub-task ${p}.1`);
    const { spec } = makeSpec(`${lines.join("\n")}\n`);
    const script = `"$1" plan --spec "$2" --json 2>"$3" | head -c 100 >/dev/null; exit "\${PIPESTATUS[0]}"`;
    const errFile = join(tempDir(), "stderr");
    const proc = Bun.spawn(["bash", "-c", script, "bash", binary, spec, errFile], { stdout: "pipe", stderr: "pipe", env: { ...process.env, CI: "true" } });
    expect(await proc.exited).toBe(0);
    expect(await Bun.file(errFile).text()).toBe("");
  });

  test("the document is the text JSON.stringify makes of the plan: escapes, non-ASCII titles, a unit larger than the output buffer", async () => {
    const long = `Long ${"x".repeat(20_000)}`;
    const { spec } = makeSpec(
      [
        '- [ ] 1. Quotes " and back\\slash \\" and a tab\there',
        "  - [ ] 1.1 Control \u0001 and \u001f, emoji 🚀, 中文タイトル, é",
        "- [ ] 2. Depends",
        "  - _Depends on: 1_",
        `- [ ] 3. ${long}`,
        `  - [ ] 3.1 ${long}`,
        "- [x] 4. Done",
        "",
      ].join("\n"),
    );
    const r = await seqorch(["plan", "--spec", spec, "--json"]);
    expect(r.code).toBe(0);
    const view = readPlan(join(spec, "tasks.md"), { includeOptional: false, granularity: "unit" }, []);
    const units = view.pending.map((u) => ({
      id: u.id,
      key: u.key,
      title: u.title,
      kind: u.kind,
      line: u.line,
      dependsOn: u.dependsOn,
      subtasks: u.subtasks.map((t) => ({ id: t.id, key: t.key, title: t.title, line: t.line })),
    }));
    const { plan } = view;
    const expected = { spec, tasksFile: join(spec, "tasks.md"), units, done: plan.done, optional: plan.optional, ignored: plan.ignored, warnings: plan.warnings, waves: plan.waves, totalUnits: view.counted.length };
    expect(r.stdout).toBe(`${JSON.stringify(expected)}\n`);
    expect(units.map((u) => u.key)).toEqual(["1", "2", "3"]);
    expect(units[1]!.dependsOn).toEqual(["1"]);
  });

  test("units the state file records done are left out; a state file that cannot be read is an error naming it", async () => {
    const { root, spec } = makeSpec("- [ ] 1. One\n- [ ] 2. Two\n");
    const agent = scriptedAgent(tempDir(), DONE);
    await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-iterations", "1", "--agent-command", agent.command]);
    expect(existsSync(join(spec, "SEQUENTIAL_STATE.json"))).toBe(true);
    // Untick by hand what the run ticked: only the state file now says unit 1 is done.
    writeFileSync(join(spec, "tasks.md"), "- [ ] 1. One\n- [ ] 2. Two\n");
    const after = JSON.parse((await seqorch(["plan", "--spec", spec, "--json"])).stdout);
    expect(after.units.map((u: { key: string }) => u.key)).toEqual(["2"]);
    expect(after.done).toContain("1");
    const notDir = join(root, "README-not-a-folder");
    writeFileSync(notDir, "");
    const bad = await seqorch(["plan", "--spec", spec, "--state-file", join(notDir, "state.json")]);
    expect(bad.code).toBe(65);
    expect(bad.stderr.trim()).toBe(`seqorch: ${join(notDir, "state.json")}: cannot read: ENOTDIR`);
  });
});

describe("seqorch plan: the fast plan and the full one", () => {
  test("the JIT policy plan puts back after the fast plan is the one the executable is built with", () => {
    expect(COMPILE_FLAGS).toContain(`--compile-jit-policy=${JIT_POLICY}`);
  });

  test("a file in the fast plan's shapes prints what the full parse and plan print (text and --json, optional tasks, units the state file records done)", async () => {
    const text = [
      "# Implementation Plan",
      "",
      "- [ ] 1. First",
      "  - [ ] 1.1 Its sub-task",
      "    - A detail",
      "    - _Requirements: 1.1_",
      "- [x] 2. Ticked",
      "  - [ ] 2.1 Under a ticked parent",
      "- [ ] 3. Optional sub-tasks",
      "  - [x] 3.1 Done",
      "  - [ ]* 3.2 Optional",
      "    - [ ] 3.2.1 Below the optional one",
      "- [ ]* 4. Optional unit",
      "- [ ] 5. Standalone [optional]",
      "- [ ] 6. Last",
      "",
    ].join("\n");
    // A comment line changes no plan, but sends the file to the full parse and plan.
    const full = `${text}<!-- the full parse reads comments -->\n`;
    expect(planFast(text, false)).not.toBeNull();
    expect(planFast(full, false)).toBeNull();
    const { spec } = makeSpec(text);
    const agent = scriptedAgent(tempDir(), DONE);
    await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--max-iterations", "1", "--agent-command", agent.command]);
    expect(existsSync(join(spec, "SEQUENTIAL_STATE.json"))).toBe(true);
    const outputs = async (tasks: string): Promise<string[]> => {
      writeFileSync(join(spec, "tasks.md"), tasks);
      const out: string[] = [];
      for (const flags of [["--json"], [], ["--json", "--include-optional"], ["--include-optional"]]) {
        const r = await seqorch(["plan", "--spec", spec, ...flags]);
        expect(r.code).toBe(0);
        out.push(r.stdout);
      }
      return out;
    };
    const fast = await outputs(text);
    expect(fast).toEqual(await outputs(full));
    const json = JSON.parse(fast[0]!);
    // 1 (with 1.1) is recorded done by the run; 3 is done by its counted sub-task; 4 and 5 are optional.
    expect(json.units.map((u: { key: string }) => u.key)).toEqual(["6"]);
    expect(json.done).toEqual(["2", "3", "3.1", "1", "1.1"]);
    expect(json.optional).toEqual(["3.2", "3.2.1", "4", "5"]);
    expect(JSON.parse(fast[2]!).units.map((u: { key: string }) => u.key)).toEqual(["3", "4", "5", "6"]);
  });
});

describe("a tasks.md that cannot be planned", () => {
  for (const bad of badFixtures) {
    test(`${bad.folder}: plan and run exit ${bad.exitCode} with one line, run dispatches nothing and writes no state`, async () => {
      const root = tempDir();
      const spec = join(root, ".kiro", "specs", "feature");
      cpSync(join(repoRoot, "test", "fixtures", "bad", bad.folder), spec, { recursive: true });
      const plan = await seqorch(["plan", "--spec", spec]);
      expect(plan.code).toBe(bad.exitCode);
      expect(plan.stdout).toBe("");
      expect(plan.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(plan.stderr).toMatch(bad.message);
      const agent = scriptedAgent(tempDir(), DONE);
      const run = await seqorch(["run", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", agent.command]);
      expect(run.code).toBe(bad.exitCode);
      expect(run.stdout + run.stderr).not.toContain("All units done");
      expect(run.stderr).toMatch(bad.message);
      expect(existsSync(agent.dispatchLog)).toBe(false);
      expect(readdirSync(spec)).toEqual(["tasks.md"]);
    });
  }
});
