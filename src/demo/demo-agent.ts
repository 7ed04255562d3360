// The built-in demo agent: reads its prompt on stdin, "works" for a moment, writes a file, says TASK_DONE.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TASK_DONE } from "../signals.ts";

/** Run the demo agent in the current process (the workdir is the cwd). Returns its exit code. */
export async function runDemoAgent(): Promise<number> {
  const prompt = await new Response(Bun.stdin.stream()).text();
  const taskId = process.env.SEQORCH_TASK_ID ?? "?";
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
