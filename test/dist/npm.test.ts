// The npm package: `npm pack` holds the launcher, the bundle and nothing else; installed globally from the
// tarball into a temp prefix, `seqorch` runs with Bun when Bun is on PATH, with the platform package's binary
// when it is not, and says what to install when it has neither.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { targetOf, writePlatformPackage } from "../../scripts/build.ts";
import { cleanEnv, cleanUp, commandsDir, hostBinary, nodePath, onCleanup, pkg, repoRoot, run, tempDir, VERSION_LINE } from "./helpers.ts";

afterAll(cleanUp);

const target = targetOf(process.platform, process.arch);
if (!target) throw new Error(`no release target for ${process.platform}-${process.arch}`);

const LAUNCHER_FILES = ["bin/empty-bunfig.toml", "bin/seqorch.js", "dist/seqorch.mjs", "package.json"];
/** Files npm puts in every tarball whatever `files` says. */
const alwaysIncluded = readdirSync(repoRoot).filter((f) => /^(readme|license|licence)(\.[a-z]+)?$/i.test(f));

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number; mode: number }[];
}

async function npm(args: string[], cwd: string, env: Record<string, string | undefined> = cleanEnv()): Promise<ReturnType<typeof run>> {
  return run(["npm", ...args], { cwd, env });
}

async function pack(dir: string, destination?: string): Promise<PackResult> {
  const r = await npm(["pack", "--json", ...(destination ? ["--pack-destination", destination] : ["--dry-run"]), dir], repoRoot);
  if (r.code !== 0) throw new Error(`npm pack ${dir} failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as PackResult[])[0]!;
}

describe("npm pack", () => {
  test("holds the launcher, the bundle, package.json (and README/LICENSE): nothing else", async () => {
    const packed = await pack(".");
    expect(packed.files.map((f) => f.path).sort()).toEqual([...LAUNCHER_FILES, ...alwaysIncluded].sort());
    expect(packed.unpackedSize).toBeLessThan(1_000_000);
    expect(pkg.bin).toEqual({ seqorch: "bin/seqorch.js" });
    expect(readFileSync(join(repoRoot, "bin", "seqorch.js"), "utf8")).toStartWith("#!/usr/bin/env node\n");
    expect(readFileSync(join(repoRoot, "dist", "seqorch.mjs"), "utf8")).toStartWith("// @bun\n");
  });
});

describe("npm i -g <tarball>", () => {
  let prefix: string;
  let seqorch: string;
  let launcher: string;
  let env: Record<string, string | undefined>;
  let nodeOnly: string;
  let withBun: string;

  beforeAll(async () => {
    const work = tempDir("seqorch-npm-");
    const tarball = join(work, (await pack(".", work)).filename);
    prefix = join(work, "prefix");
    const r = await npm(["install", "--global", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball], work);
    if (r.code !== 0) throw new Error(`npm install -g failed: ${r.stderr}`);
    seqorch = join(prefix, "bin", "seqorch");
    launcher = join(prefix, "lib", "node_modules", "seqorch", "bin", "seqorch.js");
    // PATHs with node (for the bin shim's `#!/usr/bin/env node`) and the prefix's bin, with and without bun.
    nodeOnly = commandsDir([], { node: nodePath() });
    withBun = commandsDir([], { node: nodePath(), bun: process.execPath });
    env = cleanEnv({ HOME: tempDir() });
  }, 60_000);

  const at = (...dirs: string[]) => ({ ...env, PATH: [...dirs, join(prefix, "bin")].join(":") });

  test("installs the seqorch command", () => {
    expect(existsSync(seqorch)).toBe(true);
    expect(statSync(seqorch).mode & 0o111).not.toBe(0);
  });

  test("with Bun on PATH: --version, --help and exit codes come from the bundle run by bun", async () => {
    const cwd = tempDir();
    const v = await run([seqorch, "--version"], { cwd, env: at(withBun, nodeOnly) });
    expect(v.stderr).toBe("");
    expect(v.stdout).toMatch(VERSION_LINE);
    const help = await run([seqorch, "--help"], { cwd, env: at(withBun, nodeOnly) });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("run");
    const bad = await run([seqorch, "no-such-command"], { cwd, env: at(withBun, nodeOnly) });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("no-such-command");
  });

  test("run by Bun itself (bunx): the launcher execs the bundle", async () => {
    const v = await run([process.execPath, launcher, "--version"], { cwd: tempDir(), env: at(nodeOnly) });
    expect(v.stdout).toMatch(VERSION_LINE);
  });

  test("a bunfig.toml or .env where it is started is not loaded by bun", async () => {
    const cwd = tempDir();
    await Bun.write(join(cwd, "preload.js"), 'console.log("PRELOAD RAN");\n');
    await Bun.write(join(cwd, "bunfig.toml"), 'preload = ["./preload.js"]\n');
    await Bun.write(join(cwd, ".env"), "SEQORCH_DEBUG=1\n");
    const r = await run([seqorch, "no-such-command"], { cwd, env: at(withBun, nodeOnly) });
    expect(r.code).toBe(64);
    expect(r.stdout + r.stderr).not.toContain("PRELOAD RAN");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  test("without Bun and without the platform package: says what to install, exit 69", async () => {
    const r = await run([seqorch, "--help"], { cwd: tempDir(), env: at(nodeOnly) });
    expect(r.code).toBe(69);
    expect(r.stderr).toContain("Bun is not on PATH");
    expect(r.stderr).toContain(`npm i -g seqorch-${target}@${pkg.version}`);
  });

  describe("with the platform package (seqorch-<os>-<arch>) installed", () => {
    beforeAll(async () => {
      const work = tempDir("seqorch-npm-platform-");
      const dir = writePlatformPackage(target, hostBinary, join(work, "pkg"), pkg.version);
      const packed = await pack(dir, work);
      expect(packed.files.map((f) => f.path).sort()).toEqual(["README.md", "bin/seqorch", "package.json"]);
      const r = await npm(["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", join(work, packed.filename)], work);
      if (r.code !== 0) throw new Error(`npm install -g (platform package) failed: ${r.stderr}`);
    }, 120_000);

    test("without Bun: runs the prebuilt binary (--version, --help, exit codes)", async () => {
      const cwd = tempDir();
      const v = await run([seqorch, "--version"], { cwd, env: at(nodeOnly) });
      expect(v.stderr).toBe("");
      expect(v.stdout).toMatch(VERSION_LINE);
      const help = await run([seqorch, "--help"], { cwd, env: at(nodeOnly) });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("run");
      expect((await run([seqorch, "no-such-command"], { cwd, env: at(nodeOnly) })).code).toBe(64);
    });

    // Linux: find the CLI process under the launcher in /proc. With process.execve (Node >= 22.15) the
    // launcher *is* the CLI; with older Node it is a child that must receive the SIGTERM sent to the launcher.
    test.skipIf(process.platform !== "linux")("SIGTERM to the seqorch command stops the CLI", async () => {
      // The demo agent, pausing a minute per step: a CLI process that stays up until it is stopped.
      const proc = Bun.spawn([seqorch, "demo-agent"], { cwd: tempDir(), env: { ...at(nodeOnly), SEQORCH_DEMO_PAUSE_MS: "60000" }, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      onCleanup(() => proc.kill("SIGKILL"));
      let cli = 0;
      for (let i = 0; i < 100 && !cli; i++) {
        await Bun.sleep(50);
        const comm = readFileSync(`/proc/${proc.pid}/comm`, "utf8").trim();
        const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim();
        if (comm === "seqorch") cli = proc.pid;
        else if (children) cli = Number(children.split(" ")[0]);
      }
      expect(cli).toBeGreaterThan(0);
      onCleanup(() => {
        try {
          process.kill(cli, "SIGKILL");
        } catch {}
      });
      proc.kill("SIGTERM");
      await proc.exited;
      expect(proc.signalCode).toBe("SIGTERM");
      let gone = false;
      for (let i = 0; i < 40 && !gone; i++) {
        gone = !existsSync(`/proc/${cli}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${cli}/status`, "utf8"));
        if (!gone) await Bun.sleep(50);
      }
      expect(gone).toBe(true);
    });
  });
});

// The platform packages build.ts writes for publishing (with --npm): the binary only, for one os/cpu.
test("writePlatformPackage: one binary, os/cpu set, no bin of its own", () => {
  const dir = writePlatformPackage("windows-x64", hostBinary, tempDir(), "9.9.9");
  const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  expect(json).toMatchObject({ name: "seqorch-windows-x64", version: "9.9.9", os: ["win32"], cpu: ["x64"], files: ["bin/seqorch.exe"] });
  expect(json.bin).toBeUndefined();
  expect(readdirSync(join(dir, "bin"))).toEqual(["seqorch.exe"]);
});
