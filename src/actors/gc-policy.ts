// When seqorch runs a full garbage collection of its own: once the heap has grown enough since the last one.
//
// Why one at all: each unit's short-lived objects (the XState actors and snapshots of the unit, its outcome and
// prompt, git status's pipe buffers) live across the event-loop turns of the unit. The engine's young-generation
// collection, which comes after every 8 MB allocated (a fixed allowance in Bun's JavaScriptCore), keeps what the
// unit in progress holds at that moment, and the 8 MB allocated between two of them take blocks of their own; the
// engine's full collection comes only once the old generation has about doubled. So without one of seqorch's
// own, 200 direct units in git peak at about 17 MB of anonymous memory over a compiled hello-world, of which the
// 8 MB allowance alone is half. Why rarely: a full collection blocks this thread for 5-20 ms (most of it marking
// the 4-5 MB of compiled code and module records that are always live). Every 8 units (before) was 25 of them in
// 200 units; once what the heap holds has grown by 2.5 MB it is 8 to 11, with the peak at about +14.5 MB (README,
// what the heap holds). The growth follows what a unit allocates, so a run whose units allocate more (an agent's
// long output read for its usage) collects sooner, and one whose units allocate little, later.

/**
 * How a run collects: `growth` (the default), once what the JavaScript heap holds ({@link heapCapacity}, bytes)
 * has grown by `bytes` since the last collection of this policy (or since the first dispatch); `every`, every
 * `units` dispatches (0: never).
 */
export type GcRule = { kind: "growth"; bytes: number } | { kind: "every"; units: number };

/** Heap growth between two collections by default, bytes (see README, what the heap holds). */
export const DEFAULT_GC_GROWTH_BYTES = 2.5 * 1024 * 1024;

/**
 * The rule from the environment (knobs for measuring, not flags): SEQORCH_GC_EVERY=N collects every N units
 * (0: never); else SEQORCH_GC_GROWTH_MB (default 2.5) sets the growth. A value that is not a number of 0 or
 * more is ignored (the default applies).
 */
export function gcRuleFromEnv(env: Record<string, string | undefined> = process.env): GcRule {
  const every = env.SEQORCH_GC_EVERY?.trim() ? Number(env.SEQORCH_GC_EVERY) : NaN;
  if (Number.isInteger(every) && every >= 0) return { kind: "every", units: every };
  const mb = env.SEQORCH_GC_GROWTH_MB?.trim() ? Number(env.SEQORCH_GC_GROWTH_MB) : NaN;
  return { kind: "growth", bytes: Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : DEFAULT_GC_GROWTH_BYTES };
}

/**
 * What the heap holds now, bytes: its blocks (Bun's `heapTotal`) and the memory its objects own outside them
 * (`external`: buffers, the text of long strings, such as an agent's output read for its usage). About 15 µs.
 */
export function heapCapacity(): number {
  const usage = process.memoryUsage();
  return usage.heapTotal + usage.external;
}

/**
 * A policy to call at each dispatch (`afterDispatch`, with the run's dispatch count from 1): it runs `collect`
 * when its rule says so and returns whether it did. `capacity` measures the heap (bytes), `collect` collects
 * synchronously; both are Bun's by default.
 */
export function createGcPolicy(rule: GcRule, capacity: () => number = heapCapacity, collect: () => void = () => Bun.gc(true)) {
  let base: number | null = null;
  return {
    afterDispatch(dispatches: number): boolean {
      if (rule.kind === "every") {
        if (rule.units <= 0 || dispatches % rule.units !== 0) return false;
        collect();
        return true;
      }
      const now = capacity();
      if (base === null || now <= base + rule.bytes) {
        base ??= now;
        return false;
      }
      collect();
      base = capacity();
      return true;
    },
  };
}
