// Usage summed from the state file: per unit (all its attempts), per run (the attempts it started), and for
// the whole spec. Derived on demand from the attempt records, so the sums can never disagree with them.
import type { State } from "../store/state.ts";
import { addUsage, emptyTotal, type Usage, type UsageTotal } from "./record.ts";

/**
 * Usage of the attempts of `unitKey` (fix rounds included) started at or after `sinceMs` (epoch ms; 0: all of
 * them), and of its reviewer runs that ended since.
 */
export function unitUsage(state: State, unitKey: string, sinceMs = 0): UsageTotal {
  const total = emptyTotal();
  addUnit(total, state, unitKey, sinceMs);
  return total;
}

/**
 * Usage of the attempts and reviews since `sinceMs` (epoch ms): one run's, given its start; 0: the spec's.
 * One total filled in place (the recorder asks after every attempt: no object per unit of the spec).
 */
export function runUsage(state: State, sinceMs = 0): UsageTotal {
  const total = emptyTotal();
  for (const key in state.attempts) addUnit(total, state, key, sinceMs);
  const pipeline = state.pipeline ?? {};
  for (const key in pipeline) if (!Object.hasOwn(state.attempts, key)) addUnit(total, state, key, sinceMs);
  return total;
}

/** Adds to `total`, in place, what {@link unitUsage} sums for `unitKey` (as addUsage does, record by record). */
function addUnit(total: UsageTotal, state: State, unitKey: string, sinceMs: number): void {
  // Index loops, no `?? []`: the recorder sums every unit of the spec after each attempt (no iterator or empty
  // array per unit).
  const attempts = state.attempts[unitKey];
  if (attempts) {
    for (let i = 0; i < attempts.length; i++) {
      const a = attempts[i]!;
      if (a.agent_usage && (sinceMs === 0 || Date.parse(a.started_at) >= sinceMs)) addInPlace(total, a.agent_usage);
    }
  }
  const reviews = state.pipeline?.[unitKey]?.review_usage;
  if (!reviews) return;
  for (let i = 0; i < reviews.length; i++) {
    const r = reviews[i]!;
    if (r.usage && (sinceMs === 0 || Date.parse(r.at) >= sinceMs)) addInPlace(total, r.usage);
  }
}

function addInPlace(total: UsageTotal, usage: Usage): void {
  Object.assign(total, addUsage(total, usage));
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
