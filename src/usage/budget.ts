// The spending limits of a run (--max-tokens, --max-cost, --max-unit-tokens, --max-unit-cost) and whether what
// was used is over one of them, worded for the halt reason and the over-budget attempt.
import { formatUsd, type UsageTotal } from "./record.ts";

/** Limits of one run; null: none. Tokens count every kind (input, cache reads and writes, output); costs in USD. */
export interface BudgetLimits {
  maxTokens: number | null;
  maxCost: number | null;
  maxUnitTokens: number | null;
  maxUnitCost: number | null;
}

export const NO_LIMITS: BudgetLimits = { maxTokens: null, maxCost: null, maxUnitTokens: null, maxUnitCost: null };

/** True when any limit is set. */
export const hasLimits = (l: BudgetLimits): boolean => l.maxTokens !== null || l.maxCost !== null || l.maxUnitTokens !== null || l.maxUnitCost !== null;

const tokens = (n: number) => n.toLocaleString("en-US");
const unpricedNote = (t: UsageTotal) => (t.unpriced > 0 ? ` (not counting ${t.unpriced} attempt(s) of unknown cost)` : "");

/**
 * Which limit `run` (this run's usage) or `unit` (the unit's usage in this run) has reached, as one sentence
 * saying what was spent ("the run used $5.02 of --max-cost $5.00"), or null when all are under their limits.
 * A limit is reached at equality: the next dispatch could only go over it. Costs count known costs only.
 */
export function budgetReached(limits: BudgetLimits, run: UsageTotal, unit: UsageTotal, unitId: string): string | null {
  if (limits.maxTokens !== null && run.tokens >= limits.maxTokens) return `the run used ${tokens(run.tokens)} tokens of --max-tokens ${tokens(limits.maxTokens)}`;
  if (limits.maxCost !== null && run.cost_usd >= limits.maxCost) return `the run spent ${formatUsd(run.cost_usd)} of --max-cost ${formatUsd(limits.maxCost)}${unpricedNote(run)}`;
  if (limits.maxUnitTokens !== null && unit.tokens >= limits.maxUnitTokens) return `unit ${unitId} used ${tokens(unit.tokens)} tokens of --max-unit-tokens ${tokens(limits.maxUnitTokens)}`;
  if (limits.maxUnitCost !== null && unit.cost_usd >= limits.maxUnitCost) return `unit ${unitId} spent ${formatUsd(unit.cost_usd)} of --max-unit-cost ${formatUsd(limits.maxUnitCost)}${unpricedNote(unit)}`;
  return null;
}
