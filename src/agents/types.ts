// What a backend adapter is: pure builders for one attempt's command line and a parser for its output.
import type { AttemptExit } from "../runner/types.ts";
import type { UsageMeter } from "../usage/meter.ts";
import type { Usage } from "../usage/record.ts";

/** Everything an adapter may need to build one attempt's launch. */
export interface LaunchRequest {
  /** The unit's task ID (e.g. `2` or `13.4#2` for a repeated ID). */
  taskId: string;
  specDir: string;
  workdir: string;
  attempt: number;
  /** File holding the prompt, byte for byte. */
  promptFile: string;
  /**
   * The agent session of this unit's previous attempt on the same backend, when one was recorded.
   * Adapters continue it only when resuming is on (`--resume-session`); otherwise they start afresh.
   */
  previousSessionId?: string | null;
}

/** How to start the agent: argv without a shell, added environment, and whether the prompt goes to stdin. */
export interface AgentLaunch {
  argv: string[];
  env: Record<string, string>;
  /** "prompt": the prompt file is the agent's stdin (then closed); "none": stdin is /dev/null. */
  stdin: "prompt" | "none";
}

/** What the agent said, parsed from its output files. */
export interface AgentReply {
  /** The agent's final message, where the completion and halt markers are looked for. */
  finalMessage: string;
  sessionId: string | null;
  /** Errors the agent or its CLI reported (API errors, stderr on failure). */
  errors: string[];
  /**
   * A rate or usage limit reported in the CLI's structured output (e.g. Claude's rate_limit_event), with its
   * reset time (epoch ms) when given. Text patterns are only the fallback (src/agents/rate-limit.ts).
   */
  rateLimit?: { resetAt: number | null; detail: string } | null;
  /** Tokens (and the cost, when the CLI reports one) used by the attempt, when the CLI reports them. */
  usage?: Usage | null;
}

/** A backend: data plus pure builders; it spawns nothing. */
export interface AgentAdapter {
  readonly name: string;
  /** Build the launch for one attempt. Throws UsageError when a required option is missing. */
  buildLaunch(request: LaunchRequest): AgentLaunch;
  /** Read the attempt's stdout/stderr files (streaming; never the whole output in memory) into a reply. */
  parseReply(outLog: string, errLog: string, exit: AttemptExit): Promise<AgentReply>;
  /** A reader of the attempt's usage from its stdout while it runs (the per-unit budget); absent: none reported. */
  usageMeter?(): UsageMeter;
}
