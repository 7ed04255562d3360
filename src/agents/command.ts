// The `command` backend: any agent CLI, given as a shell command line by the user (--agent-command).
import { UsageError } from "../errors.ts";
import { readTail } from "./log-tail.ts";
import { commandUsageMeter } from "../usage/command-usage.ts";
import { readAllLines } from "../usage/lines.ts";
import type { AgentAdapter, AgentLaunch, LaunchRequest } from "./types.ts";

/** How much of the end of stdout is the reply (bytes): enough for any final message, bounded for huge logs. */
export const REPLY_TAIL_BYTES = 64 * 1024;
const ERROR_TAIL_BYTES = 4 * 1024;

/** The flags a command backend was given by: the backend's (--backend, --review-backend…) and its command's. */
export interface CommandFlags {
  backend: string;
  command: string;
}

/**
 * The command of a `command` backend, checked (what its launch builder runs). Throws UsageError naming
 * `flags.command` when it is missing or blank.
 */
export function validateAgentCommand(command: string | undefined, flags: CommandFlags = { backend: "--backend", command: "--agent-command" }): string {
  if (!command || command.trim() === "") {
    throw new UsageError(flags.command, `required with ${flags.backend} command (or choose a native backend: ${flags.backend} claude, codex, gemini or opencode)`);
  }
  return command;
}

/**
 * A backend that runs `command` with `/bin/sh -c` in the workdir, the prompt on stdin (then closed), and
 * SEQORCH_TASK_ID, SEQORCH_SPEC_DIR, SEQORCH_ATTEMPT, SEQORCH_PROMPT_FILE set. Its stdout is the reply; its
 * `<usage>{…}</usage>` lines are its usage (src/usage/command-usage.ts).
 * The command is the user's own (a flag), never text from tasks.md. Throws UsageError when it is empty.
 */
export function commandAdapter(command: string | undefined): AgentAdapter {
  return {
    name: "command",
    buildLaunch(request: LaunchRequest): AgentLaunch {
      return {
        argv: ["/bin/sh", "-c", validateAgentCommand(command)],
        env: {
          SEQORCH_TASK_ID: request.taskId,
          SEQORCH_SPEC_DIR: request.specDir,
          SEQORCH_ATTEMPT: String(request.attempt),
          SEQORCH_PROMPT_FILE: request.promptFile,
        },
        stdin: "prompt",
      };
    },
    async parseReply(outLog, errLog, exit) {
      const errors: string[] = [];
      if (exit.exitCode !== 0) {
        const err = readTail(errLog, ERROR_TAIL_BYTES).trim();
        if (err) errors.push(err);
      }
      const meter = commandUsageMeter();
      readAllLines(outLog, (line) => meter.line(line), "<usage>");
      return { finalMessage: readTail(outLog, REPLY_TAIL_BYTES), sessionId: null, errors, usage: meter.usage() };
    },
    usageMeter: commandUsageMeter,
  };
}
