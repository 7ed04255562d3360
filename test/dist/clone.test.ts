// A plain `git clone` with nothing beside it: the parser and fixture tests pass there, the corpus tests say in one
// line that they did not run, and under CI=true the missing corpus fails the run. The clone is of this commit
// (HEAD), in a temp folder with no shared/ beside it; node_modules is a symlink to this checkout's (what `npm ci`
// would install from the lock file) and dist/seqorch a copy of the binary `npm test` built.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { cleanEnv, cleanUp, hostBinary, repoRoot, run, tempDir } from "./helpers.ts";

afterAll(cleanUp);

let clone: string;
let head: string;

async function git(args: string[], cwd: string): Promise<string> {
  const r = await run(["git", ...args], { cwd, env: cleanEnv() });
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** `bun test` in the clone with the user's environment minus CI and SEQORCH_CORPUS, plus `extra`. */
function testInClone(paths: string[], extra: Record<string, string> = {}) {
  const env = cleanEnv({ CI: undefined, SEQORCH_CORPUS: undefined, ...extra });
  return run([process.execPath, "test", "--timeout", "60000", ...paths], { cwd: clone, env });
}

beforeAll(async () => {
  head = await git(["rev-parse", "HEAD"], repoRoot);
  clone = join(tempDir("seqorch-clone-"), "x", "clone");
  mkdirSync(dirname(clone), { recursive: true });
  await git(["clone", "--quiet", "--no-checkout", repoRoot, clone], dirname(clone));
  await git(["fetch", "--quiet", repoRoot, "HEAD"], clone);
  await git(["checkout", "--quiet", "--detach", "FETCH_HEAD"], clone);
  symlinkSync(join(repoRoot, "node_modules"), join(clone, "node_modules"));
  mkdirSync(join(clone, "dist"));
  copyFileSync(hostBinary, join(clone, "dist", "seqorch"));
}, 60_000);

describe("a fresh clone with nothing beside it", () => {
  test("is this commit, with no shared/ beside it", async () => {
    expect(await git(["rev-parse", "HEAD"], clone)).toBe(head);
    expect(existsSync(join(clone, "..", "shared"))).toBe(false);
    expect(await git(["status", "--porcelain", "--untracked-files=no"], clone)).toBe("");
  });

  test("the spec, fixture and plan tests pass; the corpus tests say in one line that they were not run", async () => {
    const r = await testInClone(["./test/spec", "./test/e2e/plan.test.ts"]);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/ 0 fail\n/);
    expect(r.code).toBe(0);
    const pass = Number(/ (\d+) pass\n/.exec(out)?.[1] ?? 0);
    expect(pass).toBeGreaterThan(150);
    expect(out.match(/corpus tests not run/g)).toHaveLength(1);
    expect(out).toContain(`kiro corpus not found at ${join(clone, "..", "shared", "kiro-corpus")}`);
  }, 120_000);

  test("under CI=true the missing corpus is a failure", async () => {
    const r = await testInClone(["./test/spec/corpus.test.ts"], { CI: "true" });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("kiro corpus: the corpus is present (CI=true)");
    expect(r.stdout + r.stderr).not.toContain("corpus tests not run");
  }, 60_000);

  test("SEQORCH_CORPUS names a corpus folder to use instead", async () => {
    const corpus = join(tempDir("seqorch-corpus-"), "empty-corpus");
    mkdirSync(corpus);
    // An empty corpus is found (no "not run" line) and fails the check that every expectation has its folder.
    const r = await testInClone(["./test/spec/corpus.test.ts"], { SEQORCH_CORPUS: corpus });
    expect(r.stdout + r.stderr).not.toContain("corpus tests not run");
    expect(r.stdout + r.stderr).toContain("every spec folder has an expectation");
    expect(r.code).not.toBe(0);
    // A SEQORCH_CORPUS that names no folder is a mistake to report, not a reason to skip.
    const missing = await testInClone(["./test/spec/corpus.test.ts"], { SEQORCH_CORPUS: join(corpus, "missing") });
    expect(missing.stdout + missing.stderr).toContain("kiro corpus: the corpus is present (SEQORCH_CORPUS)");
    expect(missing.code).not.toBe(0);
  }, 60_000);
});
