// `seqorch graph`: the compiled binary prints the machine as DOT (rendered by Graphviz), Mermaid and JSON.
import { describe, expect, test } from "bun:test";
import { createMachine } from "xstate";
import { orchestratorMachine } from "../../machines/orchestrator.ts";
import { unitMachine } from "../../machines/unit.ts";
import { seqorch } from "../e2e/harness.ts";
import { branchesOf, statesOf, transitionKey, transitionsOf } from "../model/machine-model.ts";

const stateKeys = Object.keys(orchestratorMachine.root.states);

describe("seqorch graph", () => {
  test("--format dot renders with Graphviz", async () => {
    const r = await seqorch(["graph", "--format", "dot", "--machine", "run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith('digraph "orchestrator" {');
    // No skip: CI installs graphviz (.ci/run); locally, apt-get install graphviz.
    expect(Bun.which("dot"), "Graphviz `dot` is not installed (apt-get install graphviz)").not.toBeNull();
    const dot = Bun.spawn(["dot", "-Tsvg"], { stdin: new Blob([r.stdout]), stdout: "pipe", stderr: "pipe" });
    const [svg, errors, code] = await Promise.all([new Response(dot.stdout).text(), new Response(dot.stderr).text(), dot.exited]);
    expect(errors).toBe("");
    expect(code).toBe(0);
    expect(svg).toContain("<svg");
    for (const key of stateKeys) expect(svg).toContain(`>${key}</text>`);
  });

  test("--format mermaid (the default) is a stateDiagram-v2 naming every state and transition", async () => {
    const r = await seqorch(["graph", "--machine", "run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("stateDiagram-v2\n");
    expect(r.stdout).toBe((await seqorch(["graph", "--format", "mermaid", "--machine", "run"])).stdout);
    const lines = r.stdout.split("\n");
    for (const key of stateKeys) expect(lines.some((l) => new RegExp(`(^|\\s)${key}(\\s|$)`).test(l))).toBe(true);
    const arrows = lines.filter((l) => /^\s+\w+ --> \w+ : /.test(l));
    expect(arrows.length, "one arrow per guarded branch").toBe(branchesOf(orchestratorMachine).length);
    const keyOf = (id: string) => id.replace(/^orchestrator\./, "");
    for (const t of transitionsOf(orchestratorMachine)) {
      expect(arrows.some((l) => l.trim().startsWith(`${keyOf(t.source)} --> ${keyOf(t.target)} : `))).toBe(true);
    }
  });

  test("--format json parses and round-trips through createMachine", async () => {
    const r = await seqorch(["graph", "--format", "json", "--machine", "run"]);
    expect(r.code).toBe(0);
    const copy = createMachine(JSON.parse(r.stdout));
    expect(statesOf(copy)).toEqual(statesOf(orchestratorMachine));
    expect(transitionsOf(copy).map(transitionKey)).toEqual(transitionsOf(orchestratorMachine).map(transitionKey));
  });

  test("by default both machines: the run and the unit's review loop, each complete", async () => {
    const mermaid = await seqorch(["graph"]);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout.split("stateDiagram-v2\n")).toHaveLength(3);
    for (const key of Object.keys(unitMachine.root.states)) expect(mermaid.stdout).toContain(key);
    const json = JSON.parse((await seqorch(["graph", "--format", "json"])).stdout) as object[];
    expect(json).toHaveLength(2);
    expect(transitionsOf(createMachine(json[1] as never)).map(transitionKey)).toEqual(transitionsOf(unitMachine).map(transitionKey));
    const dot = await seqorch(["graph", "--format", "dot", "--machine", "unit"]);
    expect(dot.stdout).toStartWith('digraph "unit" {');
    expect((await seqorch(["graph", "--machine", "nope"])).code).toBe(64);
  });

  test("an unknown format or flag is a usage error (exit 64)", async () => {
    const bad = await seqorch(["graph", "--format", "svg"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("--format");
    expect((await seqorch(["graph", "--colour"])).code).toBe(64);
  });
});

