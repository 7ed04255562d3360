// Entry point: dispatches to a subcommand, and is the one place that maps outcomes and errors to exit codes.
import { runCommand as runCitty } from "citty";
import { ExitCode, exitCodeOf, formatError, UsageError } from "./errors.ts";
import { mainCommand, subCommands, VERSION } from "./cli/main.ts";
import { printUsage } from "./cli/help.ts";
import { COMMIT } from "./build-info.ts";
import { receivedSignal } from "./cli/stop-signal.ts";

process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    await printUsage(mainCommand);
    return name === undefined ? ExitCode.usage : 0;
  }
  if (name === "--version" || name === "-v") {
    console.log(`seqorch ${VERSION} (${COMMIT})`);
    return 0;
  }
  const load = subCommands[name];
  if (!load) {
    const commands = Object.keys(subCommands).filter((n) => n !== "demo-agent");
    const near = (await import("./cli/suggest.ts")).closest(name, commands); // loaded only for a mistyped command
    throw new UsageError(name, `unknown command${near ? `; did you mean ${near}?` : ""} (commands: ${commands.join(", ")})`);
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    await printUsage(command, mainCommand);
    return 0;
  }
  const { result } = await runCitty(command, { rawArgs: rest });
  const code = typeof result === "number" ? result : 0;
  const signal = receivedSignal();
  if (code === ExitCode.sigint && signal) return signal === "SIGINT" ? ExitCode.sigint : signal === "SIGTERM" ? ExitCode.sigterm : 129;
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(formatError(error));
    if (process.env.SEQORCH_DEBUG && error instanceof Error) console.error(error.stack);
    process.exit(exitCodeOf(error));
  },
);
