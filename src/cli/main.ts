// The root command: names every subcommand (for help and dispatch).
import { defineCommand, type CommandDef } from "citty";
import pkg from "../../package.json" with { type: "json" };

/**
 * Subcommands by name, loaded on demand so a command loads only its own modules (start-up time and memory are
 * product figures). Each command's run() returns its exit code.
 */
export const subCommands: Record<string, () => Promise<CommandDef<any>>> = {
  run: () => import("./run.ts").then((m) => m.runCommand),
  orchestrate: () => import("./orchestrate.ts").then((m) => m.orchestrateCommand),
  decisions: () => import("./decisions.ts").then((m) => m.decisionsCommand),
  decide: () => import("./decisions.ts").then((m) => m.decideCmd),
  plan: () => import("./plan.ts").then((m) => m.planCommand),
  status: () => import("./status.ts").then((m) => m.statusCommand),
  logs: () => import("./logs.ts").then((m) => m.logsCommand),
  reset: () => import("./reset.ts").then((m) => m.resetCommand),
  config: () => import("./config.ts").then((m) => m.configCommand),
  graph: () => import("./graph.ts").then((m) => m.graphCommand),
  doctor: () => import("./doctor.ts").then((m) => m.doctorCommand),
  demo: () => import("./demo.ts").then((m) => m.demoCommand),
  "demo-agent": () => import("./demo.ts").then((m) => m.demoAgentCommand),
  worktrees: () => import("./worktrees.ts").then((m) => m.worktreesCommand),
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
