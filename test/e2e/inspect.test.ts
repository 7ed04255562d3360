// End to end: `seqorch run --inspect=FILE.jsonl` and `--inspect=ws://…` deliver the machine's inspection events.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeSpec, scriptedAgent, seqorch, tempDir, cleanUp } from "./harness.ts";

afterAll(cleanUp);

const TASKS = "# Tasks\n\n- [ ] 1. Write the parser\n- [ ] 2. Write the printer\n";
const DONE = `cat >/dev/null; echo 'All good. <promise>TASK_DONE</promise>'`;

interface Inspected {
  type: "@xstate.actor" | "@xstate.event" | "@xstate.snapshot";
  name?: string;
  sessionId: string;
  event?: { type: string };
  snapshot?: { value?: unknown; status?: string };
}

function runArgs(inspect: string): string[] {
  const { spec } = makeSpec(TASKS);
  const agent = scriptedAgent(tempDir(), DONE);
  return ["run", "--spec", spec, "--delay", "0", "--no-tmux", "--agent-command", agent.command, `--inspect=${inspect}`];
}

/** The root actor's events, in order: registered first, then each event it received followed by its snapshot. */
function expectRootStory(events: Inspected[]): void {
  expect(new Set(events.map((e) => e.type))).toEqual(new Set(["@xstate.actor", "@xstate.event", "@xstate.snapshot"]));
  const root = events.find((e) => e.type === "@xstate.actor" && e.name === "orchestrator");
  expect(root).toBeDefined();
  const mine = events.filter((e) => e.sessionId === root!.sessionId);
  expect(mine[0]!.type).toBe("@xstate.actor");
  const values: unknown[] = [];
  let lastEvent: string | null = null;
  for (const e of mine.slice(1)) {
    if (e.type === "@xstate.event") lastEvent = e.event!.type;
    if (e.type === "@xstate.snapshot") {
      expect(e.event!.type, "a snapshot follows the event that made it").toBe(lastEvent!);
      values.push(e.snapshot!.value);
    }
  }
  expect(values[0]).toBe("idle");
  expect(values.at(-1)).toBe("complete");
  // Each unit runs in a unit machine of its own, a child actor (its states: the inspector shows them under the run).
  expect(values.filter((v) => v === "running").length).toBe(2);
  const children = events.filter((e) => e.type === "@xstate.actor" && e.name === "unit");
  expect(children.length).toBe(2);
  const childValues = events.filter((e) => e.type === "@xstate.snapshot" && e.sessionId === children[0]!.sessionId).map((e) => JSON.stringify(e.snapshot!.value));
  expect(childValues).toContain(JSON.stringify({ implementing: "waiting" }));
  expect(childValues).toContain(JSON.stringify({ implementing: "recording" }));
  expect(childValues.at(-1)).toBe(JSON.stringify("attemptEnded"));
}

describe("seqorch run --inspect", () => {
  test("=FILE.jsonl writes every inspection event as a JSON line, in order", async () => {
    const file = join(tempDir(), "events.jsonl");
    const r = await seqorch(runArgs(file));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`inspection events go to ${file}`);
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    expectRootStory(lines.map((line) => JSON.parse(line) as Inspected));
  });

  test("=ws://HOST:PORT sends the events to a WebSocket server", async () => {
    const received: string[] = [];
    let closed = false;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request, s) => (s.upgrade(request) ? undefined : new Response("WebSocket only", { status: 426 })),
      websocket: {
        message: (_ws, message) => void received.push(String(message)),
        close: () => void (closed = true),
      },
    });
    try {
      const url = `ws://127.0.0.1:${server.port}`;
      const r = await seqorch(runArgs(url));
      expect(r.stderr).not.toContain("inspector:");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`sending inspection events to ${url}`);
      for (let i = 0; i < 100 && !closed; i++) await Bun.sleep(10);
      expect(closed, "the run closes its connection").toBe(true);
      expectRootStory(received.map((text) => JSON.parse(text) as Inspected));
    } finally {
      server.stop(true);
    }
  });

  test("an unreachable WebSocket inspector is a warning, not a failed run", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = server.port;
    server.stop(true);
    const r = await seqorch(runArgs(`ws://127.0.0.1:${port}`));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`inspector: cannot reach the inspector at ws://127.0.0.1:${port}`);
  });

  test("=FILE in a folder that does not exist stops before anything runs (exit 73)", async () => {
    const args = runArgs(join(tempDir(), "missing", "events.jsonl"));
    const r = await seqorch(args);
    expect(r.code).toBe(73);
    expect(r.stderr).toContain("events.jsonl: cannot write: ENOENT");
    expect(readFileSync(join(args[args.indexOf("--spec") + 1]!, "tasks.md"), "utf8")).toBe(TASKS);
  });
});
