// The built-in demo agent: reads its prompt on stdin, "works" for a moment, writes a file, says TASK_DONE.
// With `seqorch demo --review` it is the reviewer too (SEQORCH_ROLE=review): unit 1 gets one major finding until
// its fix round adds the missing check; every other unit is approved at once.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TASK_DONE } from "../signals.ts";

const fileOf = (taskId: string) => join("demo-output", `task-${taskId.replace(/[^A-Za-z0-9._-]/g, "_")}.txt`);

/** The demo reviewer's verdict: a major finding on unit 1 until its file has the check, else approve. */
function demoReview(taskId: string, round: number): string {
  const file = fileOf(taskId);
  const checked = existsSync(file) && readFileSync(file, "utf8").includes("input check");
  const previous = round > 0 ? [{ id: "D1", status: "fixed" }] : [];
  if (taskId === "1" && !checked) {
    const finding = { id: "D1", severity: "major", file, line: 1, title: "No input check", evidence: "the script uses $1 without checking it", fix: "check the argument before using it", requirement: "1.1" };
    return `demo-reviewer: read the diff; one problem.\n<review>${JSON.stringify({ verdict: "request_changes", findings: [finding], previous })}</review>`;
  }
  return `demo-reviewer: read the diff; it does what the task asks.\n<review>${JSON.stringify({ verdict: "approve", findings: [], previous })}</review>`;
}

/** Run the demo agent in the current process (the workdir is the cwd). Returns its exit code. */
export async function runDemoAgent(): Promise<number> {
  const prompt = await new Response(Bun.stdin.stream()).text();
  const taskId = process.env.SEQORCH_TASK_ID ?? "?";
  const role = process.env.SEQORCH_ROLE ?? "implement";
  if (role === "review") {
    await Bun.sleep(Number(process.env.SEQORCH_DEMO_PAUSE_MS ?? 400));
    console.log(demoReview(taskId, Number(process.env.SEQORCH_FIX_ROUND ?? 0)));
    return 0;
  }
  if (role === "fix") {
    console.log(`demo-agent: fixing task ${taskId} (round ${process.env.SEQORCH_FIX_ROUND})…`);
    await Bun.sleep(Number(process.env.SEQORCH_DEMO_PAUSE_MS ?? 400));
    appendFileSync(fileOf(taskId), "input check added\n");
    console.log(`Fixed D1 in ${fileOf(taskId)}.`);
    console.log(TASK_DONE);
    return 0;
  }
  const title = /^# Task [^:]+: (.*)$/m.exec(prompt)?.[1] ?? "the task";
  const pause = Number(process.env.SEQORCH_DEMO_PAUSE_MS ?? 400);
  const steps = [`Reading the spec for task ${taskId}: ${title}`, "Writing the code", "Running the checks"];
  for (const step of steps) {
    console.log(`demo-agent: ${step}…`);
    await Bun.sleep(pause);
  }
  mkdirSync("demo-output", { recursive: true });
  writeFileSync(join("demo-output", `task-${taskId.replace(/[^A-Za-z0-9._-]/g, "_")}.txt`), `${title}\n`);
  console.log(`Implemented task ${taskId} (demo-output/task-${taskId}.txt).`);
  console.log(TASK_DONE);
  return 0;
}
