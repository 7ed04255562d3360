// Usage summed from the state file: per unit (all its attempts), per run (the attempts it started), and for
// the whole spec. Derived on demand from the attempt records, so the sums can never disagree with them.
import type { State } from "../store/state.ts";
import { addUsage, emptyTotal, mergeTotals, type UsageTotal } from "./record.ts";

/**
 * Usage of the attempts of `unitKey` (fix rounds included) started at or after `sinceMs` (epoch ms; 0: all of
 * them), and of its reviewer runs that ended since.
 */
export function unitUsage(state: State, unitKey: string, sinceMs = 0): UsageTotal {
  let total = emptyTotal();
  for (const a of state.attempts[unitKey] ?? []) if (sinceMs === 0 || Date.parse(a.started_at) >= sinceMs) total = addUsage(total, a.agent_usage);
  for (const r of state.pipeline?.[unitKey]?.review_usage ?? []) if (sinceMs === 0 || Date.parse(r.at) >= sinceMs) total = addUsage(total, r.usage);
  return total;
}

/** Usage of the attempts and reviews since `sinceMs` (epoch ms): one run's, given its start; 0: the spec's. */
export function runUsage(state: State, sinceMs = 0): UsageTotal {
  let total = emptyTotal();
  for (const key of new Set([...Object.keys(state.attempts), ...Object.keys(state.pipeline ?? {})])) total = mergeTotals(total, unitUsage(state, key, sinceMs));
  return total;
}

/** Usage per unit key, for units with at least one attempt that reported usage. */
export function usageByUnit(state: State): Record<string, UsageTotal> {
  const out: Record<string, UsageTotal> = {};
  for (const key of new Set([...Object.keys(state.attempts), ...Object.keys(state.pipeline ?? {})])) {
    const total = unitUsage(state, key);
    if (total.attempts > 0) out[key] = total;
  }
  return out;
}
