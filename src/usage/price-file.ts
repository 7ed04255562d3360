// Where the price table is read from: the `prices` key of the project's config files (.kiro/seqorch.json, then
// the `seqorch` key of package.json), the same files that hold the run settings (src/cli/config-layers.ts).
import { findProjectFiles, readJson } from "../cli/config-layers.ts";
import { parsePriceTable, type PriceTable } from "./prices.ts";

/**
 * The price table that applies in `cwd`: entries of .kiro/seqorch.json over those of package.json#seqorch;
 * empty when neither has `prices`. Throws UsageError naming the file for bad JSON or a bad entry.
 */
export function loadPriceTable(cwd: string): PriceTable {
  const { kiro, pkg } = findProjectFiles(cwd);
  const tables: PriceTable[] = [];
  if (pkg) {
    const data = readJson(pkg) as { seqorch?: { prices?: unknown } } | null;
    const prices = data && typeof data === "object" && data.seqorch && typeof data.seqorch === "object" ? data.seqorch.prices : undefined;
    if (prices !== undefined) tables.push(parsePriceTable(prices, `${pkg}#seqorch`));
  }
  if (kiro) {
    const data = readJson(kiro) as { prices?: unknown } | null;
    if (data && typeof data === "object" && data.prices !== undefined) tables.push(parsePriceTable(data.prices, kiro));
  }
  return Object.assign({}, ...tables) as PriceTable;
}
