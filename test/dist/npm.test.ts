// The npm package: `npm pack` holds the launcher, the bundle and nothing else; installed globally from the
// tarball into a temp prefix with a PATH that holds node and no Bun, `seqorch` runs the bundle with the Bun of
// its `bun` dependency (after that package's postinstall, or from its platform package with --ignore-scripts);
// with a Bun on PATH too; with a prebuilt platform binary when the bun package has none; and says what to
// install when it has nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync } from "node:fs";
import { basename, join } from "node:path";
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

/**
 * Linux: start `cli demo-agent` (pausing a minute per step: a CLI process that stays up until stopped), find the
 * CLI process under the launcher in /proc, SIGTERM the launcher, and expect both gone. With process.execve
 * (Node >= 22.15) the launcher *is* the CLI; with older Node the CLI is a child that must get the SIGTERM.
 */
async function expectSigtermStops(cli: string, env: Record<string, string | undefined>): Promise<void> {
  const proc = Bun.spawn([cli, "demo-agent"], { cwd: tempDir(), env: { ...env, SEQORCH_DEMO_PAUSE_MS: "60000" }, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  onCleanup(() => proc.kill("SIGKILL"));
  // The CLI is the process running Bun or the seqorch binary: the launcher itself after an execve, else its child
  // (not `env` or `node` still starting: their executable tells them apart).
  const isCli = (pid: number) => /^(bun|bun\.exe|seqorch)$/.test(basename(readlinkSync(`/proc/${pid}/exe`)));
  let child = 0;
  for (let i = 0; i < 100 && !child; i++) {
    await Bun.sleep(50);
    const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim();
    if (isCli(proc.pid)) child = proc.pid;
    else if (children && isCli(Number(children.split(" ")[0]))) child = Number(children.split(" ")[0]);
  }
  expect(child).toBeGreaterThan(0);
  onCleanup(() => {
    if (existsSync(`/proc/${child}`)) process.kill(child, "SIGKILL");
  });
  proc.kill("SIGTERM");
  await proc.exited;
  expect(proc.signalCode).toBe("SIGTERM");
  let gone = false;
  for (let i = 0; i < 40 && !gone; i++) {
    gone = !existsSync(`/proc/${child}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${child}/status`, "utf8"));
    if (!gone) await Bun.sleep(50);
  }
  expect(gone).toBe(true);
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

/** Install `tarball` globally into `<work>/<name>`; returns the prefix. */
async function installGlobal(work: string, name: string, tarball: string, extra: string[] = []): Promise<string> {
  const prefix = join(work, name);
  const r = await npm(["install", "--global", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", ...extra, tarball], work);
  if (r.code !== 0) throw new Error(`npm install -g ${extra.join(" ")} failed: ${r.stderr}`);
  return prefix;
}

describe("npm i -g <tarball>", () => {
  let prefix: string;
  let seqorch: string;
  let launcher: string;
  let env: Record<string, string | undefined>;
  let nodeOnly: string;
  let withBun: string;
  /** Installed with --ignore-scripts: the bun package's bin/bun.exe is its placeholder, the binary is in @oven/bun-*. */
  let noScripts: string;

  beforeAll(async () => {
    const work = tempDir("seqorch-npm-");
    const tarball = join(work, (await pack(".", work)).filename);
    [prefix, noScripts] = await Promise.all([installGlobal(work, "prefix", tarball), installGlobal(work, "no-scripts", tarball, ["--ignore-scripts"])]);
    seqorch = join(prefix, "bin", "seqorch");
    launcher = join(prefix, "lib", "node_modules", "seqorch", "bin", "seqorch.js");
    // PATHs with node (for the bin shim's `#!/usr/bin/env node`) and the prefix's bin, with and without bun.
    nodeOnly = commandsDir([], { node: nodePath() });
    withBun = commandsDir([], { node: nodePath(), bun: process.execPath });
    env = cleanEnv({ HOME: tempDir(), TMPDIR: tempDir() });
  }, 120_000);

  /** PATH: `dirs`, then the install's bin folder (nothing else: no Bun unless `dirs` brings it). */
  const at = (...dirs: string[]) => ({ ...env, PATH: [...dirs, join(prefix, "bin")].join(":") });
  const noBunPath = (installed: string) => ({ ...env, PATH: [nodeOnly, join(installed, "bin")].join(":") });

  test("installs the seqorch command", () => {
    expect(existsSync(seqorch)).toBe(true);
    expect(statSync(seqorch).mode & 0o111).not.toBe(0);
    expect(Bun.which("bun", { PATH: at(nodeOnly).PATH })).toBeNull();
  });

  test("without Bun on PATH: --version, --help and exit codes, run by the bun package's Bun", async () => {
    const cwd = tempDir();
    const v = await run([seqorch, "--version"], { cwd, env: at(nodeOnly) });
    expect(v.stderr).toBe("");
    expect(v.stdout).toMatch(VERSION_LINE);
    const help = await run([seqorch, "--help"], { cwd, env: at(nodeOnly) });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("run");
    const bad = await run([seqorch, "no-such-command"], { cwd, env: at(nodeOnly) });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("no-such-command");
  });

  test("without Bun on PATH: `seqorch demo --no-tmux` runs the whole demo spec", async () => {
    const dir = join(tempDir(), "demo");
    const r = await run([seqorch, "demo", "--no-tmux", "--delay", "0", "--dir", dir], { cwd: tempDir(), env: { ...at(nodeOnly), SEQORCH_DEMO_PAUSE_MS: "0" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("All units done");
    expect(readFileSync(join(dir, ".kiro", "specs", "hello-cli", "tasks.md"), "utf8")).not.toContain("- [ ] "); // only the optional 2.3 (- [ ]*) is left
  }, 60_000);

  test("installed with --ignore-scripts (no postinstall): the Bun binary of the bun package's platform package runs it", async () => {
    const bunPackage = join(noScripts, "lib", "node_modules", "seqorch", "node_modules", "bun");
    expect(statSync(join(bunPackage, "bin", "bun.exe")).size).toBeLessThan(100_000); // the placeholder
    const v = await run([join(noScripts, "bin", "seqorch"), "--version"], { cwd: tempDir(), env: noBunPath(noScripts) });
    expect(v.stderr).toBe("");
    expect(v.stdout).toMatch(VERSION_LINE);
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
    for (const path of [at(withBun, nodeOnly), at(nodeOnly)]) {
      const r = await run([seqorch, "no-such-command"], { cwd, env: path });
      expect(r.code).toBe(64);
      expect(r.stdout + r.stderr).not.toContain("PRELOAD RAN");
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  test.skipIf(process.platform !== "linux")("without Bun on PATH: SIGTERM to the seqorch command stops the CLI (bun, a child of node)", async () => {
    await expectSigtermStops(seqorch, at(nodeOnly));
  });

  test.skipIf(process.platform !== "linux")("SIGTERM the moment the launcher has started the CLI (10 times): the CLI never outlives it", async () => {
    const orphans: number[] = [];
    for (let round = 0; round < 10; round++) {
      const proc = Bun.spawn([seqorch, "demo-agent"], { cwd: tempDir(), env: { ...at(nodeOnly), SEQORCH_DEMO_PAUSE_MS: "60000" }, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      onCleanup(() => proc.kill("SIGKILL"));
      let child = 0;
      for (let i = 0; i < 5000 && !child && proc.exitCode === null; i++) {
        const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim();
        if (children) child = Number(children.split(" ")[0]);
        else await Bun.sleep(1);
      }
      proc.kill("SIGTERM"); // as soon as the child exists: the launcher may not have returned from spawn() yet
      await proc.exited;
      if (!child) continue;
      onCleanup(() => {
        if (existsSync(`/proc/${child}`)) process.kill(child, "SIGKILL");
      });
      let gone = false;
      for (let i = 0; i < 60 && !gone; i++) {
        gone = !existsSync(`/proc/${child}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${child}/status`, "utf8"));
        if (!gone) await Bun.sleep(50);
      }
      if (!gone) orphans.push(child);
    }
    expect(orphans).toEqual([]);
  }, 60_000);

  describe("when the bun package has no binary for this machine (no @oven/bun-* package, no postinstall)", () => {
    beforeAll(() => {
      const modules = join(noScripts, "lib", "node_modules", "seqorch", "node_modules");
      renameSync(join(modules, "@oven"), join(modules, "@oven-removed"));
    });

    test("without Bun and without a platform package: says what to install, exit 69", async () => {
      const r = await run([join(noScripts, "bin", "seqorch"), "--help"], { cwd: tempDir(), env: noBunPath(noScripts) });
      expect(r.code).toBe(69);
      expect(r.stderr).toContain("Bun is not on PATH");
      expect(r.stderr).toContain(`npm i -g seqorch-${target}@${pkg.version}`);
    });

    test("a Bun on PATH runs it", async () => {
      const v = await run([join(noScripts, "bin", "seqorch"), "--version"], { cwd: tempDir(), env: { ...env, PATH: [withBun, join(noScripts, "bin")].join(":") } });
      expect(v.stdout).toMatch(VERSION_LINE);
    });
  });

  describe("with the platform package (seqorch-<os>-<arch>) installed", () => {
    beforeAll(async () => {
      const work = tempDir("seqorch-npm-platform-");
      const dir = writePlatformPackage(target, hostBinary, join(work, "pkg"), pkg.version);
      const packed = await pack(dir, work);
      expect(packed.files.map((f) => f.path).sort()).toEqual(["README.md", "bin/seqorch", "package.json"]);
      const r = await npm(["install", "--global", "--prefix", noScripts, "--offline", "--no-audit", "--no-fund", join(work, packed.filename)], work);
      if (r.code !== 0) throw new Error(`npm install -g (platform package) failed: ${r.stderr}`);
    }, 120_000);

    test("without Bun: runs the prebuilt binary (--version, --help, exit codes)", async () => {
      const cwd = tempDir();
      const cli = join(noScripts, "bin", "seqorch");
      const v = await run([cli, "--version"], { cwd, env: noBunPath(noScripts) });
      expect(v.stderr).toBe("");
      expect(v.stdout).toMatch(VERSION_LINE);
      const help = await run([cli, "--help"], { cwd, env: noBunPath(noScripts) });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("run");
      expect((await run([cli, "no-such-command"], { cwd, env: noBunPath(noScripts) })).code).toBe(64);
    });

    test.skipIf(process.platform !== "linux")("SIGTERM to the seqorch command stops the CLI", async () => {
      await expectSigtermStops(join(noScripts, "bin", "seqorch"), noBunPath(noScripts));
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
