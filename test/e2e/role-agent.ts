// A scripted `--backend command` agent that plays every SEQORCH_ROLE of the review loop and reports usage, for
// the usage and budget tests: implement writes one.txt, fix rewrites it, review asks for a change (major finding
// R1 on one.txt) until the fix is in, then approves.
import { scriptedAgent, tempDir } from "./harness.ts";

/** The `<usage>{…}</usage>` JSON each role prints (input_tokens, output_tokens, cost_usd, model: the command backend's format). */
export interface RoleUsage {
  implement: string;
  fix: string;
  review: string;
}

/** The agent (its `command` for `--agent-command`), in a fresh temporary folder. */
export function usageReportingRoleAgent(usage: RoleUsage): ReturnType<typeof scriptedAgent> {
  const review = (verdict: string, findings: string, previous: string) => `'<review>{"verdict":"${verdict}","findings":[${findings}],"previous":[${previous}]}</review>'`;
  return scriptedAgent(
    tempDir(),
    `cat >/dev/null
case "$SEQORCH_ROLE" in
implement) echo one > one.txt; echo '<usage>${usage.implement}</usage>'; echo 'Done. <promise>TASK_DONE</promise>' ;;
fix) echo fixed > one.txt; echo '<usage>${usage.fix}</usage>'; echo 'Fixed. <promise>TASK_DONE</promise>' ;;
review) echo '<usage>${usage.review}</usage>'
  if grep -q fixed one.txt; then echo ${review("approve", "", '{"id":"R1","status":"fixed"}')}
  else echo ${review("request_changes", '{"id":"R1","severity":"major","file":"one.txt","line":1,"title":"not fixed","evidence":"","fix":"fix it","requirement":null}', "")}; fi ;;
esac`,
  );
}
