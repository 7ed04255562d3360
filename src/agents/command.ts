// The `command` backend: any agent CLI, given as a shell command line by the user (--agent-command).
import { UsageError } from "../errors.ts";
import { readTail } from "./log-tail.ts";
import type { AgentAdapter, AgentLaunch, LaunchRequest } from "./types.ts";

/** How much of the end of stdout is the reply (bytes): enough for any final message, bounded for huge logs. */
export const REPLY_TAIL_BYTES = 64 * 1024;
const ERROR_TAIL_BYTES = 4 * 1024;

/**
 * A backend that runs `command` with `/bin/sh -c` in the workdir, the prompt on stdin (then closed), and
 * SEQORCH_TASK_ID, SEQORCH_SPEC_DIR, SEQORCH_ATTEMPT, SEQORCH_PROMPT_FILE set. Its stdout is the reply.
 * The command is the user's own (a flag), never text from tasks.md. Throws UsageError when it is empty.
 */
export function commandAdapter(command: string | undefined): AgentAdapter {
  return {
    name: "command",
    buildLaunch(request: LaunchRequest): AgentLaunch {
      if (!command || command.trim() === "") {
        throw new UsageError("--agent-command", "required with --backend command (or choose a native backend: --backend claude, codex, gemini or opencode)");
      }
      return {
        argv: ["/bin/sh", "-c", command],
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
      return { finalMessage: readTail(outLog, REPLY_TAIL_BYTES), sessionId: null, errors };
    },
  };
}
