// Checks every command makes of its parsed flags: no unknown flag or stray argument, --spec given.
import type { ArgsDef } from "citty";
import { UsageError } from "../errors.ts";
import { closest } from "./suggest.ts";

/** Reject flags citty accepted leniently: unknown names and stray positional words. Throws UsageError. */
export function rejectUnknown(args: Record<string, unknown>, known: ArgsDef): void {
  const names = new Set(Object.keys(known).flatMap((k) => [k, k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())]));
  for (const def of Object.values(known)) for (const alias of [(def as { alias?: string | string[] }).alias ?? []].flat()) names.add(alias);
  for (const key of Object.keys(args)) {
    if (key === "_" || names.has(key) || names.has(key.replace(/^no-?/, "").replace(/^([A-Z])/, (c) => c.toLowerCase()))) continue;
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const near = closest(flag, Object.keys(known));
    throw new UsageError(`--${key}`, `unknown flag${near ? `; did you mean --${near}?` : " (see --help)"}`);
  }
  const extra = (args._ as string[] | undefined) ?? [];
  if (extra.length > 0) throw new UsageError(String(extra[0]), "unexpected argument (see --help)");
}

/** `--spec` is required; citty's own check would exit 1, so commands check it here (UsageError, exit 64). */
export function requireSpec(spec: string | undefined): string {
  if (!spec) throw new UsageError("--spec", "is required (the spec folder, e.g. .kiro/specs/my-feature)");
  return spec;
}
