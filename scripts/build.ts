// The one build definition: standalone executables (`bun build --compile`), the JS bundle the npm package runs
// with Bun, SHA256SUMS for the release binaries, and (with --npm) the per-platform npm packages.
//
//   bun run scripts/build.ts                      all release targets: dist/seqorch-<os>-<arch>[.exe], dist/SHA256SUMS
//   bun run scripts/build.ts --host               this machine only: dist/seqorch (what `npm run build` and the tests use)
//   bun run scripts/build.ts --target linux-arm64,windows-x64
//   … --npm                                       also dist/npm/seqorch-<os>-<arch>/ for each built target (to publish)
//
// Every build also writes dist/seqorch.mjs (the bundle `bin/seqorch.js` runs when Bun is installed).
// Cross targets: Bun downloads their runtimes from the npm registry once (cached under ~/.bun/install/cache).
// The git commit is embedded with `--define SEQORCH_COMMIT="<hash>"` (src/build-info.ts); SEQORCH_COMMIT in the
// environment overrides it; without git (or outside a checkout) it is "unknown".
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { JIT_POLICY } from "../src/build-info.ts";

const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "dist");
const ENTRY = "src/index.ts";

/**
 * Package resolution for every build: the `worker` condition picks @statelyai/inspect's uuid through the global
 * `crypto.randomUUID` instead of `node:crypto`, whose import the bundler hoists to the top of the bundle, so that
 * every command loaded node:crypto (about 0.4 ms and 0.4 MB at each start; `--inspect` is the only user).
 * No other dependency has a `worker` condition; test/dist/bundle-imports.test.ts holds the bundle to no crypto import.
 */
const RESOLVE_FLAGS = ["--conditions=worker"] as const;

/** The flags every executable is built with (JIT policy and no .env/bunfig autoload are deliberate: memory and safety). */
export const COMPILE_FLAGS = [
  "--compile",
  "--minify",
  "--bytecode",
  "--format=esm",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  `--compile-jit-policy=${JIT_POLICY}`,
  ...RESOLVE_FLAGS,
] as const;

export type Target = {
  /** `bun build --target`. x64 uses the -baseline runtime: no AVX2 needed, so it runs on any x86-64 CPU. */
  bun: string;
  /** process.platform / process.arch, for the npm platform package's `os` / `cpu`. */
  os: NodeJS.Platform;
  cpu: string;
  exe: "" | ".exe";
  /** Drop --bytecode for this target (none needs it with Bun 1.4.5: every target built and embedded bytecode). */
  noBytecode?: boolean;
};

export const TARGETS = {
  "linux-x64": { bun: "bun-linux-x64-baseline", os: "linux", cpu: "x64", exe: "" },
  "linux-arm64": { bun: "bun-linux-arm64", os: "linux", cpu: "arm64", exe: "" },
  "darwin-x64": { bun: "bun-darwin-x64-baseline", os: "darwin", cpu: "x64", exe: "" },
  "darwin-arm64": { bun: "bun-darwin-arm64", os: "darwin", cpu: "arm64", exe: "" },
  "windows-x64": { bun: "bun-windows-x64-baseline", os: "win32", cpu: "x64", exe: ".exe" },
} as const satisfies Record<string, Target>;

export type TargetName = keyof typeof TARGETS;

/** The release target name of a platform/arch pair ("linux-x64"), or null when there is no prebuilt binary for it. */
export function targetOf(platform: string, arch: string): TargetName | null {
  const os = platform === "win32" ? "windows" : platform;
  const name = `${os}-${arch}`;
  return name in TARGETS ? (name as TargetName) : null;
}

/** Release asset file name: seqorch-linux-x64, seqorch-windows-x64.exe. */
export function assetName(target: TargetName): string {
  return `seqorch-${target}${TARGETS[target].exe}`;
}

/** Short hash of HEAD in `dir`; `env.SEQORCH_COMMIT` wins; "unknown" without git or outside a checkout. */
export function gitCommit(dir: string = ROOT, env: Record<string, string | undefined> = process.env): string {
  const forced = env.SEQORCH_COMMIT?.trim();
  if (forced) return forced;
  try {
    const git = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: dir, env: env as Record<string, string>, stdout: "pipe", stderr: "ignore" });
    const hash = git.stdout.toString().trim();
    return git.exitCode === 0 && /^[0-9a-f]{4,40}$/.test(hash) ? hash : "unknown";
  } catch {
    return "unknown"; // git is not installed
  }
}

function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

function bun(args: string[]): void {
  const proc = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (proc.exitCode !== 0) throw new Error(`bun ${args.join(" ")} failed (exit ${proc.exitCode})`);
}

/** Compile one executable; `target` null means this machine (the running Bun, no download). */
function compile(target: TargetName | null, outfile: string, commit: string): void {
  const t: Target | null = target && TARGETS[target];
  const flags = t?.noBytecode ? COMPILE_FLAGS.filter((f) => f !== "--bytecode") : [...COMPILE_FLAGS];
  bun(["build", ...flags, ...(target ? [`--target=${TARGETS[target].bun}`] : []), "--define", `SEQORCH_COMMIT=${JSON.stringify(commit)}`, ENTRY, "--outfile", outfile]);
  if (!existsSync(outfile)) throw new Error(`bun build did not write ${outfile}`);
}

/** dist/seqorch.mjs: the CLI bundled for `bun dist/seqorch.mjs` (the npm package's path when Bun is installed). */
function bundle(outfile: string, commit: string): void {
  const banner = `typeof Bun<"u"&&typeof Bun.unsafe?.setJITPolicy=="function"&&Bun.unsafe.setJITPolicy(${JIT_POLICY});`;
  bun(["build", "--target=bun", "--format=esm", "--minify", ...RESOLVE_FLAGS, "--define", `SEQORCH_COMMIT=${JSON.stringify(commit)}`, `--banner=${banner}`, ENTRY, "--outfile", outfile]);
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `sha256sum`-compatible lines ("<hex>  <name>"), sorted by name. */
export async function sha256sums(files: string[]): Promise<string> {
  const lines = await Promise.all([...files].sort().map(async (f) => `${await sha256(f)}  ${basename(f)}\n`));
  return lines.join("");
}

/**
 * An npm package holding one target's binary (`seqorch-<os>-<arch>`, bin/seqorch[.exe]); npm installs only the one
 * whose os/cpu match when the main package lists them all in optionalDependencies. Returns the package folder.
 */
export function writePlatformPackage(target: TargetName, binary: string, outRoot: string, pkgVersion: string): string {
  const t = TARGETS[target];
  const name = `seqorch-${target}`;
  const dir = join(outRoot, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  const exe = join(dir, "bin", `seqorch${t.exe}`);
  copyFileSync(binary, exe);
  chmodSync(exe, 0o755);
  const main = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  const pkg = {
    name,
    version: pkgVersion,
    description: `The seqorch executable for ${target} (installed by the seqorch package; install that instead).`,
    license: main.license,
    ...(main.repository ? { repository: main.repository } : {}),
    os: [t.os],
    cpu: [t.cpu],
    files: [`bin/seqorch${t.exe}`],
    preferUnplugged: true,
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(dir, "README.md"), `# ${name}\n\nThe prebuilt \`seqorch\` executable for ${target}. The \`seqorch\` package runs it when Bun is not installed; install \`seqorch\`, not this.\n`);
  return dir;
}

/** With --npm: the main package must pin every platform package to its own version, or npm users get a stale binary. */
function checkOptionalDependencies(pkgVersion: string): void {
  const main = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { optionalDependencies?: Record<string, string> };
  const optional = main.optionalDependencies ?? {};
  const missing = (Object.keys(TARGETS) as TargetName[]).map((t) => `seqorch-${t}`).filter((n) => !(n in optional));
  if (missing.length) console.warn(`warning: package.json optionalDependencies lacks ${missing.join(", ")}: npm installs without Bun will have no binary`);
  for (const [name, range] of Object.entries(optional)) {
    if (name.startsWith("seqorch-") && range !== pkgVersion) throw new Error(`package.json optionalDependencies.${name} is ${range}, expected ${pkgVersion}`);
  }
}

function parseArgs(argv: string[]): { host: boolean; targets: TargetName[]; npm: boolean } {
  let host = false;
  let npm = false;
  let targets = Object.keys(TARGETS) as TargetName[];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--host") host = true;
    else if (arg === "--npm") npm = true;
    else if (arg === "--target" || arg.startsWith("--target=")) {
      const list = arg === "--target" ? argv[++i] : arg.slice("--target=".length);
      if (!list) throw new Error("--target needs a comma-separated list of targets");
      targets = list.split(",").map((t) => {
        if (!(t in TARGETS)) throw new Error(`unknown target ${t} (targets: ${Object.keys(TARGETS).join(", ")})`);
        return t as TargetName;
      });
    } else throw new Error(`unknown argument ${arg} (usage: build.ts [--host] [--target a,b] [--npm])`);
  }
  return { host, targets, npm };
}

async function main(argv: string[]): Promise<void> {
  const { host, targets, npm } = parseArgs(argv);
  const commit = gitCommit();
  const pkgVersion = version();
  mkdirSync(DIST, { recursive: true });
  console.log(`seqorch ${pkgVersion} (${commit})`);

  bundle(join(DIST, "seqorch.mjs"), commit);

  if (host) {
    const outfile = join(DIST, `seqorch${process.platform === "win32" ? ".exe" : ""}`);
    compile(null, outfile, commit);
    if (npm) {
      const target = targetOf(process.platform, process.arch);
      if (!target) throw new Error(`no release target for ${process.platform}-${process.arch}`);
      console.log(`npm package: ${writePlatformPackage(target, outfile, join(DIST, "npm"), pkgVersion)}`);
    }
    return;
  }

  if (npm) checkOptionalDependencies(pkgVersion);
  const built: string[] = [];
  for (const target of targets) {
    const outfile = join(DIST, assetName(target));
    compile(target, outfile, commit);
    built.push(outfile);
    if (npm) writePlatformPackage(target, outfile, join(DIST, "npm"), pkgVersion);
  }
  writeFileSync(join(DIST, "SHA256SUMS"), await sha256sums(built));
  for (const file of built) console.log(`${basename(file).padEnd(28)} ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  console.log(`SHA256SUMS: ${built.length} binaries`);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
