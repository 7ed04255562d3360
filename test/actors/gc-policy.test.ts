// The forced-collection policy (src/actors/gc-policy.ts): its rules from the environment, and when it collects,
// with a scripted heap meter and with Bun's own heap.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createGcPolicy, DEFAULT_GC_GROWTH_BYTES, gcRuleFromEnv } from "../../src/actors/gc-policy.ts";

const MB = 1024 * 1024;

describe("gc rule from the environment", () => {
  test("growth of 2.5 MB by default; SEQORCH_GC_GROWTH_MB sets it; SEQORCH_GC_EVERY=N (0: never) counts units instead", () => {
    expect(gcRuleFromEnv({})).toEqual({ kind: "growth", bytes: DEFAULT_GC_GROWTH_BYTES });
    expect(DEFAULT_GC_GROWTH_BYTES).toBe(2.5 * MB);
    expect(gcRuleFromEnv({ SEQORCH_GC_GROWTH_MB: "4" })).toEqual({ kind: "growth", bytes: 4 * MB });
    expect(gcRuleFromEnv({ SEQORCH_GC_EVERY: "0" })).toEqual({ kind: "every", units: 0 });
    expect(gcRuleFromEnv({ SEQORCH_GC_EVERY: "8", SEQORCH_GC_GROWTH_MB: "4" })).toEqual({ kind: "every", units: 8 });
  });

  test("a value that is not a count or a size leaves the default", () => {
    for (const env of [{ SEQORCH_GC_EVERY: "" }, { SEQORCH_GC_EVERY: "often" }, { SEQORCH_GC_EVERY: "-1" }, { SEQORCH_GC_EVERY: "2.5" }, { SEQORCH_GC_GROWTH_MB: "0" }, { SEQORCH_GC_GROWTH_MB: "x" }]) {
      expect(gcRuleFromEnv(env)).toEqual({ kind: "growth", bytes: DEFAULT_GC_GROWTH_BYTES });
    }
  });
});

describe("gc policy", () => {
  test("growth: nothing until the heap has grown by more than the rule's bytes since the first dispatch, then again from what the collection left", () => {
    let heap = 10 * MB;
    const collections: number[] = [];
    const policy = createGcPolicy({ kind: "growth", bytes: 2 * MB }, () => heap, () => {
      collections.push(heap);
      heap = 7 * MB; // what a collection leaves
    });
    expect(policy.afterDispatch(1)).toBe(false); // the first dispatch sets the base
    heap = 12 * MB;
    expect(policy.afterDispatch(2)).toBe(false); // grown by exactly 2 MB: not more
    heap = 12 * MB + 1;
    expect(policy.afterDispatch(3)).toBe(true);
    expect(collections).toEqual([12 * MB + 1]);
    heap = 9 * MB;
    expect(policy.afterDispatch(4)).toBe(false); // 2 MB over the 7 MB the collection left
    heap = 9.5 * MB;
    expect(policy.afterDispatch(5)).toBe(true);
    expect(collections).toEqual([12 * MB + 1, 9.5 * MB]);
  });

  test("every N units, or never with 0; the heap is not measured", () => {
    let measured = 0;
    let collected = 0;
    const meter = () => ++measured;
    const every3 = createGcPolicy({ kind: "every", units: 3 }, meter, () => void collected++);
    const ticks = [1, 2, 3, 4, 5, 6, 7].map((n) => every3.afterDispatch(n));
    expect(ticks).toEqual([false, false, true, false, false, true, false]);
    expect(collected).toBe(2);
    const never = createGcPolicy({ kind: "every", units: 0 }, meter, () => void collected++);
    for (let n = 1; n <= 50; n++) expect(never.afterDispatch(n)).toBe(false);
    expect(collected).toBe(2);
    expect(measured).toBe(0);
  });

  test("with Bun's heap: garbage past the growth is collected, and the heap's capacity is back under its peak", () => {
    // In a process of its own: the test runner's heap, grown by every file before, has room for all of it.
    const script = `
      import { createGcPolicy, heapCapacity } from ${JSON.stringify(join(import.meta.dir, "../../src/actors/gc-policy.ts"))};
      const MB = 1024 * 1024;
      const policy = createGcPolicy({ kind: "growth", bytes: 2 * MB });
      policy.afterDispatch(1);
      const start = heapCapacity();
      let peak = start, collectedAt = 0, sink = [];
      for (let n = 2; n < 400 && collectedAt === 0; n++) {
        // About 100 KB of short-lived objects per "unit", dropped before the next.
        sink = Array.from({ length: 1000 }, (_, i) => ({ n, i, text: "unit " + n + " object " + i }));
        peak = Math.max(peak, heapCapacity());
        if (policy.afterDispatch(n)) collectedAt = n;
      }
      console.log(JSON.stringify({ start, peak, collectedAt, after: heapCapacity(), kept: sink.length }));`;
    const proc = Bun.spawnSync([process.execPath, "-e", script], { stderr: "pipe" });
    expect(proc.exitCode, proc.stderr.toString()).toBe(0);
    const r = JSON.parse(proc.stdout.toString()) as { start: number; peak: number; collectedAt: number; after: number; kept: number };
    expect(r.kept).toBe(1000);
    expect(r.collectedAt).toBeGreaterThan(2);
    expect(r.peak).toBeGreaterThan(r.start + 2 * MB);
    expect(r.after).toBeLessThan(r.peak);
  });
});
