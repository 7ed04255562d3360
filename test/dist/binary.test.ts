// The host binary stands alone: copied to a folder with no node_modules anywhere above it, it prints its version
// (with the embedded commit) and help, and does not load a .env or bunfig.toml from where it is started.
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitCommit } from "../../scripts/build.ts";
import { cleanUp, hostBinary, noNodeModulesAbove, repoRoot, run, tempDir, VERSION_LINE } from "./helpers.ts";

afterAll(cleanUp);

function standaloneCopy(): { dir: string; exe: string } {
  const dir = tempDir();
  expect(noNodeModulesAbove(dir)).toBe(true);
  const exe = join(dir, "seqorch");
  copyFileSync(hostBinary, exe);
  return { dir, exe };
}

describe("host binary outside the repository", () => {
  test("--version prints the version and the commit it was built from", async () => {
    const { dir, exe } = standaloneCopy();
    const r = await run([exe, "--version"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(VERSION_LINE);
    const commit = VERSION_LINE.exec(r.stdout)![1]!;
    if (commit !== "unknown") {
      // A commit of this repository (HEAD may have moved since the build).
      const known = Bun.spawnSync(["git", "cat-file", "-e", `${commit}^{commit}`], { cwd: repoRoot, stderr: "ignore" });
      expect(known.exitCode).toBe(0);
    }
  });

  test("--help prints usage and the commands", async () => {
    const { dir, exe } = standaloneCopy();
    const r = await run([exe, "--help"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(r.code).toBe(0);
    for (const word of ["seqorch", "run", "plan", "status"]) expect(r.stdout).toContain(word);
  });

  test("a bunfig.toml or .env in the working folder is not loaded", async () => {
    const { dir, exe } = standaloneCopy();
    writeFileSync(join(dir, "preload.js"), 'console.log("PRELOAD RAN");\n');
    writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./preload.js"]\n');
    writeFileSync(join(dir, ".env"), "SEQORCH_DEBUG=1\n");
    const r = await run([exe, "no-such-command"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(r.code).toBe(64);
    expect(r.stdout + r.stderr).not.toContain("PRELOAD RAN");
    expect(r.stderr).not.toMatch(/^\s+at /m); // SEQORCH_DEBUG from .env would add the stack

    // The control: with SEQORCH_DEBUG really set, the stack is there.
    const debug = await run([exe, "no-such-command"], { cwd: dir, env: { PATH: "/usr/bin:/bin", SEQORCH_DEBUG: "1" } });
    expect(debug.stderr).toMatch(/^\s+at /m);
  });
});

describe("gitCommit (what the build embeds)", () => {
  test("is HEAD's short hash in a checkout", () => {
    const head = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: repoRoot }).stdout.toString().trim();
    expect(gitCommit(repoRoot, { PATH: process.env.PATH })).toBe(head);
  });

  test('is "unknown" without git, and outside a checkout', () => {
    expect(gitCommit(repoRoot, { PATH: "/nonexistent" })).toBe("unknown");
    expect(gitCommit(tempDir(), { PATH: process.env.PATH, GIT_CEILING_DIRECTORIES: "/" })).toBe("unknown");
  });

  test("SEQORCH_COMMIT overrides it", () => {
    expect(gitCommit(repoRoot, { PATH: "/nonexistent", SEQORCH_COMMIT: "abc1234" })).toBe("abc1234");
  });
});
