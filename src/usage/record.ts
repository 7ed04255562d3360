// The usage record of one attempt (tokens by kind, cost in USD and where it came from), and sums of them.
// One schema for the state file, the --json events and `status`; every backend's parser produces it.
import { z } from "zod/mini";

const tokens = z.number().check(z.nonnegative());

/**
 * Usage of one attempt as recorded in the state file (`attempts.<unit>[n].agent_usage`). Token counts:
 * `input` not read from a cache, `cache_read` read from a prompt cache, `cache_write` written to one, `output`
 * generated (reasoning included). `cost_usd`: what the CLI reported (`cost_source: "agent"`), or computed from
 * the config file's price table (`"prices"`), or null: cost unknown. `model` as the CLI named it, or the
 * backend's --model. Records written before the cache and cost fields existed parse with their defaults.
 */
export const UsageSchema = z.object({
  input: tokens,
  output: tokens,
  cache_read: z._default(tokens, 0),
  cache_write: z._default(tokens, 0),
  cost_usd: z._default(z.nullable(z.number().check(z.nonnegative())), null),
  cost_source: z._default(z.nullable(z.enum(["agent", "prices"])), null),
  model: z._default(z.nullable(z.string()), null),
});
export type Usage = z.infer<typeof UsageSchema>;

/** A usage record with only token counts (cost unknown until priced). */
export function usageOf(counts: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number }, model: string | null = null): Usage {
  return {
    input: counts.input ?? 0,
    output: counts.output ?? 0,
    cache_read: counts.cacheRead ?? 0,
    cache_write: counts.cacheWrite ?? 0,
    cost_usd: null,
    cost_source: null,
    model,
  };
}

/** All tokens of a record: input, cache reads and writes, and output. */
export const totalTokens = (u: Pick<Usage, "input" | "output" | "cache_read" | "cache_write">): number => u.input + u.output + u.cache_read + u.cache_write;

/**
 * Usage summed over attempts (of a unit, or of a run). `cost_usd` sums the known costs; `unpriced` counts the
 * attempts with tokens but no cost (then the true cost is higher than `cost_usd`); `attempts`: records summed.
 */
export const UsageTotalSchema = z.object({
  input: tokens,
  output: tokens,
  cache_read: tokens,
  cache_write: tokens,
  tokens: tokens,
  cost_usd: z.number().check(z.nonnegative()),
  unpriced: z.int().check(z.nonnegative()),
  attempts: z.int().check(z.nonnegative()),
});
export type UsageTotal = z.infer<typeof UsageTotalSchema>;

/** The sum of nothing. */
export const emptyTotal = (): UsageTotal => ({ input: 0, output: 0, cache_read: 0, cache_write: 0, tokens: 0, cost_usd: 0, unpriced: 0, attempts: 0 });

/** `total` plus one attempt's usage (null: the backend reported none; nothing is added). Returns a new total. */
export function addUsage(total: UsageTotal, usage: Usage | null | undefined): UsageTotal {
  if (!usage) return total;
  const unknownCost = usage.cost_usd === null && totalTokens(usage) > 0;
  return {
    input: total.input + usage.input,
    output: total.output + usage.output,
    cache_read: total.cache_read + usage.cache_read,
    cache_write: total.cache_write + usage.cache_write,
    tokens: total.tokens + totalTokens(usage),
    cost_usd: sumUsd(total.cost_usd, usage.cost_usd ?? 0),
    unpriced: total.unpriced + (unknownCost ? 1 : 0),
    attempts: total.attempts + 1,
  };
}

/** Two amounts in USD added up, kept to whole nano-dollars, so a sum of 0.1 + 1.1 reads 1.2, not 1.2000000000000002. */
function sumUsd(a: number, b: number): number {
  return Math.round((a + b) * 1e9) / 1e9;
}

/** Two totals added up. */
export function mergeTotals(a: UsageTotal, b: UsageTotal): UsageTotal {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cache_read: a.cache_read + b.cache_read,
    cache_write: a.cache_write + b.cache_write,
    tokens: a.tokens + b.tokens,
    cost_usd: sumUsd(a.cost_usd, b.cost_usd),
    unpriced: a.unpriced + b.unpriced,
    attempts: a.attempts + b.attempts,
  };
}

/** The sum of several usage records. */
export const sumUsage = (records: Iterable<Usage | null | undefined>): UsageTotal => {
  let total = emptyTotal();
  for (const u of records) total = addUsage(total, u);
  return total;
};

/** USD with cents, and two significant digits below ten cents: `$1.20`, `$0.50`, `$0.024`, `$0.001`. */
export function formatUsd(usd: number): string {
  if (usd === 0 || usd >= 0.1) return `$${usd.toFixed(2)}`;
  const digits = Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(usd))));
  return `$${usd.toFixed(digits).replace(/(\.\d{2}\d*?)0+$/, "$1")}`;
}

/**
 * A total for people: `12,345 tokens, $0.42`; `…, cost unknown` when nothing was priced; `…, $0.42 + cost
 * unknown for 2 attempt(s)` when some were not. "" when no usage was reported.
 */
export function formatTotal(total: UsageTotal): string {
  if (total.attempts === 0) return "";
  const tokensText = `${total.tokens.toLocaleString("en-US")} tokens`;
  const priced = total.attempts - total.unpriced;
  if (total.unpriced === 0) return `${tokensText}, ${formatUsd(total.cost_usd)}`;
  if (priced === 0) return `${tokensText}, cost unknown`;
  return `${tokensText}, ${formatUsd(total.cost_usd)} + cost unknown for ${total.unpriced} attempt(s)`;
}
