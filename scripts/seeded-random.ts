// A small seeded pseudo-random generator, so a failing random sequence (a plan, a run, kill times) can be replayed
// from its seed. Used by scripts/parallel-model.ts (plans, runs), test/git/parallel-flow.test.ts,
// test/faults/random-kills.test.ts and the random texts and messages of test/spec and test/unit.

/** mulberry32: returns a function giving numbers in [0, 1); the same seed gives the same sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
