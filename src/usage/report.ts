// Usage as a section of a report people read in the morning (PROJECT_PULSE.md's writer calls this): the total,
// then one line per unit with its attempts' backends, tokens and cost.
import type { State } from "../store/state.ts";
import { emptyTotal, formatTotal, mergeTotals } from "./record.ts";
import { unitUsage } from "./totals.ts";

/**
 * Markdown lines: `- Total: 12,345 tokens, $0.42`, then `- Unit 2: 3,000 tokens, $0.10 (claude ×2, codex ×1, review ×2)`
 * for each unit with reported usage among the attempts started (and reviewer runs ended) at or after `sinceMs`
 * (epoch ms; 0: all); the same sums as `status` (src/usage/totals.ts). Empty when nothing reported usage.
 */
export function usageMarkdown(state: State, sinceMs = 0): string[] {
  let total = emptyTotal();
  const lines: string[] = [];
  for (const unit of new Set([...Object.keys(state.attempts), ...Object.keys(state.pipeline ?? {})])) {
    const sum = unitUsage(state, unit, sinceMs);
    if (sum.attempts === 0) continue;
    const since = (at: string) => sinceMs === 0 || Date.parse(at) >= sinceMs;
    const backends = new Map<string, number>();
    for (const a of state.attempts[unit] ?? []) if (since(a.started_at)) backends.set(a.backend, (backends.get(a.backend) ?? 0) + 1);
    const reviews = (state.pipeline?.[unit]?.review_usage ?? []).filter((r) => since(r.at)).length;
    if (reviews > 0) backends.set("review", reviews);
    total = mergeTotals(total, sum);
    lines.push(`- Unit ${unit}: ${formatTotal(sum)} (${[...backends].map(([b, n]) => `${b} ×${n}`).join(", ")})`);
  }
  return total.attempts === 0 ? [] : [`- Total: ${formatTotal(total)}`, ...lines];
}
