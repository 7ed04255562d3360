// The consolidator actor's work: one round's reviews merged into a verdict, recorded on the unit's pipeline record
// (round, findings, still-valid ids), minor and info findings kept as debt, and a stalemate noticed.
import type { ConsolidateInput, RoundOutput } from "../../machines/unit.ts";
import { consolidate, stillValid, type MergedFinding, type ReviewerResult } from "../review/consolidate.ts";
import { appendProgressNote } from "../store/progress.ts";
import { ensurePipeline } from "./pipeline-record.ts";
import { reviewDirOf } from "./reviewer.ts";
import type { RunContext } from "./run-context.ts";

const titleOf = (f: MergedFinding) => `[${f.id}] ${f.severity}${f.file ? ` ${f.file}${f.line !== null ? `:${f.line}` : ""}` : ""}: ${f.title}`;

/** Consolidate and record a round; returns what the unit machine decides on. Throws WriteError. */
export function consolidateRound(context: RunContext, input: ConsolidateInput): RoundOutput {
  const results = input.results as ReviewerResult[];
  const verdict = consolidate(results);
  const valid = stillValid(results);
  const key = input.unit.key;
  const earlier = context.store.get().pipeline[key]?.reviews.findLast((r) => r.round < input.round);
  const stalemate = valid.filter((id) => earlier?.still_valid.includes(id));
  const findings = "blocking" in verdict ? [...verdict.blocking, ...verdict.debt] : verdict.debt;
  const at = new Date().toISOString();
  context.store.update((state) => {
    const record = ensurePipeline(state, key);
    record.reviews = [...record.reviews.filter((r) => r.round !== input.round), { round: input.round, verdict: verdict.kind, findings, still_valid: valid, dir: reviewDirOf(context, key, input.round), at }];
    record.status = verdict.kind === "pass" ? "pending_review" : verdict.kind === "fix" ? "fix_required" : "blocked";
    for (const finding of verdict.debt) {
      const known = state.debt.some((d) => d.unit === key && d.finding.title === finding.title && d.finding.file === finding.file);
      if (!known) state.debt.push({ unit: key, round: input.round, finding, accepted: false });
    }
  }, { units: [key] });
  const summary =
    verdict.kind === "needs_human"
      ? verdict.question.text
      : verdict.kind === "review_failed"
        ? verdict.reasons.join("; ")
        : verdict.kind === "fix"
          ? verdict.blocking.map(titleOf).join("; ")
          : "approved";
  appendProgressNote(context.paths.progressFile, `Review of unit ${input.unit.id}, round ${input.round}: ${verdict.kind} (${at})`, [
    ...findings.map(titleOf),
    ...(verdict.kind === "review_failed" ? verdict.reasons : []),
    ...(stalemate.length ? [`still valid two rounds in a row: ${stalemate.join(", ")}`] : []),
    `Reviews: ${reviewDirOf(context, key, input.round)}`,
  ]);
  context.report({ type: "unit-step", unitId: input.unit.id, step: "review", ok: verdict.kind === "pass", detail: `round ${input.round}: ${verdict.kind}${verdict.kind === "pass" ? "" : ` — ${summary}`}` });
  return {
    kind: verdict.kind,
    blocking: "blocking" in verdict ? verdict.blocking.map((f) => f.id) : [],
    stalemate,
    edited: verdict.kind === "review_failed" && verdict.edited,
    summary,
  };
}
