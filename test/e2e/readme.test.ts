// README against the binary: the machine diagram is what `seqorch graph` prints (regenerate with
// `npm run readme:graph`), every command and flag the binary has is documented, and the command backend's
// section names the completion marker the failed-attempt message names too.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { graphBlock, withGraph } from "../../scripts/readme-graph.ts";
import { cleanUp, makeSpec, repoRoot, seqorch } from "./harness.ts";

afterAll(cleanUp);

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

/** The lines of the README section that starts with `heading`, up to the next heading of any level. */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README has no ${heading}`).toBeGreaterThanOrEqual(0);
  const rest = readme.slice(start + heading.length + 2);
  return rest.slice(0, rest.search(/\n#{2,4} /) >>> 0);
}

/** Flag names (without `--`) in the OPTIONS of `seqorch <command> --help`. */
async function helpFlags(command: string): Promise<string[]> {
  const help = (await seqorch([command, "--help"])).stdout;
  return [...help.matchAll(/^\s+(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((f) => !f.startsWith("no-"));
}

describe("README against the binary", () => {
  test("the mermaid diagram is the one `seqorch graph` prints", async () => {
    const graph = await seqorch(["graph"]);
    expect(graph.code).toBe(0);
    expect(readme).toContain(graphBlock(graph.stdout));
    // The script that rewrites it leaves an up-to-date README as it is.
    expect(withGraph(readme, graph.stdout)).toBe(readme);
  });

  test("the commands table has a row for every command in `seqorch --help`", async () => {
    const help = (await seqorch(["--help"])).stdout;
    const commands = [...help.slice(help.indexOf("COMMANDS")).matchAll(/^\s+([a-z]+)\s{2,}/gm)].map((m) => m[1]!);
    expect(commands).toContain("doctor");
    const table = section("## Commands");
    for (const name of commands) expect(table, `seqorch ${name}`).toContain(`| \`seqorch ${name}`);
  });

  test("every flag of run and demo is documented", async () => {
    const runTable = section("### `seqorch run` flags");
    const runFlags = await helpFlags("run");
    expect(runFlags).toContain("keep-windows");
    expect(runFlags.length).toBeGreaterThan(30);
    for (const flag of runFlags) expect(runTable, `--${flag}`).toMatch(new RegExp(`\`--(no-)?${flag}[\` =\\[]`));
    const demoRow = section("## Commands").split("\n").find((l) => l.startsWith("| `seqorch demo"))!;
    const demoFlags = await helpFlags("demo");
    expect(demoFlags).toEqual(["tmux", "tmux-socket", "delay", "review", "dir"]);
    for (const flag of demoFlags) expect(demoRow, `demo --${flag}`).toMatch(new RegExp(`--(no-)?${flag}\\b`));
  });

  test("every flag of orchestrate, decisions and decide is documented, and decide's actions", async () => {
    const runTable = section("### `seqorch run` flags");
    const commands = section("## Commands").split("\n");
    const row = (name: string) => commands.find((l) => l.startsWith(`| \`seqorch ${name} `))!;
    // orchestrate takes the run flags ("[run flags]" in its row): each is in the run flags table.
    const orchestrateFlags = await helpFlags("orchestrate");
    expect(orchestrateFlags).toEqual(expect.arrayContaining(["commit", "review", "max-fix-rounds", "escalate-backend", "on-decision", "pulse"]));
    for (const flag of orchestrateFlags) expect(runTable, `orchestrate --${flag}`).toMatch(new RegExp(`\`--(no-)?${flag}[\` =\\[]`));
    expect(row("orchestrate")).toContain("[run flags]");
    for (const off of ["--no-commit", "--no-review"]) expect(row("orchestrate")).toContain(off);
    // …and they do: outside a git repository orchestrate refuses (its --commit needs one), with them it runs.
    const { spec } = makeSpec("- [ ] 1. Only task\n");
    const loop = ["orchestrate", "--spec", spec, "--no-tmux", "--delay", "0", "--agent-command", "echo '<promise>TASK_DONE</promise>'"];
    expect((await seqorch(loop)).code).toBe(75);
    expect((await seqorch([...loop, "--no-commit", "--no-review"])).code).toBe(0);
    expect(readFileSync(join(spec, "tasks.md"), "utf8")).toContain("- [x] 1. Only task");
    for (const name of ["decisions", "decide"]) {
      const flags = await helpFlags(name);
      expect(flags).toContain("state-file");
      for (const flag of flags) expect(row(name), `${name} --${flag}`).toMatch(new RegExp(`--${flag}\\b`));
    }
    const help = (await seqorch(["decide", "--help"])).stdout;
    const actions = help.match(/ACTION\s+What to do: ([a-z, ]+)/)![1]!.split(", ");
    expect(actions).toEqual(["accept", "fixed", "retry", "skip", "abort"]);
    for (const action of actions) expect(row("decide"), `decide ${action}`).toContain(`\`${action}\` (`);
  });

  test("the command backend's section and the failed-attempt reason name <promise>TASK_DONE</promise>", async () => {
    expect(section("### The `command` backend")).toContain("the reply must contain `<promise>TASK_DONE</promise>`");
    const { spec } = makeSpec("- [ ] 1. Only task\n");
    const r = await seqorch(["run", "--spec", spec, "--no-tmux", "--max-attempts", "1", "--agent-command", "echo ok"]);
    expect(r.code).toBe(2);
    const state = JSON.parse(readFileSync(join(spec, "SEQUENTIAL_STATE.json"), "utf8"));
    expect(state.attempts["1"][0].reason).toContain("no completion marker in the agent's reply (its last lines must hold <promise>TASK_DONE</promise>");
  });

  test("the exit codes table lists doctor's code", () => {
    expect(section("## Exit codes")).toMatch(/^\| 69 \| `seqorch doctor`/m);
  });
});
