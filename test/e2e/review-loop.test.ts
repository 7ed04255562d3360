// End to end: the multi-agent loop on the compiled binary, in a real git repository, with a scripted implementer
// and reviewer (one command through --backend command, told its role by SEQORCH_ROLE), in real tmux and without.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, privateTmux, seqorch, tempDir, GIT_ENV, git } from "./harness.ts";

afterAll(cleanUp);

const TASKS = [
  "# Tasks",
  "",
  "- [ ] 1. Approved at once",
  "  - _Requirements: 1.1_",
  "- [ ] 2. One major finding, fixed once",
  "- [ ] 3. Fails its check once",
  "- [ ] 4. Never approved",
  "",
].join("\n");


/** A spec with `tasks` (and the `extra` spec files) in a fresh repository: README.md committed as "init" on main. */
function repo(tasks: string, extra: Record<string, string> = {}): { root: string; spec: string } {
  const { root, spec } = makeSpec(tasks, "feature", extra);
  writeFileSync(join(root, "README.md"), "repo\n");
  git(root, "init", "-q", "-b", "main");
  git(root, "add", "-A");
  git(root, "commit", "-qm", "init");
  return { root, spec };
}

/** Write the `/bin/sh` script `body` to `dir`/agent.sh; returns the --agent-command that runs it. */
function shAgent(dir: string, body: string): string {
  const script = join(dir, "agent.sh");
  writeFileSync(script, `#!/bin/sh\n${body}`, { mode: 0o755 });
  return `/bin/sh '${script}'`;
}

const approve = `'<review>{"verdict":"approve","findings":[{"id":"N1","severity":"minor","file":null,"line":null,"title":"Name could be clearer","evidence":"","fix":"","requirement":null}],"previous":[]}</review>'`;

/**
 * The scripted agent. implement: writes the unit's file (unit 3's first try breaks the check). fix: writes the fix
 * and keeps its prompt. review: unit 2 has a major finding until fixed; unit 4 always; the rest approve.
 */
function loopAgent(dir: string): string {
  return shAgent(dir, `prompt=$(cat)
printf '%s %s %s %s\\n' "$SEQORCH_ROLE" "$SEQORCH_TASK_ID" "$SEQORCH_FIX_ROUND" "\${SEQORCH_REVIEWER:-}" >> '${dir}/calls.log'
case "$SEQORCH_ROLE" in
implement)
  printf '%s\\n' "$prompt" > '${dir}/implement-'"$SEQORCH_TASK_ID-$SEQORCH_ATTEMPT"'.md'
  case "$SEQORCH_TASK_ID" in
    1) echo one > one.txt ;;
    2) echo "two buggy" > two.txt ;;
    3) if [ "$SEQORCH_ATTEMPT" = 1 ]; then echo BROKEN > three.txt; else echo three > three.txt; fi ;;
    4) echo four > four.txt ;;
  esac
  echo 'Implemented. <promise>TASK_DONE</promise>' ;;
fix)
  printf '%s\\n' "$prompt" > '${dir}/fix-'"$SEQORCH_TASK_ID-$SEQORCH_FIX_ROUND"'.md'
  case "$SEQORCH_TASK_ID" in
    2) echo "two fixed" > two.txt ;;
    4) echo "four v$SEQORCH_FIX_ROUND" > four.txt ;;
  esac
  echo 'Fixed. <promise>TASK_DONE</promise>' ;;
review)
  test -f "$SEQORCH_DIFF_FILE" || { echo "no diff file"; exit 1; }
  cp "$SEQORCH_DIFF_FILE" '${dir}/diff-'"$SEQORCH_TASK_ID-$SEQORCH_FIX_ROUND"'.patch'
  prev=''
  if [ "$SEQORCH_FIX_ROUND" != 0 ]; then prev='{"id":"R1","status":"still_valid"}'; fi
  case "$SEQORCH_TASK_ID" in
    2) if grep -q buggy two.txt; then
         echo '<review>{"verdict":"request_changes","findings":[{"id":"R1","severity":"major","file":"two.txt","line":1,"title":"two.txt is buggy","evidence":"two buggy","fix":"write two fixed","requirement":null}],"previous":[]}</review>'
       else
         echo '<review>{"verdict":"approve","findings":[],"previous":[{"id":"R1","status":"fixed"}]}</review>'
       fi ;;
    4) echo '<review>{"verdict":"request_changes","findings":[{"id":"R1","severity":"major","file":"four.txt","line":1,"title":"four is wrong","evidence":"always","fix":"never enough","requirement":null}],"previous":['"$prev"']}</review>' ;;
    *) echo ${approve} ;;
  esac ;;
esac
`);
}

const stateOf = (spec: string) => JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));

for (const mode of ["tmux", "direct"] as const) {
  describe(`seqorch orchestrate (${mode})`, () => {
    test("four units: approved, fixed once, check failed once, a decision; then retry with a note, then accept", async () => {
      const { root, spec } = repo(TASKS, { "requirements.md": "# Requirements\n\n1.1 One\n", "design.md": "# Design\n" });
      const dir = tempDir();
      const agent = loopAgent(dir);
      const check = "if grep -q BROKEN three.txt 2>/dev/null; then echo three is BROKEN; exit 1; fi";
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux(), "--tmux-session", "loop"] : ["--no-tmux"];
      const args = ["orchestrate", "--spec", spec, "--delay", "0", "--backend", "command", "--agent-command", agent, "--verify", check, ...modeArgs];
      const first = await seqorch(args, { env: GIT_ENV });
      expect(first.code).toBe(2);
      expect(first.stdout + first.stderr).toContain("Waiting for 1 decision");
      expect(first.stdout + first.stderr).toContain(`seqorch decide --spec "${spec}" 4`);
      // One commit per round, nothing else in them, in order: 1; 2 and its fix; 3; 4 and its two fixes.
      const subjects = git(root, "log", "--reverse", "--format=%s").trim().split("\n");
      expect(subjects).toEqual([
        "init",
        "feature: 1 Approved at once",
        "feature: 2 One major finding, fixed once",
        "feature: 2 One major finding, fixed once (fix round 1)",
        "feature: 3 Fails its check once",
        "feature: 4 Never approved",
        "feature: 4 Never approved (fix round 1)",
        "feature: 4 Never approved (fix round 2)",
      ]);
      const files = (rev: string) => git(root, "show", "--name-only", "--format=", rev).trim();
      expect([files("HEAD~6"), files("HEAD~5"), files("HEAD~4"), files("HEAD~3"), files("HEAD~2")]).toEqual(["one.txt", "two.txt", "two.txt", "three.txt", "four.txt"]);
      const tasks = readFileSync(join(spec, "tasks.md"), "utf8");
      for (const id of ["1", "2", "3"]) expect(tasks).toContain(`- [x] ${id}.`);
      expect(tasks).toContain("- [ ] 4. Never approved");
      const state = stateOf(spec);
      expect(state.completed.sort()).toEqual(["1", "2", "3"]);
      expect(state.pipeline["4"].status).toBe("blocked");
      expect(state.pipeline["2"].reviews.map((r: { verdict: string }) => r.verdict)).toEqual(["fix", "pass"]);
      expect(state.attempts["3"].filter((a: { counted: boolean }) => a.counted).map((a: { status: string }) => a.status)).toEqual(["failed", "done"]);
      // Minor findings are debt, never dropped.
      expect(state.debt.map((d: { unit: string }) => d.unit).sort()).toEqual(["1", "3"]);
      // The fix prompt of unit 2 carries the finding with file, line, evidence and fix.
      const fix2 = readFileSync(join(dir, "fix-2-1.md"), "utf8");
      for (const text of ["[R1] MAJOR two.txt:1: two.txt is buggy", "Evidence: two buggy", "Suggested fix: write two fixed"]) expect(fix2).toContain(text);
      // The reviewer got the diff of the unit's commits, and its JSON, prompt and log are kept by unit and round.
      expect(readFileSync(join(dir, "diff-2-0.patch"), "utf8")).toContain("+two buggy");
      const reviews = join(spec, ".seqorch", "reviews", "2");
      expect(readdirSync(reviews).sort()).toEqual(["0", "1"]);
      expect(existsSync(join(reviews, "0", "1.json"))).toBe(true);
      expect(existsSync(join(reviews, "0", "diff.patch"))).toBe(true);
      // logs --review shows each round of a unit; status names the loop's statuses and the decision.
      const logs = await seqorch(["logs", "--spec", spec, "--unit", "2", "--review"]);
      expect(logs.code).toBe(0);
      expect(logs.stdout).toMatch(/Round 0 \(.*\): fix\n  \[R1\] major two\.txt:1: two\.txt is buggy/);
      expect(logs.stdout).toMatch(/Round 1 \(.*\): pass/);
      const status = JSON.parse((await seqorch(["status", "--spec", spec, "--json"])).stdout);
      expect(status.units).toEqual({ "1": "completed", "2": "completed", "3": "completed", "4": "blocked" });
      expect(status.decisions[0]).toMatchObject({ unit: "4", kind: "review_exhausted" });
      // decisions --json lists unit 4's decision.
      const listed = await seqorch(["decisions", "--spec", spec, "--json"]);
      expect(listed.code).toBe(0);
      const decisions = JSON.parse(listed.stdout);
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({ unit: "4", kind: "review_exhausted" });
      expect(decisions[0].findings[0]).toMatchObject({ id: "R1", severity: "major" });
      // PULSE: four sections and the pending decision's command.
      const pulse = readFileSync(join(spec, "PROJECT_PULSE.md"), "utf8");
      for (const heading of ["Mental Model", "Narrative Delta", "Risks & Debt", "Semantic Anchors"]) expect(pulse).toContain(heading);
      expect(pulse).toContain(`seqorch decide --spec "${spec}" 4`);
      expect(pulse).toContain("- `two.txt` → 2");
      // retry with a note: the note reaches the next fix prompt; the reviewer still refuses, so a decision again.
      const retry = await seqorch(["decide", "--spec", spec, "4", "retry", "--note", "Use the v2 format"]);
      expect(retry.code).toBe(0);
      const second = await seqorch(args, { env: GIT_ENV });
      expect(second.code).toBe(2);
      expect(readFileSync(join(dir, "fix-4-3.md"), "utf8")).toContain("Use the v2 format");
      // accept: done as it is, ticked, its open finding recorded as accepted debt; then the run has nothing left.
      expect((await seqorch(["decide", "--spec", spec, "4", "accept"])).code).toBe(0);
      expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [x] 4. Never approved");
      const third = await seqorch(args, { env: GIT_ENV });
      expect(third.code).toBe(0);
      expect(stateOf(spec).debt.some((d: { unit: string; accepted: boolean }) => d.unit === "4" && d.accepted)).toBe(true);
      expect((await seqorch(["decisions", "--spec", spec, "--json"])).stdout.trim()).toBe("[]");
    });
  });
}

/** A one-unit spec in a fresh repository, and a scripted agent with `review` as its reviewer body. */
function oneUnit(review: string) {
  const { root, spec } = repo("# Tasks\n\n- [ ] 1. Only unit\n  - _criticality: complex_\n");
  const dir = tempDir();
  const agent = shAgent(dir, `cat > /dev/null
printf '%s %s %s\\n' "$SEQORCH_ROLE" "$SEQORCH_FIX_ROUND" "\${SEQORCH_REVIEWER:-}" >> '${dir}/calls.log'
case "$SEQORCH_ROLE" in
implement|fix) echo "work $SEQORCH_FIX_ROUND" > work.txt; echo '<promise>TASK_DONE</promise>' ;;
review) ${review} ;;
esac
`);
  return { root, spec, dir, agent };
}

const calls = (dir: string) => readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n");

describe("reviewers that break the contract", () => {
  test("a reviewer that edits a file has its edit stashed (not deleted), its review failed, and the log says so", async () => {
    const { root, spec, agent } = oneUnit(`echo "reviewer was here" > README.md; echo 'mine' > stray.txt; echo ${approve}`);
    const r = await seqorch(["orchestrate", "--spec", spec, "--delay", "0", "--agent-command", agent, "--no-tmux"], { env: GIT_ENV });
    expect(r.code).toBe(2);
    expect(readFileSync(join(root, "README.md"), "utf8")).toBe("repo\n");
    expect(existsSync(join(root, "stray.txt"))).toBe(false);
    const stash = git(root, "stash", "list");
    expect(stash).toContain("seqorch reviewer edits: unit 1, round 0, reviewer 1");
    expect(git(root, "show", "stash@{0}:README.md")).toBe("reviewer was here\n");
    const state = stateOf(spec);
    expect(state.decisions[0]).toMatchObject({ unit: "1", kind: "scope_violation" });
    expect(state.completed).toEqual([]);
    const progress = readFileSync(join(spec, "SEQUENTIAL_PROGRESS.md"), "utf8");
    expect(progress).toContain("Reviewer 1 of unit 1 edited files");
    expect(progress).toMatch(/the reviewer changed README\.md, stray\.txt; kept in stash [0-9a-f]+/);
  });

  test("an invalid <review> block is re-asked once, then the review fails (never a pass); complex units get 2 reviewers", async () => {
    const { spec, dir, agent } = oneUnit(`echo '<review>{"verdict":"approve","findings":[{"id":"R1","severity":"critical","title":"x"}]}</review>'`);
    const r = await seqorch(["orchestrate", "--spec", spec, "--delay", "0", "--agent-command", agent, "--no-tmux"], { env: GIT_ENV });
    expect(r.code).toBe(2);
    // Reviewer 1 asked twice (the re-ask), reviewer 2 asked twice: complex units get two reviewers.
    expect(calls(dir).filter((c) => c.startsWith("review"))).toEqual(["review 0 1", "review 0 1", "review 0 2", "review 0 2"]);
    const result = JSON.parse(readFileSync(join(spec, ".seqorch", "reviews", "1", "0", "1.json"), "utf8"));
    expect(result).toMatchObject({ ok: false, kind: "invalid" });
    expect(result.reason).toContain("critical and major findings block");
    expect(result.reason).toContain("also after one re-ask");
    expect(readFileSync(join(spec, ".seqorch", "reviews", "1", "0", "reviewer-1-reask", "prompt.md"), "utf8")).toContain("did not end with a valid `<review>` block");
    expect(stateOf(spec).decisions[0]).toMatchObject({ kind: "review_failed" });
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [ ] 1. Only unit");
  });

  test("run --review: a decision halts the run (exit 2), recorded; reviewers run in tmux windows review-<unit>-<n>", async () => {
    const { spec, agent } = oneUnit(`sleep 0.3; echo '<review>{"verdict":"needs_human","question":{"text":"Which storage?","options":["sqlite","files"]}}</review>'`);
    const socket = privateTmux();
    const run = seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent, "--review", "--commit", "--tmux-socket", socket, "--tmux-session", "rv"], { env: GIT_ENV });
    const seen = new Set<string>();
    const poll = setInterval(() => {
      const out = Bun.spawnSync(["tmux", "-L", socket, "list-windows", "-a", "-F", "#{window_name}"]).stdout.toString();
      for (const name of out.split("\n").filter(Boolean)) seen.add(name);
    }, 50);
    const r = await run;
    clearInterval(poll);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain("Which storage?");
    expect([...seen].filter((n) => n.startsWith("review-")).sort()).toEqual(["review-1-1", "review-1-2"]);
    expect(stateOf(spec).decisions[0]).toMatchObject({ kind: "reviewer_question", question: "Which storage?" });
  });

  test("--on-decision runs with the decision in its environment", async () => {
    const { spec, dir, agent } = oneUnit(`echo '<review>{"verdict":"needs_human","question":{"text":"Which storage?","options":[]}}</review>'`);
    const out = join(dir, "hook.txt");
    const hook = `printf '%s|%s|%s|%s' "$SEQORCH_EVENT" "$SEQORCH_DECISION_KIND" "$SEQORCH_DECISION_QUESTION" "$SEQORCH_DECIDE_COMMAND" > '${out}'`;
    const r = await seqorch(["orchestrate", "--spec", spec, "--delay", "0", "--agent-command", agent, "--no-tmux", "--on-decision", hook], { env: GIT_ENV });
    expect(r.code).toBe(2);
    for (let i = 0; i < 50 && !existsSync(out); i++) await Bun.sleep(50);
    expect(readFileSync(out, "utf8")).toBe(`decision|reviewer_question|Which storage?|seqorch decide --spec "${spec}" 1 accept|fixed|retry|skip|abort [--note TEXT]`);
  });
});

describe("seqorch demo --review", () => {
  for (const mode of ["tmux", "direct"] as const) {
    test(`shows the whole loop (${mode}): one finding fixed, the other units approved at once`, async () => {
      const dir = join(tempDir(), "demo");
      const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux()] : ["--no-tmux"];
      const r = await seqorch(["demo", "--review", "--delay", "0", "--dir", dir, ...modeArgs], { env: { SEQORCH_DEMO_PAUSE_MS: "10" } });
      expect(r.code).toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toContain("round 0: fix — [D1] major");
      expect(out).toContain("unit 1 review: approved after 1 fix round; done");
      for (const id of ["2", "3", "4"]) expect(out).toContain(`unit ${id} review: approved after 0 fix rounds; done`);
      expect(git(dir, "log", "--format=%s").trim().split("\n")).toHaveLength(6);
      const spec = join(dir, ".kiro", "specs", "hello-cli");
      expect(readFileSync(join(spec, "PROJECT_PULSE.md"), "utf8")).toContain("4/4 units completed");
    });
  }
});

describe("the inspector sees the unit machines", () => {
  test("run --review --inspect=FILE.jsonl: each unit's review loop is a child actor of the run, with its own states", async () => {
    const { spec, agent } = oneUnit(`echo ${approve}`);
    const file = join(tempDir(), "events.jsonl");
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent, "--no-tmux", "--review", "--reviewers", "complex=1", `--inspect=${file}`], { env: GIT_ENV });
    expect(r.code).toBe(0);
    const events = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; sessionId: string; name?: string; actorRef?: unknown; snapshot?: { value?: unknown } });
    const root = events.find((e) => e.type === "@xstate.actor" && e.name === "orchestrator")!;
    const child = events.find((e) => e.type === "@xstate.actor" && e.name === "unit");
    expect(child, "the unit machine registered as an actor").toBeDefined();
    expect(child!.sessionId).not.toBe(root.sessionId);
    const values = events.filter((e) => e.type === "@xstate.snapshot" && e.sessionId === child!.sessionId).map((e) => e.snapshot?.value);
    expect(values).toContain("reviewing");
    // The loop's end is recorded by the unit machine's concluder.
    expect(values).toContain("concluding");
    expect(values.at(-1)).toBe("concluded");
  });
});

describe("--review without --commit", () => {
  test("the reviewer reads the working tree's diff (new files whole); the fix round runs and is reviewed again", async () => {
    const { root, spec, dir, agent } = oneUnit(
      `cp "$SEQORCH_DIFF_FILE" "$(dirname "$0")/diff-$SEQORCH_FIX_ROUND.patch"; if grep -q 'work 0' work.txt; then echo '<review>{"verdict":"request_changes","findings":[{"id":"R1","severity":"major","file":"work.txt","line":1,"title":"still round 0","evidence":"work 0","fix":"redo","requirement":null}]}</review>'; else echo '<review>{"verdict":"approve","findings":[],"previous":[{"id":"R1","status":"fixed"}]}</review>'; fi`,
    );
    const r = await seqorch(["run", "--spec", spec, "--delay", "0", "--agent-command", agent, "--no-tmux", "--review", "--reviewers", "complex=1"], { env: GIT_ENV });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "diff-0.patch"), "utf8")).toContain("+work 0");
    expect(readFileSync(join(dir, "diff-1.patch"), "utf8")).toContain("+work 1");
    expect(calls(dir)).toEqual(["implement 0 ", "review 0 1", "fix 1 ", "review 1 1"]);
    expect(git(root, "log", "--format=%s").trim()).toBe("init"); // nothing committed without --commit
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [x] 1. Only unit");
  });
});

describe("a decision waits with its dependents only", () => {
  test("orchestrate: unit 1's question blocks 1 and its dependent 2, unit 3 runs; skip --unblock-dependents lets 2 run and the run complete", async () => {
    const { spec } = repo("# Tasks\n\n- [ ] 1. Ask\n- [ ] 2. Needs 1\n  - _Depends on: 1_\n- [ ] 3. Independent\n");
    const dir = tempDir();
    const agent = shAgent(dir, `cat > /dev/null
echo "$SEQORCH_ROLE $SEQORCH_TASK_ID" >> '${dir}/calls.log'
case "$SEQORCH_ROLE" in
review) if [ "$SEQORCH_TASK_ID" = 1 ]; then echo '<review>{"verdict":"needs_human","question":{"text":"Keep the old API?","options":["yes","no"]}}</review>'; else echo ${approve}; fi ;;
*) echo "u$SEQORCH_TASK_ID" > "u$SEQORCH_TASK_ID.txt"; echo '<promise>TASK_DONE</promise>' ;;
esac
`);
    const args = ["orchestrate", "--spec", spec, "--delay", "0", "--agent-command", agent, "--no-tmux"];
    const first = await seqorch(args, { env: GIT_ENV });
    expect(first.code).toBe(2);
    expect(calls(dir)).toEqual(["implement 1", "review 1", "implement 3", "review 3"]);
    expect(stateOf(spec).completed).toEqual(["3"]);
    expect((await seqorch(["decide", "--spec", spec, "1", "skip", "--unblock-dependents"])).code).toBe(0);
    const second = await seqorch(args, { env: GIT_ENV });
    expect(second.code).toBe(0);
    expect(calls(dir).slice(4)).toEqual(["implement 2", "review 2"]);
    const tasks = readFileSync(join(spec, "tasks.md"), "utf8");
    expect(tasks).toContain("- [ ] 1. Ask");
    expect(tasks).toContain("- [x] 2. Needs 1");
    expect(stateOf(spec).pipeline["1"].status).toBe("skipped");
  });
});

describe("stalemates go to a human at once", () => {
  test("a fix round that changes nothing (seqorch's own writes aside) becomes a decision after that round", async () => {
    const { spec } = repo("# Tasks\n\n- [ ] 1. Only unit\n");
    const dir = tempDir();
    const agent = shAgent(dir, `cat > /dev/null
echo "$SEQORCH_ROLE $SEQORCH_FIX_ROUND" >> '${dir}/calls.log'
case "$SEQORCH_ROLE" in
implement) echo one > one.txt; echo '<promise>TASK_DONE</promise>' ;;
fix) echo 'Looked at it. <promise>TASK_DONE</promise>' ;;
review) echo '<review>{"verdict":"request_changes","findings":[{"id":"R1","severity":"major","title":"wrong"}]}</review>' ;;
esac
`);
    const r = await seqorch(["orchestrate", "--spec", spec, "--delay", "0", "--agent-command", agent, "--no-tmux"], { env: GIT_ENV });
    expect(r.code).toBe(2);
    expect(calls(dir)).toEqual(["implement 0", "review 0", "fix 1"]);
    expect(stateOf(spec).decisions[0]).toMatchObject({ kind: "review_exhausted", question: "fix round 1 changed nothing" });
  });
});

describe("decide fixed", () => {
  test("a human's fix gets the checks and one review round: still refused → a new decision, no fix agent; approved → done and ticked", async () => {
    const { root, spec } = repo("# Tasks\n\n- [ ] 1. Only unit\n");
    const dir = tempDir();
    const agent = shAgent(dir, `prompt=$(cat)
echo "$SEQORCH_ROLE $SEQORCH_FIX_ROUND" >> '${dir}/calls.log'
case "$SEQORCH_ROLE" in
implement|fix) echo "work $SEQORCH_FIX_ROUND" > work.txt; echo '<promise>TASK_DONE</promise>' ;;
review)
  cp "$SEQORCH_DIFF_FILE" '${dir}/diff-'"$SEQORCH_FIX_ROUND"'.patch'
  printf '%s\\n' "$prompt" > '${dir}/review-'"$SEQORCH_FIX_ROUND"'.md'
  if grep -q 'human fix v2' work.txt; then echo '<review>{"verdict":"approve","findings":[],"previous":[{"id":"R1","status":"fixed"}]}</review>'
  else echo '<review>{"verdict":"request_changes","findings":[{"id":"R1","severity":"major","file":"work.txt","line":1,"title":"work.txt is wrong","evidence":"not v2","fix":"write human fix v2","requirement":null}]}</review>'; fi ;;
esac
`);
    const check = `echo ran >> '${dir}/verify.log'; ! grep -q BROKEN work.txt`;
    const args = ["orchestrate", "--spec", spec, "--delay", "0", "--agent-command", agent, "--no-tmux", "--max-fix-rounds", "1", "--verify", check];
    const verifyRuns = () => readFileSync(join(dir, "verify.log"), "utf8").trim().split("\n").length;
    const first = await seqorch(args, { env: GIT_ENV });
    expect(first.code).toBe(2);
    expect(calls(dir)).toEqual(["implement 0", "review 0", "fix 1", "review 1"]);
    expect(verifyRuns()).toBe(2);

    // The human fixes it (not well enough) and commits; `decide fixed`: verify and one review, no agent fixes.
    writeFileSync(join(root, "work.txt"), "human fix v1\n");
    git(root, "commit", "-qam", "human fix v1");
    const decided = await seqorch(["decide", "--spec", spec, "1", "fixed", "--note", "I rewrote it"]);
    expect(decided.code).toBe(0);
    const second = await seqorch(args, { env: GIT_ENV });
    expect(second.code).toBe(2);
    expect(second.stdout + second.stderr).toContain("Waiting for 1 decision");
    expect(calls(dir).slice(4)).toEqual(["review 2"]);
    expect(verifyRuns()).toBe(3);
    expect(readFileSync(join(dir, "diff-2.patch"), "utf8")).toContain("+human fix v1");
    // A re-review: the earlier finding to mark, and the human's fix as the fix's own diff.
    const review2 = readFileSync(join(dir, "review-2.md"), "utf8");
    expect(review2).toContain("- [R1] MAJOR work.txt:1: work.txt is wrong");
    // The reviewer is told it reviews a person's fix, with the person's note.
    expect(review2).toContain("## A person's fix");
    expect(review2).toContain("Their note: I rewrote it");
    expect(readFileSync(join(dir, "review-1.md"), "utf8")).not.toContain("A person's fix");
    expect(readFileSync(join(spec, ".seqorch", "reviews", "1", "2", "fix.patch"), "utf8")).toContain("+human fix v1");
    let state = stateOf(spec);
    expect(state.decisions.map((d: { resolution: string | null; note: string | null }) => [d.resolution, d.note])).toEqual([["fixed", "I rewrote it"], [null, null]]);
    expect(state.decisions[1]).toMatchObject({ unit: "1", kind: "review_exhausted" });
    expect(state.pipeline["1"]).toMatchObject({ status: "blocked", human_fix: false, guidance: null });
    expect(state.completed).toEqual([]);
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [ ] 1. Only unit");
    expect(JSON.parse((await seqorch(["decisions", "--spec", spec, "--json"])).stdout)).toHaveLength(1);

    // A human fix that fails the checks: a decision again, with no review and no fix agent.
    writeFileSync(join(root, "work.txt"), "BROKEN\n");
    expect((await seqorch(["decide", "--spec", spec, "1", "fixed"])).code).toBe(0);
    expect((await seqorch(args, { env: GIT_ENV })).code).toBe(2);
    expect(calls(dir)).toHaveLength(5);
    expect(verifyRuns()).toBe(4);
    expect(stateOf(spec).decisions[2]).toMatchObject({ unit: "1", kind: "review_exhausted", resolution: null });

    // The next human fix, left uncommitted: seqorch checks, commits and reviews it; approved, done and ticked.
    writeFileSync(join(root, "work.txt"), "human fix v2\n");
    expect((await seqorch(["decide", "--spec", spec, "1", "fixed"])).code).toBe(0);
    const third = await seqorch(args, { env: GIT_ENV });
    expect(third.code).toBe(0);
    expect(calls(dir).slice(5)).toEqual(["review 4"]);
    expect(verifyRuns()).toBe(5);
    expect(readFileSync(join(dir, "diff-4.patch"), "utf8")).toContain("+human fix v2");
    expect(readFileSync(join(dir, "review-4.md"), "utf8")).toContain("## A person's fix");
    expect(readFileSync(join(dir, "review-4.md"), "utf8")).not.toContain("Their note");
    state = stateOf(spec);
    expect(state.completed).toEqual(["1"]);
    expect(state.pipeline["1"].status).toBe("completed");
    expect(state.decisions.every((d: { resolution: string | null }) => d.resolution === "fixed")).toBe(true);
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [x] 1. Only unit");
    // The human's commit stands; no empty commit for round 2, none for the failed round 3; the uncommitted fix is round 4's commit, alone.
    expect(git(root, "log", "--reverse", "--format=%s").trim().split("\n")).toEqual(["init", "feature: 1 Only unit", "feature: 1 Only unit (fix round 1)", "human fix v1", "feature: 1 Only unit (fix round 4)"]);
    expect(git(root, "show", "--name-only", "--format=", "HEAD").trim()).toBe("work.txt");
    expect(git(root, "status", "--porcelain", "--", "work.txt")).toBe("");
  });
});
