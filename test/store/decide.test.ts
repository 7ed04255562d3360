// Answering a decision (src/store/decide.ts): what each action does to the state.
import { describe, expect, test } from "bun:test";
import { applyDecision } from "../../src/store/decide.ts";
import { emptyState, type State } from "../../src/store/state.ts";

const finding = { id: "R1", severity: "major" as const, file: "a.ts", line: 3, title: "Broken", evidence: "", fix: "", requirement: null, reviewers: [1] };

function blocked(kind: "review_exhausted" | "halt" = "review_exhausted"): State {
  const s = emptyState("/spec");
  s.pipeline["4"] = { status: "blocked", start: null, round: 2, verify: [], commits: [], reviews: [{ round: 2, verdict: "fix", findings: [finding], still_valid: ["R1"], dir: "/d", at: "t" }], guidance: null, fix_base: 0, human_fix: false, unblock_dependents: false };
  s.decisions = [{ id: "4-1", unit: "4", kind, question: "q", options: [], findings: [finding], logs: [], created_at: "2030-01-01T00:00:00Z", resolved_at: null, resolution: null, note: null }];
  s.attempts["4"] = [{ n: 1, iteration: 1, backend: "command", status: "failed", reason: null, started_at: "t", ended_at: null, duration_ms: null, exit_code: null, counted: true, log: "/l", runner: "direct", window_id: null, session_id: null, pid: null, channel: null, detached: false, attempt_id: "", agent_session_id: null, agent_usage: null }];
  return s;
}
const NOW = new Date("2030-01-02T00:00:00Z");

describe("applyDecision", () => {
  test("accept: done as it is, sub-tasks too, open findings become accepted debt, the decision resolved", () => {
    const s = blocked();
    const r = applyDecision(s, "4", ["4", "4.1"], "accept", "fine", {}, NOW);
    expect(r.tick).toBe(true);
    expect(s.completed).toEqual(["4", "4.1"]);
    expect(s.pipeline["4"]!.status).toBe("completed");
    expect(s.debt).toEqual([{ unit: "4", round: 2, finding, accepted: true }]);
    expect(s.decisions[0]).toMatchObject({ resolved_at: NOW.toISOString(), resolution: "accept", note: "fine" });
  });

  test("retry after a review: fix rounds counted from now, the note kept as guidance; after a halt: attempts afresh", () => {
    const s = blocked();
    applyDecision(s, "4", ["4"], "retry", "use v2", {}, NOW);
    expect(s.pipeline["4"]).toMatchObject({ status: "fix_required", fix_base: 2, guidance: "use v2" });
    const h = blocked("halt");
    h.pipeline["4"]!.reviews = [];
    applyDecision(h, "4", ["4"], "retry", null, {}, NOW);
    expect(h.pipeline["4"]!.status).toBe("in_progress");
    expect(h.attempts["4"]!.every((a) => !a.counted)).toBe(true);
  });

  test("fixed: the next run verifies and reviews once, as a new round; skip and abort; no open decision is an error", () => {
    const s = blocked();
    applyDecision(s, "4", ["4"], "fixed", null, {}, NOW);
    expect(s.pipeline["4"]).toMatchObject({ status: "in_progress", human_fix: true, round: 3 });
    const k = blocked();
    applyDecision(k, "4", ["4"], "skip", null, { unblockDependents: true }, NOW);
    expect(k.pipeline["4"]).toMatchObject({ status: "skipped", unblock_dependents: true });
    expect(k.completed).toEqual([]);
    const a = blocked();
    applyDecision(a, "4", ["4"], "abort", null, {}, NOW);
    expect(a.pipeline["4"]!.status).toBe("blocked");
    // An aborted decision can be answered again later; a unit with no decision cannot.
    expect(applyDecision(a, "4", ["4"], "retry", null, {}, NOW).decision.resolution).toBe("retry");
    expect(() => applyDecision(emptyState("/s"), "9", ["9"], "accept", null)).toThrow("unit 9 has no open decision");
  });
});

describe("a budget decision", () => {
  test("retry before a dispatch: attempts afresh; in a review loop: the review or fix round it stopped before, fix rounds kept", () => {
    const h = blocked("halt");
    h.pipeline["4"]!.reviews = [];
    h.decisions[0]!.kind = "budget";
    applyDecision(h, "4", ["4"], "retry", null, {}, NOW);
    expect(h.pipeline["4"]!.status).toBe("in_progress");
    expect(h.attempts["4"]!.every((a) => !a.counted)).toBe(true);
    for (const [at, status] of [["fix", "fix_required"], ["review", "pending_review"]] as const) {
      const s = blocked();
      Object.assign(s.decisions[0]!, { kind: "budget", resume_at: at });
      applyDecision(s, "4", ["4"], "retry", "cheaper", {}, NOW);
      expect(s.pipeline["4"]).toMatchObject({ status, fix_base: 0, round: 2, guidance: "cheaper" });
      expect(s.attempts["4"]![0]!.counted).toBe(true);
    }
  });
});
