// What the build embedded: the git commit this binary was built from (`bun build --define SEQORCH_COMMIT=…`, see scripts/build.ts).
declare const SEQORCH_COMMIT: string | undefined;

/** Short commit hash of the build; "unknown" when the build had no git, "dev" when running from source. */
export const COMMIT: string = typeof SEQORCH_COMMIT === "string" ? SEQORCH_COMMIT : "dev";

/**
 * The JIT policy every build runs with (scripts/build.ts: `--compile-jit-policy`, and the npm bundle's banner):
 * tier-up thresholds 10,000 times the usual, so that run-once code stays in the interpreter (memory).
 */
export const JIT_POLICY = 10_000;
