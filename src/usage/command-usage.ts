// The command backend's usage: lines `<usage>{"input_tokens":…,"output_tokens":…,"cost_usd":…}</usage>` that
// the user's agent command prints on stdout, one per LLM call (they add up).
import { z } from "zod/mini";
import type { UsageMeter } from "./meter.ts";
import { usageOf, type Usage } from "./record.ts";

const count = z.optional(z.number().check(z.nonnegative()));

/** One `<usage>` report. Unknown keys are ignored; a report with a bad value is ignored whole. */
export const UsageLineSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_read_tokens: count,
  cache_write_tokens: count,
  cost_usd: count,
  model: z.optional(z.string()),
});

const TAG = /<usage>(\{.*?\})<\/usage>/g;

/**
 * A meter of `<usage>` reports anywhere in the command's stdout lines. Costs add up when every report gives
 * one; a report without `cost_usd` leaves the attempt's cost unknown (priced from the config file later).
 */
export function commandUsageMeter(): UsageMeter {
  let sum: Usage | null = null;
  let costs = 0;
  let reports = 0;
  let priced = 0;
  return {
    line(text) {
      if (!text.includes("<usage>")) return;
      for (const match of text.matchAll(TAG)) {
        let value: unknown;
        try {
          value = JSON.parse(match[1]!);
        } catch {
          continue; // not JSON: not a report
        }
        const report = UsageLineSchema.safeParse(value);
        if (!report.success) continue;
        const r = report.data;
        sum ??= usageOf({});
        sum.input += r.input_tokens ?? 0;
        sum.output += r.output_tokens ?? 0;
        sum.cache_read += r.cache_read_tokens ?? 0;
        sum.cache_write += r.cache_write_tokens ?? 0;
        if (r.model) sum.model = r.model;
        reports += 1;
        if (r.cost_usd !== undefined) {
          priced += 1;
          costs += r.cost_usd;
        }
      }
    },
    usage() {
      if (!sum) return null;
      return priced === reports ? { ...sum, cost_usd: costs, cost_source: "agent" } : { ...sum };
    },
  };
}
