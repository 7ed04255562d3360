// One inspection event as one line of JSON: errors keep their name and message, cycles and functions are cut.

/** JSON text of `value` on one line; a reference back to an enclosing object becomes "[Circular]". */
export function jsonLine(value: unknown): string {
  const ancestors: unknown[] = [];
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "function") return undefined;
    if (v === null || typeof v !== "object") return v;
    while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
    if (ancestors.includes(v)) return "[Circular]";
    ancestors.push(v);
    return v;
  });
}
