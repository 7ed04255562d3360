// The price table of the config file (`prices: {"<model>": {"input": USD per million tokens, …}}`) and the cost
// of an attempt's usage from it. No prices are built in: they change, and a wrong figure is worse than none.
import { z } from "zod/mini";
import { UsageError } from "../errors.ts";
import { totalTokens, type Usage } from "./record.ts";

const perMillion = z.number().check(z.nonnegative());

/**
 * One model's prices, USD per million tokens: `input` (uncached), `output`, and, for attempts that used a
 * prompt cache, `cachedInput` (cache reads) and `cacheWrite` (cache writes). Unknown keys are an error.
 */
export const ModelPriceSchema = z.strictObject({
  input: perMillion,
  output: perMillion,
  cachedInput: z.optional(perMillion),
  cacheWrite: z.optional(perMillion),
});

/** Prices by model name as the backend reports it (or as given to --model, e.g. `provider/model` for opencode). */
export const PriceTableSchema = z.record(z.string().check(z.minLength(1)), ModelPriceSchema);
export type PriceTable = z.infer<typeof PriceTableSchema>;

/** Validate the `prices` value of `file`. Throws UsageError naming the file and the first bad entry. */
export function parsePriceTable(data: unknown, file: string): PriceTable {
  const result = PriceTableSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = ["prices", ...issue.path.map(String)].join(".");
  throw new UsageError(`${file}: ${where}`, `${issue.message} (prices are USD per million tokens: {"<model>": {"input": 3, "output": 15, "cachedInput": 0.3}})`);
}

/** The prices of `model`: by its full name, else by the part after the last `/` (opencode's `provider/model`). */
export function priceOf(table: PriceTable, model: string | null): z.infer<typeof ModelPriceSchema> | null {
  if (!model) return null;
  return table[model] ?? table[model.slice(model.lastIndexOf("/") + 1)] ?? null;
}

/**
 * `usage` with its cost: the CLI's own figure when it reported one; else from `table` when it prices the model
 * and every kind of token used (cache reads need `cachedInput`, cache writes `cacheWrite`); else cost unknown
 * (`cost_usd: null`), never an estimate.
 */
export function priceUsage(usage: Usage, table: PriceTable): Usage {
  if (usage.cost_source === "agent" && usage.cost_usd !== null) return usage;
  const price = priceOf(table, usage.model);
  const unknown = { ...usage, cost_usd: totalTokens(usage) === 0 ? 0 : null, cost_source: null };
  if (!price) return unknown;
  if (usage.cache_read > 0 && price.cachedInput === undefined) return unknown;
  if (usage.cache_write > 0 && price.cacheWrite === undefined) return unknown;
  const usd = (usage.input * price.input + usage.output * price.output + usage.cache_read * (price.cachedInput ?? 0) + usage.cache_write * (price.cacheWrite ?? 0)) / 1e6;
  return { ...usage, cost_usd: usd, cost_source: "prices" };
}
