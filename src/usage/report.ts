// Usage as a section of a report people read in the morning (PROJECT_PULSE.md's writer calls this): the total,
// then one line per unit with its attempts' backends, tokens and cost.
import type { State } from "../store/state.ts";
import { addUsage, emptyTotal, formatTotal, mergeTotals } from "./record.ts";

/**
 * Markdown lines: `- Total: 12,345 tokens, $0.42`, then `- Unit 2: 3,000 tokens, $0.10 (claude ×2, codex ×1)`
 * for each unit with reported usage among the attempts started at or after `sinceMs` (epoch ms; 0: all).
 * Empty when no attempt reported usage.
 */
export function usageMarkdown(state: State, sinceMs = 0): string[] {
  let total = emptyTotal();
  const lines: string[] = [];
  for (const [unit, records] of Object.entries(state.attempts)) {
    let sum = emptyTotal();
    const backends = new Map<string, number>();
    for (const a of records) {
      if (sinceMs !== 0 && Date.parse(a.started_at) < sinceMs) continue;
      sum = addUsage(sum, a.agent_usage);
      backends.set(a.backend, (backends.get(a.backend) ?? 0) + 1);
    }
    if (sum.attempts === 0) continue;
    total = mergeTotals(total, sum);
    lines.push(`- Unit ${unit}: ${formatTotal(sum)} (${[...backends].map(([b, n]) => `${b} ×${n}`).join(", ")})`);
  }
  return total.attempts === 0 ? [] : [`- Total: ${formatTotal(total)}`, ...lines];
}
