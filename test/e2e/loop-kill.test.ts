// The multi-agent loop killed (SIGKILL) during verify, commit, review and fix: the next run resumes the right
// round, makes no second commit for a round, and loses no finding.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, makeSpec, privateTmux, seqorch, tempDir, GIT_ENV, git } from "./harness.ts";

afterAll(cleanUp);



/** Unit 1 is approved at once; unit 2 has a major finding until its fix, then is approved. */
function agentIn(dir: string): string {
  const script = join(dir, "agent.sh");
  writeFileSync(
    script,
    `#!/bin/sh
cat > /dev/null
case "$SEQORCH_ROLE" in
implement) echo "unit $SEQORCH_TASK_ID" > "u$SEQORCH_TASK_ID.txt"; echo '<promise>TASK_DONE</promise>' ;;
fix) echo "unit 2 fixed" > u2.txt; echo '<promise>TASK_DONE</promise>' ;;
review)
  if [ "$SEQORCH_TASK_ID" = 2 ] && grep -q '^unit 2$' u2.txt; then
    echo '<review>{"verdict":"request_changes","findings":[{"id":"R1","severity":"major","file":"u2.txt","line":1,"title":"not fixed yet","evidence":"unit 2","fix":"fix it","requirement":null}]}</review>'
  elif [ "$SEQORCH_TASK_ID" = 2 ]; then
    echo '<review>{"verdict":"approve","findings":[],"previous":[{"id":"R1","status":"fixed"}]}</review>'
  else
    echo '<review>{"verdict":"approve","findings":[]}</review>'
  fi ;;
esac
`,
    { mode: 0o755 },
  );
  return `/bin/sh '${script}'`;
}

/** Where to die: the n-th pass of a point (src/fault-injection.ts). Verify runs: 1 unit 1, 2 unit 2, 3 unit 2's fix. */
const POINTS = ["verify.start#1", "verify.done#3", "commit.made#1", "commit.made#3", "review.start#1", "review.done#2", "review.start#3", "fix.start#1", "fix.running#1"];

for (const mode of ["direct", "tmux"] as const) {
  describe(`the loop killed with SIGKILL (${mode})`, () => {
    for (const point of POINTS) {
      test(point, async () => {
        const { root, spec } = makeSpec("# Tasks\n\n- [ ] 1. First\n- [ ] 2. Second\n");
        writeFileSync(join(root, "README.md"), "repo\n");
        git(root, "init", "-q", "-b", "main");
        git(root, "add", "-A");
        git(root, "commit", "-qm", "init");
        const modeArgs = mode === "tmux" ? ["--tmux-socket", privateTmux(), "--tmux-session", "kill"] : ["--no-tmux"];
        const args = ["orchestrate", "--spec", spec, "--delay", "0", "--agent-command", agentIn(tempDir()), "--verify", "true", ...modeArgs];
        const crashed = await seqorch(args, { env: { ...GIT_ENV, SEQORCH_CRASH_AT: point } });
        expect(crashed.code).toBe(137);
        const resumed = await seqorch(args, { env: GIT_ENV });
        expect(resumed.stderr).not.toContain("internal error");
        expect(resumed.code).toBe(0);
        // One commit per round, each holding only its unit's file.
        expect(git(root, "log", "--reverse", "--format=%s").trim().split("\n")).toEqual(["init", "feature: 1 First", "feature: 2 Second", "feature: 2 Second (fix round 1)"]);
        expect(git(root, "show", "--name-only", "--format=", "HEAD").trim()).toBe("u2.txt");
        expect(git(root, "show", "--name-only", "--format=", "HEAD~2").trim()).toBe("u1.txt");
        const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
        expect(state.completed.sort()).toEqual(["1", "2"]);
        // No finding lost: unit 2's first round kept its major finding, its second round approved.
        const reviews = state.pipeline["2"].reviews.map((r: { round: number; verdict: string; findings: { id: string }[] }) => [r.round, r.verdict, r.findings.map((f) => f.id)]);
        expect(reviews).toEqual([
          [0, "fix", ["R1"]],
          [1, "pass", []],
        ]);
        expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [x] 2. Second");
        expect(state.decisions).toEqual([]);
      });
    }
  });
}
