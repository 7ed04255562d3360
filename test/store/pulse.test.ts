// PROJECT_PULSE.md rendered from a state: the four sections, statuses, SHAs, debt, decisions with their command.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderPulse, writePulse, type PulseUnit } from "../../src/store/pulse.ts";
import { emptyState, loadState, createStateStore, type State } from "../../src/store/state.ts";

const dir = mkdtempSync(join(tmpdir(), "seqorch-pulse-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2030, 0, 2, 12);
const units: PulseUnit[] = [
  { key: "1", id: "1", title: "Set up", dependsOn: [] },
  { key: "2", id: "2", title: 'Parse "quoted" [x]', dependsOn: ["1"] },
  { key: "3", id: "3", title: "Review loop", dependsOn: ["2"] },
];

function state(): State {
  const s = emptyState("/spec");
  s.completed = ["1"];
  s.attempts["1"] = [
    { n: 1, iteration: 1, backend: "command", status: "done", reason: null, started_at: "2030-01-01T00:00:00Z", ended_at: "2030-01-01T00:05:00Z", duration_ms: 1, exit_code: 0, counted: true, log: "/l", runner: "direct", window_id: null, session_id: null, pid: 1, channel: null, detached: false, attempt_id: "", agent_session_id: null, agent_usage: { input: 1000, output: 200, cache_read: 0, cache_write: 0, cost_usd: 0.25, cost_source: "agent", model: null } },
  ];
  s.pipeline["1"] = { status: "completed", start: { head: "a".repeat(40), dirty: [] }, round: 0, verify: [], commits: [{ sha: "b".repeat(40), round: 0, files: ["src/a.ts"], at: "2030-01-01T00:05:00Z" }], reviews: [], guidance: null, fix_base: 0, human_fix: false, unblock_dependents: false };
  s.pipeline["2"] = { status: "blocked", start: null, round: 3, verify: [], commits: [{ sha: "c".repeat(40), round: 0, files: ["src/a.ts", "src/b.ts"], at: "x" }], reviews: [], guidance: null, fix_base: 0, human_fix: false, unblock_dependents: false };
  s.debt = [{ unit: "1", round: 0, accepted: false, finding: { id: "R1", severity: "minor", file: "src/a.ts", line: 3, title: "Rename x", evidence: "", fix: "", requirement: null, reviewers: [1] } }];
  s.decisions = [
    { id: "d-2-1", unit: "2", kind: "review_exhausted", question: "Still blocking after 3 fix rounds", options: [], findings: [], logs: [], created_at: "2030-01-01T00:00:00Z", resolved_at: null, resolution: null, note: null },
    { id: "d-3-1", unit: "3", kind: "halt", question: "Resolved one", options: [], findings: [], logs: [], created_at: "2030-01-02T11:00:00Z", resolved_at: "2030-01-02T11:30:00Z", resolution: "retry", note: null },
  ];
  return s;
}

test("four sections from the state: statuses, last completion's SHA, debt, the open decision with its command, anchors", () => {
  const text = renderPulse({ specName: "feat", specDir: "/repo/.kiro/specs/feat", state: state(), units, running: { "3": "fix round 1" }, now: NOW });
  for (const heading of ["## 🟢 Mental Model", "## 🟡 Narrative Delta", "## 🔴 Risks & Debt", "## 🔗 Semantic Anchors"]) expect(text).toContain(heading);
  expect(text).toContain("1/3 units completed");
  expect(text).toContain('u_2["2 Parse quoted x 🚫 blocked"]');
  expect(text).toContain("u_1 --> u_2");
  expect(text).toContain(`- ✅ 1: Set up (${"b".repeat(10)})`);
  expect(text).toContain("- 🔄 3: Review loop (fix round 1)");
  expect(text).toContain("- 🚫 BLOCKED: [2]");
  expect(text).toContain("- [1] minor: Rename x (src/a.ts:3)");
  expect(text).toContain('⚠️ ESCALATED: [d-2-1] unit 2 (review_exhausted)');
  expect(text).toContain('seqorch decide --spec "/repo/.kiro/specs/feat" 2 accept|fixed|retry|skip|abort');
  expect(text).not.toContain("d-3-1");
  expect(text).toContain("- `src/a.ts` → 1, 2");
  expect(text).toContain("- `src/b.ts` → 2");
  expect(text).toContain("## 💰 Usage\n- Total: 1,200 tokens, $0.25\n- Unit 1: 1,200 tokens, $0.25 (command ×1)");
});

test("an empty state renders placeholders, and writing is atomic (no temporary file left)", () => {
  const path = join(dir, "PROJECT_PULSE.md");
  writePulse(path, { specName: "feat", specDir: dir, state: emptyState(dir), units, running: {}, now: NOW });
  const text = readFileSync(path, "utf8");
  expect(text).toContain("0/3 units completed");
  expect(text).toContain("- (no commits yet)");
  expect(text).toContain("## 💰 Usage\n- (no usage reported yet)");
  expect(readdirSync(dir)).toEqual(["PROJECT_PULSE.md"]);
});

test("the pipeline, decisions and debt survive a state write and load; an old file without them loads", () => {
  const file = join(dir, "state.json");
  createStateStore(file, state()).update(() => undefined);
  const loaded = loadState(file)!;
  expect(loaded.pipeline["2"]?.status).toBe("blocked");
  expect(loaded.decisions).toHaveLength(2);
  expect(loaded.debt[0]?.finding.title).toBe("Rename x");
  const old = emptyState(dir) as Partial<State>;
  delete old.pipeline;
  delete old.decisions;
  delete old.debt;
  writeFileSync(file, JSON.stringify(old));
  expect(loadState(file)).toMatchObject({ pipeline: {}, decisions: [], debt: [] });
});
