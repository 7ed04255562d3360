// Consolidation of one review round: every reviewer's findings together, duplicates merged, highest severity
// kept, and what the round means for the unit (pass, fix, a human, or a failed review).
import { isBlocking, SEVERITIES, type Finding, type Review } from "./schema.ts";

/** One reviewer's result in a round: its parsed review, or why it failed (invalid block, edited files). */
export type ReviewerResult =
  | { reviewer: number; ok: true; review: Review }
  | { reviewer: number; ok: false; reason: string; kind: "invalid" | "edited" | "failed" };

/** A finding after consolidation: which reviewers reported it. */
export type MergedFinding = Finding & { reviewers: number[] };

/** What a round decided. `debt`: minor and info findings, kept (never dropped). */
export type RoundVerdict =
  | { kind: "pass"; debt: MergedFinding[] }
  | { kind: "fix"; blocking: MergedFinding[]; debt: MergedFinding[] }
  | { kind: "needs_human"; question: { text: string; options: string[] }; blocking: MergedFinding[]; debt: MergedFinding[] }
  | { kind: "review_failed"; reasons: string[]; edited: boolean; blocking: MergedFinding[]; debt: MergedFinding[] };

/** Lines closer than this are "nearby" for duplicates (same file and title). */
const NEAR_LINES = 3;

const normalTitle = (title: string): string => title.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
const rank = (f: Finding): number => SEVERITIES.indexOf(f.severity);

/** Two findings describe the same problem: same file, lines within NEAR_LINES (or both without one), same title. */
export function sameProblem(a: Finding, b: Finding): boolean {
  if ((a.file ?? "") !== (b.file ?? "")) return false;
  if ((a.line === null) !== (b.line === null)) return false;
  if (a.line !== null && b.line !== null && Math.abs(a.line - b.line) > NEAR_LINES) return false;
  return normalTitle(a.title) === normalTitle(b.title);
}

/** Merge the findings of several reviewers: duplicates become one, with the higher severity and every reporter. */
export function mergeFindings(results: { reviewer: number; findings: Finding[] }[]): MergedFinding[] {
  const merged: MergedFinding[] = [];
  for (const { reviewer, findings } of results) {
    for (const finding of findings) {
      const same = merged.find((m) => sameProblem(m, finding));
      if (!same) {
        merged.push({ ...finding, id: merged.some((m) => m.id === finding.id) ? `${finding.id}.${reviewer}` : finding.id, reviewers: [reviewer] });
        continue;
      }
      if (!same.reviewers.includes(reviewer)) same.reviewers.push(reviewer);
      if (rank(finding) < rank(same)) Object.assign(same, { ...finding, id: same.id, reviewers: same.reviewers });
    }
  }
  return merged.sort((a, b) => rank(a) - rank(b));
}

/**
 * The round's verdict: a failed reviewer (invalid block after the re-ask, edited files) fails the round, never a
 * pass; then any needs_human asks a human; then any blocking finding needs a fix; else the unit passes.
 */
export function consolidate(results: ReviewerResult[]): RoundVerdict {
  const valid = results.filter((r): r is Extract<ReviewerResult, { ok: true }> => r.ok);
  const merged = mergeFindings(valid.map((r) => ({ reviewer: r.reviewer, findings: r.review.findings })));
  const blocking = merged.filter((f) => isBlocking(f.severity));
  const debt = merged.filter((f) => !isBlocking(f.severity));
  const failed = results.filter((r): r is Extract<ReviewerResult, { ok: false }> => !r.ok);
  if (failed.length > 0 || results.length === 0) {
    return {
      kind: "review_failed",
      reasons: results.length === 0 ? ["no reviewer ran"] : failed.map((r) => `reviewer ${r.reviewer}: ${r.reason}`),
      edited: failed.some((r) => r.kind === "edited"),
      blocking,
      debt,
    };
  }
  const asking = valid.find((r) => r.review.verdict === "needs_human");
  if (asking?.review.question) return { kind: "needs_human", question: asking.review.question, blocking, debt };
  if (blocking.length > 0) return { kind: "fix", blocking, debt };
  return { kind: "pass", debt };
}

/** Ids of earlier findings that some reviewer of a round called `still_valid` (one is enough: it is still there). */
export function stillValid(results: ReviewerResult[]): string[] {
  const ids = new Set<string>();
  for (const r of results) if (r.ok) for (const p of r.review.previous) if (p.status === "still_valid") ids.add(p.id);
  return [...ids].sort();
}
