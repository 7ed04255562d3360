// Runs the mock LLM and one command beside it, in the same process tree (used inside a network namespace):
//   bun serve.ts --port P --script script.json --log requests.jsonl -- <command> [args…]
// Exits with the command's exit code once it ends, after stopping the mock.
import { readFileSync } from "node:fs";
import type { MockScript } from "./script.ts";
import { startMockLlm } from "./server.ts";

const argv = process.argv.slice(2);
const split = argv.indexOf("--");
const own = split < 0 ? argv : argv.slice(0, split);
const command = split < 0 ? [] : argv.slice(split + 1);
const flag = (name: string) => {
  const i = own.indexOf(`--${name}`);
  return i >= 0 ? own[i + 1] : undefined;
};

const scriptFile = flag("script");
const script: MockScript = scriptFile ? (JSON.parse(readFileSync(scriptFile, "utf8")) as MockScript) : {};
const mock = startMockLlm({ port: Number(flag("port") ?? 0), script, logFile: flag("log") });
if (command.length === 0) {
  console.log(`mock LLM listening on ${mock.url}`);
} else {
  const child = Bun.spawn(command, { stdio: ["inherit", "inherit", "inherit"] });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGINT", forward("SIGINT"));
  const code = await child.exited;
  await mock.stop();
  process.exit(code);
}
