// What the build embedded: the git commit this binary was built from (`bun build --define SEQORCH_COMMIT=…`, see scripts/build.ts).
declare const SEQORCH_COMMIT: string | undefined;

/** Short commit hash of the build; "unknown" when the build had no git, "dev" when running from source. */
export const COMMIT: string = typeof SEQORCH_COMMIT === "string" ? SEQORCH_COMMIT : "dev";
