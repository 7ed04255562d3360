// `seqorch demo`: runs a small bundled spec in a temporary folder with the built-in demo agent.
import { defineCommand } from "citty";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { runDemoAgent } from "../demo/demo-agent.ts";
import { selfCommand } from "../demo/self-command.ts";
import design from "../demo/spec/design.md" with { type: "text" };
import requirements from "../demo/spec/requirements.md" with { type: "text" };
import tasks from "../demo/spec/tasks.md" with { type: "text" };
import { log } from "../log.ts";
import { runSpec } from "../run-spec.ts";
import { seqorchCommandLine } from "./resume-command.ts";
import { createRunDisplay, printSummary } from "./run-reporter.ts";
import { parseRunOptions, rejectUnknown } from "./run-options.ts";
import { stopSignal } from "./stop-signal.ts";

const demoArgs = {
  tmux: { type: "boolean", description: "Show each unit in a tmux window when tmux is there (--no-tmux: never)", default: true },
  "tmux-socket": { type: "string", description: "tmux server socket name (tmux -L)", valueHint: "NAME" },
  delay: { type: "string", description: "Seconds between units (default 1)", valueHint: "S" },
  review: { type: "boolean", description: "Show the whole loop: each unit committed and reviewed (the demo agent reviews too), one finding fixed" },
  dir: { type: "string", description: "Folder for the demo project: new, empty, or an earlier demo's (started over); default: a new temporary folder", valueHint: "DIR" },
} as const;

/** A git repository for `demo --review` (it commits and diffs), with a first commit; an identity only when none is set. */
function initDemoRepo(root: string): void {
  const env = { ...process.env, GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? "seqorch demo", GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? "demo@seqorch.invalid" };
  Object.assign(env, { GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? env.GIT_AUTHOR_NAME, GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? env.GIT_AUTHOR_EMAIL });
  Object.assign(process.env, env); // the run's commits use it too
  for (const argv of [["init", "-q"], ["add", "-A"], ["commit", "-qm", "demo project"]]) {
    if (existsSync(join(root, ".git")) && argv[0] === "init") continue;
    const r = Bun.spawnSync(["git", ...argv], { cwd: root, env, stdout: "ignore", stderr: "pipe" });
    if (r.exitCode !== 0 && argv[0] !== "commit") throw new UsageError("--review", `git ${argv[0]} failed in ${root}: ${r.stderr.toString().trim()}`);
  }
}

/** The file that marks a folder as a demo project seqorch made (so `--dir` may start it over). */
const DEMO_MARKER = ".seqorch-demo";

/**
 * The demo project's folder: a new temporary one, or `dir` when it is new, empty, or an earlier demo (then its
 * earlier run's files are removed so the demo starts over). Throws UsageError for any other existing folder.
 */
function demoRoot(dir: string | undefined): string {
  if (dir === undefined) return mkdtempSync(join(tmpdir(), "seqorch-demo-"));
  const root = resolve(dir);
  if (!existsSync(root)) return root;
  if (!statSync(root).isDirectory()) throw new UsageError("--dir", `${root} is a file, not a folder`);
  if (existsSync(join(root, DEMO_MARKER))) {
    const specDir = join(root, ".kiro", "specs", "hello-cli");
    for (const old of [join(specDir, "SEQUENTIAL_STATE.json"), join(specDir, "SEQUENTIAL_PROGRESS.md"), join(specDir, "PROJECT_PULSE.md"), join(specDir, ".seqorch"), join(root, "demo-output")]) {
      rmSync(old, { recursive: true, force: true });
    }
    return root;
  }
  if (readdirSync(root).length > 0) throw new UsageError("--dir", `${root} is not empty and holds no earlier seqorch demo: give a new or empty folder`);
  return root;
}

export const demoCommand = defineCommand({
  meta: { name: "demo", description: "Run a bundled example spec with a built-in demo agent (no agent CLI or API key needed)" },
  args: demoArgs,
  async run({ args }) {
    rejectUnknown(args as Record<string, unknown>, demoArgs);
    const flags = (spec: string) => ({
      _: [],
      spec,
      delay: args.delay ?? "1",
      backend: "command",
      "agent-command": selfCommand(["demo-agent"]),
      "tmux-session": "seqorch-demo",
      "tmux-socket": args["tmux-socket"],
      tmux: args.tmux,
      ...(args.review ? { commit: true, review: true, pulse: true } : {}),
    });
    parseRunOptions(flags("-"), process.env, []); // every flag checked before any banner or folder
    const root = demoRoot(args.dir);
    const specDir = join(root, ".kiro", "specs", "hello-cli");
    mkdirSync(specDir, { recursive: true });
    writeFileSync(join(root, DEMO_MARKER), "A seqorch demo project (seqorch demo --dir writes here again).\n");
    writeFileSync(join(specDir, "requirements.md"), requirements);
    writeFileSync(join(specDir, "design.md"), design);
    writeFileSync(join(specDir, "tasks.md"), tasks);
    if (args.review) initDemoRepo(root);
    log.box(`seqorch demo\nProject: ${root}\nSpec: ${specDir}`);
    const options = parseRunOptions(flags(specDir), process.env, []);
    const display = createRunDisplay({});
    const result = await runSpec(options, display.report, stopSignal());
    if (result.final === "failed") {
      display.close();
      throw result.error;
    }
    printSummary(result, seqorchCommandLine(["run", "--spec", specDir, "--backend", "command", "--agent-command", "<your agent>"]), display);
    log.info(`Look at ${join(specDir, "tasks.md")} (ticked), ${result.paths.progressFile}, and ${join(root, "demo-output")}.`);
    return result.exitCode;
  },
});

/** Hidden: the demo agent itself (started by the demo run through --agent-command). */
export const demoAgentCommand = defineCommand({
  meta: { name: "demo-agent", description: "The built-in demo agent (used by seqorch demo)", hidden: true },
  run: () => runDemoAgent(),
});
