// Starting an agent for a fix round or a review: a folder of its own, the prompt file, the launch through the
// run's runner, and the role variables a command backend reads (SEQORCH_ROLE, SEQORCH_FIX_ROUND, …).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentAdapter, AgentReply } from "../agents/types.ts";
import type { AttemptExit, AttemptHandle } from "../runner/types.ts";
import { contextForUnit, type RunContext } from "./run-context.ts";

/** One agent run of the loop: where it writes, which window it gets, and its role variables. */
export interface LoopLaunch {
  adapter: AgentAdapter;
  unitKey: string;
  /** Its own folder (exit file, logs, prompt). */
  dir: string;
  prompt: string;
  windowName: string;
  attempt: number;
  env: Record<string, string>;
  previousSessionId?: string | null;
}

/** A started loop agent: its handle and logs. */
export interface LoopAgent {
  handle: AttemptHandle;
  outLog: string;
  errLog: string;
  promptFile: string;
}

/** Write the prompt and start the agent. Throws when it cannot start. */
export async function startLoopAgent(runContext: RunContext, launch: LoopLaunch): Promise<LoopAgent> {
  const context = contextForUnit(runContext, launch.unitKey); // in the unit's worktree with --parallel
  mkdirSync(launch.dir, { recursive: true });
  const promptFile = join(launch.dir, "prompt.md");
  writeFileSync(promptFile, launch.prompt);
  const built = launch.adapter.buildLaunch({
    taskId: launch.unitKey,
    specDir: context.paths.specDir,
    workdir: context.paths.workdir,
    attempt: launch.attempt,
    promptFile,
    previousSessionId: launch.previousSessionId ?? null,
  });
  const outLog = join(launch.dir, "out.log");
  const errLog = join(launch.dir, "err.log");
  const handle = await context.runner.start({
    argv: built.argv,
    env: { ...built.env, ...launch.env, SEQORCH_ATTEMPT_ID: `${process.pid}-${Date.now().toString(36)}-${launch.windowName}` },
    cwd: context.paths.workdir,
    stdinFile: built.stdin === "prompt" ? promptFile : null,
    outLog,
    errLog,
    attemptDir: launch.dir,
    windowName: launch.windowName,
  });
  return { handle, outLog, errLog, promptFile };
}

/** Wait for a loop agent (ended when `signal` aborts) and parse its reply with its backend's parser. */
export async function finishLoopAgent(context: RunContext, adapter: AgentAdapter, agent: LoopAgent, signal: AbortSignal): Promise<{ exit: AttemptExit; reply: AgentReply }> {
  const exit = await context.runner.wait(agent.handle, signal);
  const reply = await adapter.parseReply(agent.outLog, agent.errLog, exit);
  return { exit, reply };
}
