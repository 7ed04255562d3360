// The review contract: the <review> block's schema and verdict rules, consolidation, and the prompts built from it.
import { describe, expect, test } from "bun:test";
import { consolidate, mergeFindings, stillValid, type ReviewerResult } from "../../src/review/consolidate.ts";
import { buildFixPrompt, buildReaskPrompt, buildReviewerPrompt } from "../../src/review/prompt.ts";
import { parseReview, type Finding, type Review } from "../../src/review/schema.ts";

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: "R1",
  severity: "major",
  file: "src/a.ts",
  line: 10,
  title: "Missing retry",
  evidence: "no loop",
  fix: "add a loop",
  requirement: "2.1",
  ...over,
});
const block = (review: unknown) => `I read the diff.\n\n<review>${JSON.stringify(review)}</review>\n`;

describe("parseReview", () => {
  test("a valid approve, request_changes and needs_human", () => {
    expect(parseReview(block({ verdict: "approve", findings: [finding({ severity: "minor" })] }))).toMatchObject({ ok: true, review: { verdict: "approve" } });
    expect(parseReview(block({ verdict: "request_changes", findings: [finding()] }))).toMatchObject({ ok: true });
    const asked = parseReview(block({ verdict: "needs_human", question: { text: "Which API?", options: ["v1", "v2"] } }));
    expect(asked.ok && asked.review.question).toEqual({ text: "Which API?", options: ["v1", "v2"] });
  });

  test.each([
    ["approve with a blocking finding", { verdict: "approve", findings: [finding({ severity: "critical" })] }, "critical and major findings block"],
    ["request_changes with only minor findings", { verdict: "request_changes", findings: [finding({ severity: "minor" })] }, "without a critical or major"],
    ["needs_human without a question", { verdict: "needs_human" }, "without a question"],
    ["an unknown verdict", { verdict: "lgtm" }, "verdict"],
    ["an unknown severity", { verdict: "request_changes", findings: [finding({ severity: "blocker" as never })] }, "severity"],
    ["a previous id never reported", { verdict: "approve", previous: [{ id: "R9", status: "fixed" }] }, "R9"],
    ["two findings with one id", { verdict: "request_changes", findings: [finding(), finding({ title: "other" })] }, "two findings"],
  ])("%s is invalid", (_, review, reason) => {
    const parsed = parseReview(block(review), ["R1"]);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });

  test("a missing block, prose after the block, bad JSON, and a block quoted early all fail", () => {
    expect(parseReview("Looks good to me!")).toMatchObject({ ok: false });
    expect(parseReview(`${block({ verdict: "approve" })}\nAnd one more thing.`)).toMatchObject({ ok: false, reason: expect.stringContaining("not at the end") });
    expect(parseReview("<review>{verdict: approve}</review>")).toMatchObject({ ok: false, reason: expect.stringContaining("not JSON") });
  });

  test("the last block counts (a prompt's example echoed earlier does not), fenced JSON is accepted", () => {
    const text = `Example: <review>{"verdict":"approve"}</review>\nMy verdict:\n<review>\n\`\`\`json\n${JSON.stringify({ verdict: "request_changes", findings: [finding()] })}\n\`\`\`\n</review>\n\`\`\``;
    expect(parseReview(text)).toMatchObject({ ok: true, review: { verdict: "request_changes" } });
  });
});

const ok = (reviewer: number, review: Partial<Review>): ReviewerResult => ({ reviewer, ok: true, review: { verdict: "approve", findings: [], previous: [], question: null, ...review } });

describe("consolidation", () => {
  test("duplicates merge (same file, nearby line, same title), the highest severity wins, all reporters kept", () => {
    const merged = mergeFindings([
      { reviewer: 1, findings: [finding({ severity: "minor", line: 10 }), finding({ id: "R2", title: "Other", severity: "info" })] },
      { reviewer: 2, findings: [finding({ id: "S1", severity: "critical", line: 12, title: "missing  RETRY!" }), finding({ id: "S2", line: 40 })] },
    ]);
    expect(merged.map((f) => [f.id, f.severity, f.line, f.reviewers])).toEqual([
      ["R1", "critical", 12, [1, 2]],
      ["S2", "major", 40, [2]],
      ["R2", "info", 10, [1]],
    ]);
  });

  test("pass keeps minor/info as debt; blocking → fix; needs_human → a question", () => {
    expect(consolidate([ok(1, { findings: [finding({ severity: "minor" })] })])).toMatchObject({ kind: "pass", debt: [{ id: "R1" }] });
    expect(consolidate([ok(1, {}), ok(2, { verdict: "request_changes", findings: [finding()] })])).toMatchObject({ kind: "fix", blocking: [{ id: "R1" }] });
    expect(consolidate([ok(1, { verdict: "needs_human", question: { text: "Q?", options: [] } })])).toMatchObject({ kind: "needs_human", question: { text: "Q?" } });
  });

  test("a failed reviewer (invalid block, edits) fails the round even when the other approves; no reviewer is no pass", () => {
    const round = consolidate([ok(1, {}), { reviewer: 2, ok: false, kind: "edited", reason: "changed src/a.ts" }]);
    expect(round).toMatchObject({ kind: "review_failed", edited: true, reasons: ["reviewer 2: changed src/a.ts"] });
    expect(consolidate([])).toMatchObject({ kind: "review_failed" });
  });

  test("stillValid: ids any reviewer kept as still_valid", () => {
    expect(stillValid([ok(1, { previous: [{ id: "R1", status: "still_valid" }, { id: "R2", status: "fixed" }] }), ok(2, { previous: [{ id: "R3", status: "still_valid" }] })])).toEqual(["R1", "R3"]);
  });
});

describe("prompts", () => {
  const base = {
    specName: "feat",
    taskId: "2",
    taskTitle: "Retry",
    taskBlock: "2. Retry\n- {{TASK_ID}} stays literal",
    requirementIds: ["2.1", "2.2"],
    requirementsFile: "/r/requirements.md",
    designFile: null,
    diffFile: "/r/.seqorch/reviews/2/0/diff.patch",
    committed: true,
    verify: [{ command: "npm test", exitCode: 0, tail: "", timedOut: false }],
    reviewer: 2,
    reviewers: 2,
    round: 1,
    securityFocus: true,
    previous: [finding()],
    fixDiffFile: "/r/fix.patch",
  };

  test("the reviewer prompt holds the task, requirement ids, paths, diff, checks, severities, earlier findings and focus", () => {
    const prompt = buildReviewerPrompt(base);
    for (const text of ["2. Retry", "{{TASK_ID}} stays literal", "2.1, 2.2", "/r/requirements.md", "no design.md", base.diffFile, "`npm test`: passed", "`critical`:", "Example:", "[R1] MAJOR src/a.ts:10", "/r/fix.patch", "focus is security", "<review>", "Report only problems introduced by this diff"]) {
      expect(prompt).toContain(text);
    }
    expect(buildReviewerPrompt({ ...base, securityFocus: false, previous: [] })).not.toContain("focus is security");
  });

  test("the re-ask states the reason and carries the original prompt", () => {
    const reask = buildReaskPrompt("no block", ["R1"], "ORIGINAL");
    expect(reask).toContain("no block");
    expect(reask).toContain("R1");
    expect(reask.endsWith("ORIGINAL")).toBe(true);
  });

  test("the fix prompt carries each must-fix finding, failing checks, history, guidance and the commit range", () => {
    const prompt = buildFixPrompt({
      ...base,
      specFiles: "- Requirements: @r.md",
      maxRounds: 3,
      blocking: [{ ...finding(), reviewers: [1] }],
      debt: [{ ...finding({ id: "R2", severity: "minor", title: "Name" }), reviewers: [1] }],
      verify: [{ command: "npm test", exitCode: 1, tail: "FAIL a.test.ts", timedOut: false }],
      history: [{ round: 0, findings: [finding()] }],
      guidance: "Use the v2 API",
      commits: "abc123..def456",
      seqorchCommits: true,
    });
    for (const text of ["fix round 1 of 3", "[R1] MAJOR src/a.ts:10: Missing retry", "Evidence: no loop", "Suggested fix: add a loop", "(optional)", "[R2] MINOR", "FAIL a.test.ts", "Review of the implementation", "Use the v2 API", "abc123..def456", "Do not commit"]) {
      expect(prompt).toContain(text);
    }
  });
});
