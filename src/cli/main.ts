// The root command: names every subcommand (for help and dispatch).
import { defineCommand, type CommandDef } from "citty";
import pkg from "../../package.json" with { type: "json" };
import { configCommand } from "./config.ts";
import { demoAgentCommand, demoCommand } from "./demo.ts";
import { doctorCommand } from "./doctor.ts";
import { graphCommand } from "./graph.ts";
import { logsCommand } from "./logs.ts";
import { planCommand } from "./plan.ts";
import { resetCommand } from "./reset.ts";
import { runCommand } from "./run.ts";
import { statusCommand } from "./status.ts";

/** Subcommands by name. Each returns its exit code (a number) from run(). */
export const subCommands: Record<string, CommandDef<any>> = {
  run: runCommand,
  plan: planCommand,
  status: statusCommand,
  logs: logsCommand,
  reset: resetCommand,
  config: configCommand,
  graph: graphCommand,
  doctor: doctorCommand,
  demo: demoCommand,
  "demo-agent": demoAgentCommand,
};

export const VERSION: string = pkg.version;

export const mainCommand = defineCommand({
  meta: {
    name: "seqorch",
    version: VERSION,
    description: "Run the tasks of a Kiro spec one at a time through coding-agent CLIs, each in its own tmux window",
  },
  subCommands,
});
