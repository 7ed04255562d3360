// Task-ID order: the deterministic order in which units are picked and merged (`2.9` before `2.10`, `38` before `38a`).

/** Splits `2.10b` into comparable parts: numbers compare as numbers, letters as text (see compareIdParts). */
export function idParts(id: string): (number | string)[] {
  return id.split(/[.#]/).flatMap((segment) => {
    const parts: (number | string)[] = [];
    for (const m of segment.matchAll(/(\d+)|(\D+)/g)) parts.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? ""));
    return parts;
  });
}

/**
 * Compares two task IDs segment by segment (`1` < `1.1` < `1.2` < `1.10` < `2` < `38` < `38a`); numbers sort
 * before letters in the same position. Returns < 0, 0 or > 0.
 */
export function compareTaskIds(a: string, b: string): number {
  return compareIdParts(idParts(a), idParts(b));
}

/** compareTaskIds on IDs already split with idParts (for sorting many units: split each ID once). */
export function compareIdParts(pa: readonly (number | string)[], pb: readonly (number | string)[]): number {
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as number | string;
    const y = pb[i] as number | string;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
