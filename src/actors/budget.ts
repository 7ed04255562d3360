// The budget actor's work (before each dispatch) and the budget watch of a running attempt: this run's usage
// and the unit's against --max-tokens, --max-cost, --max-unit-tokens and --max-unit-cost.
import type { BudgetOutput, UnitRef } from "../../machines/orchestrator.ts";
import type { BudgetResumeAt } from "../../machines/unit.ts";
import { budgetReached, hasLimits } from "../usage/budget.ts";
import { newCursor, readNewLines } from "../usage/lines.ts";
import { priceUsage } from "../usage/prices.ts";
import { addUsage } from "../usage/record.ts";
import { runUsage, unitUsage } from "../usage/totals.ts";
import { recordDecision } from "./decisions.ts";
import { refreshPulse } from "./pulse-writer.ts";
import type { RunContext } from "./run-context.ts";

/** How often a running attempt's reported usage is read against the budget, ms. */
const BUDGET_CHECK_MS = 500;

/** Whether this run, or `unit` in it, has reached a limit: the sentence saying what was spent, or null. */
export function checkBudget(context: RunContext, unit: UnitRef): BudgetOutput {
  if (!hasLimits(context.limits)) return { reached: null };
  const state = context.store.get();
  return { reached: budgetReached(context.limits, runUsage(state, context.startedAtMs), unitUsage(state, unit.key, context.startedAtMs), unit.id) };
}

/**
 * The check before a dispatch: checkBudget, and with --review (orchestrate) a limit reached recorded as a
 * `budget` decision on `unit` (the run halts either way). The unit machine's checks are recorded by the concluder.
 */
export function checkBudgetBeforeDispatch(context: RunContext, unit: UnitRef): BudgetOutput {
  const out = checkBudget(context, unit);
  if (out.reached) recordBudgetDecision(context, unit, out.reached);
  return out;
}

/**
 * With --review, record a `budget` decision on `unit`: the limit's sentence (`reached`), the answers it takes,
 * and what this run and the unit had spent (`spent`, shown by `seqorch decisions --json`); `resumeAt`: a
 * review loop stopped before a review or a fix round (where `retry` goes on). PULSE is written again. Without
 * --review, nothing.
 */
export function recordBudgetDecision(context: RunContext, unit: UnitRef, reached: string, logs: string[] = [], resumeAt?: BudgetResumeAt): void {
  if (context.gates.review === null) return;
  const state = context.store.get();
  const spent = { run: runUsage(state, context.startedAtMs), unit: unitUsage(state, unit.key, context.startedAtMs) };
  const question = `${reached}; retry: unit ${unit.id} runs again under the next run's budget; accept: done as it is; skip or abort: it waits`;
  recordDecision(context, unit, "budget", question, logs, { spent, ...(resumeAt ? { resumeAt } : {}) });
  refreshPulse(context);
}

/**
 * While an attempt of `unit` on `backend` runs, read the usage its stdout (`outLog`) reports so far, priced,
 * and call `onReached` once with the limit's sentence when the run's or the unit's usage reaches a limit.
 * Does nothing without limits or for a backend that reports no usage. Returns a stop function.
 */
export function watchAttemptBudget(context: RunContext, unit: UnitRef, backend: string, outLog: string, onReached: (reached: string) => void): () => void {
  if (!hasLimits(context.limits)) return () => {};
  const meter = context.adapterFor(backend).usageMeter?.();
  if (!meter) return () => {};
  const state = context.store.get();
  // The running attempt has no usage on its record yet: these are the attempts before it.
  const runBefore = runUsage(state, context.startedAtMs);
  const unitBefore = unitUsage(state, unit.key, context.startedAtMs);
  const cursor = newCursor();
  const timer = setInterval(() => {
    try {
      readNewLines(outLog, cursor, (line) => meter.line(line));
    } catch (error) {
      context.report({ type: "warning", message: `cannot read ${outLog} for the budget: ${(error as Error).message}` });
      clearInterval(timer);
      return;
    }
    const live = meter.usage();
    if (!live) return;
    const priced = priceUsage(live, context.prices);
    const reached = budgetReached(context.limits, addUsage(runBefore, priced), addUsage(unitBefore, priced), unit.id);
    if (reached) {
      clearInterval(timer);
      onReached(reached);
    }
  }, BUDGET_CHECK_MS);
  return () => clearInterval(timer);
}
