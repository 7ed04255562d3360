// The reviewer's verdict: the `<review>{JSON}</review>` block at the end of its final message, its zod schema,
// and the rules that make a verdict consistent with its findings (design: shared/reference/multi-agent-loop.md §3.3).
import { z } from "zod/mini";

/** Finding severities, most severe first. critical and major block a unit; minor and info never do. */
export const SEVERITIES = ["critical", "major", "minor", "info"] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/** Whether a finding of `severity` must be fixed before the unit is done. */
export const isBlocking = (severity: Severity): boolean => severity === "critical" || severity === "major";

/** One problem a reviewer found. `line` is 1-based; `requirement` a `_Requirements:_` id of the task. */
export const FindingSchema = z.object({
  id: z.string().check(z.minLength(1, "a finding needs an id")),
  severity: SeveritySchema,
  file: z._default(z.nullable(z.string()), null),
  line: z._default(z.nullable(z.int().check(z.nonnegative())), null),
  title: z.string().check(z.minLength(1, "a finding needs a title")),
  evidence: z._default(z.string(), ""),
  fix: z._default(z.string(), ""),
  requirement: z._default(z.nullable(z.string()), null),
});
export type Finding = z.infer<typeof FindingSchema>;

/** On a re-review: what became of an earlier finding. */
export const PreviousSchema = z.object({ id: z.string(), status: z.enum(["fixed", "still_valid", "outdated"]) });
export type PreviousStatus = z.infer<typeof PreviousSchema>;

/** The question a reviewer asks a human with `needs_human`. */
export const QuestionSchema = z.object({ text: z.string().check(z.minLength(1, "the question needs a text")), options: z._default(z.array(z.string()), []) });

export const VERDICTS = ["approve", "request_changes", "needs_human"] as const;

/** The whole block. */
export const ReviewSchema = z.object({
  verdict: z.enum(VERDICTS),
  findings: z._default(z.array(FindingSchema), []),
  previous: z._default(z.array(PreviousSchema), []),
  question: z._default(z.nullable(QuestionSchema), null),
});
export type Review = z.infer<typeof ReviewSchema>;

/** A parsed block, or why there is none. */
export type ReviewParse = { ok: true; review: Review } | { ok: false; reason: string };

const OPEN = "<review>";
const CLOSE = "</review>";

/**
 * The rule a valid verdict follows, or the first way `review` breaks it: approve with a blocking finding,
 * request_changes without one, needs_human without a question, a `previous` id that names no earlier finding,
 * two findings with one id.
 */
export function verdictProblem(review: Review, earlierIds: readonly string[]): string | null {
  const blocking = review.findings.filter((f) => isBlocking(f.severity));
  if (review.verdict === "approve" && blocking.length > 0) return `verdict approve with a ${blocking[0]!.severity} finding (${blocking[0]!.id}): critical and major findings block`;
  if (review.verdict === "request_changes" && blocking.length === 0) return "verdict request_changes without a critical or major finding";
  if (review.verdict === "needs_human" && !review.question) return "verdict needs_human without a question";
  const known = new Set(earlierIds);
  const unknown = review.previous.find((p) => !known.has(p.id));
  if (unknown) return `previous names ${unknown.id}, which is not an earlier finding`;
  const ids = new Set<string>();
  for (const f of review.findings) {
    if (ids.has(f.id)) return `two findings have the id ${f.id}`;
    ids.add(f.id);
  }
  return null;
}

/**
 * Find and check the block at the end of a reviewer's final message: the last `<review>…</review>`, followed
 * by nothing but white space or a closing code fence. `earlierIds`: the ids a re-review may name in `previous`.
 */
export function parseReview(finalMessage: string, earlierIds: readonly string[] = []): ReviewParse {
  const close = finalMessage.lastIndexOf(CLOSE);
  if (close < 0) return { ok: false, reason: "no <review>…</review> block at the end of the reply" };
  if (finalMessage.slice(close + CLOSE.length).replace(/`/g, "").trim() !== "") return { ok: false, reason: "the <review> block is not at the end of the reply" };
  const open = finalMessage.lastIndexOf(OPEN, close);
  if (open < 0) return { ok: false, reason: "</review> without <review>" };
  const body = finalMessage.slice(open + OPEN.length, close).trim().replace(/^```(?:json)?\s*/, "").replace(/\s*```$/, "");
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    return { ok: false, reason: `the <review> block is not JSON (${(error as Error).message})` };
  }
  const result = ReviewSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { ok: false, reason: `the <review> block: ${issue.path.map(String).join(".") || "(root)"}: ${issue.message}` };
  }
  const problem = verdictProblem(result.data, earlierIds);
  return problem ? { ok: false, reason: `the <review> block: ${problem}` } : { ok: true, review: result.data };
}
