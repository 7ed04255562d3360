#!/usr/bin/env node
// The `seqorch` command of the npm package (npm runs it with node). It starts the real CLI and steps aside:
//   1. `bun dist/seqorch.mjs`, the bundled CLI, with .env and bunfig.toml autoloading off as in the compiled
//      binary, run by: this launcher's own Bun when Bun runs it (bunx); else the Bun of the `bun` npm package
//      seqorch depends on (its platform binary comes through that package's optional dependencies, so
//      `npm i -g seqorch` needs nothing else installed); else a Bun on PATH;
//   2. otherwise the prebuilt executable from a platform package (seqorch-<os>-<arch>) when one is installed;
//   3. otherwise it says what to install and exits 69 (EX_UNAVAILABLE).
// On POSIX with process.execve (Node >= 22.15, Bun) the launcher is replaced by the CLI: same pid, signals and
// exit status. Elsewhere it runs the CLI as a child and passes its exit status (or signal) on.
import { spawn } from "node:child_process";
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { constants as osConstants } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const windows = process.platform === "win32";
const target = `${windows ? "windows" : process.platform}-${process.arch}`;
const TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"];

function isExecutable(path) {
  try {
    if (!statSync(path).isFile()) return false;
    if (!windows) accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Names of the `@oven/bun-*` packages that may hold this machine's Bun, most likely first. */
function ovenPackages() {
  const os = windows ? "windows" : process.platform;
  const arch = process.arch === "arm64" ? "aarch64" : process.arch;
  const base = `bun-${os}-${arch}`;
  return [base, `${base}-baseline`, `${base}-musl`, `${base}-musl-baseline`];
}

/** A real Bun binary, not the small placeholder the `bun` package ships until its postinstall has run. */
function isBunBinary(path) {
  return isExecutable(path) && statSync(path).size > 1_000_000;
}

/**
 * The Bun of the `bun` dependency: its bin/bun.exe once its postinstall has put the binary there, else the
 * binary inside the platform package it depends on (`npm i --ignore-scripts` leaves it there).
 */
function dependencyBun() {
  let bunPackage;
  try {
    bunPackage = createRequire(import.meta.url).resolve("bun/package.json");
  } catch (error) {
    if (error?.code === "MODULE_NOT_FOUND") return null; // not installed (--omit=optional, or a checkout without npm ci)
    throw error;
  }
  const linked = join(dirname(bunPackage), "bin", "bun.exe");
  if (isBunBinary(linked)) return linked;
  const require = createRequire(bunPackage);
  for (const name of ovenPackages()) {
    try {
      const exe = join(dirname(require.resolve(`@oven/${name}/package.json`)), "bin", windows ? "bun.exe" : "bun");
      if (isBunBinary(exe)) return exe;
    } catch (error) {
      if (error?.code !== "MODULE_NOT_FOUND") throw error; // else that platform package is not installed: try the next
    }
  }
  return null;
}

function findBun() {
  if (process.versions.bun) return process.execPath;
  const own = dependencyBun();
  if (own) return own;
  const name = windows ? "bun.exe" : "bun";
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function findBinary() {
  try {
    const pkg = createRequire(import.meta.url).resolve(`seqorch-${target}/package.json`);
    const exe = join(dirname(pkg), "bin", windows ? "seqorch.exe" : "seqorch");
    return isExecutable(exe) ? exe : null;
  } catch {
    return null;
  }
}

function command() {
  const args = process.argv.slice(2);
  const bun = findBun();
  if (bun) return [bun, "--no-env-file", `--config=${join(here, "empty-bunfig.toml")}`, join(root, "dist", "seqorch.mjs"), ...args];
  const binary = findBinary();
  if (binary) return [binary, ...args];
  return null;
}

function unavailable() {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const lines = [`seqorch: cannot run on this machine (${target}): the bun package seqorch depends on has no binary here, Bun is not on PATH and no prebuilt seqorch binary is installed.`];
  if (TARGETS.includes(target)) {
    lines.push(
      `  - reinstall without --omit=optional (npm i -g seqorch), or`,
      `  - install Bun (https://bun.sh), or`,
      `  - install the binary package: npm i -g seqorch-${target}@${version} (npm installs it with seqorch unless optional dependencies are omitted), or`,
      `  - install the standalone binary: curl -fsSL https://github.com/seqorch/seqorch/releases/latest/download/install.sh | sh`,
    );
  } else {
    lines.push(`  There is no prebuilt binary for ${target}; install Bun (https://bun.sh) and run seqorch with it.`);
  }
  process.stderr.write(`${lines.join("\n")}\n`);
  process.exit(69);
}

function run(argv) {
  if (!windows && typeof process.execve === "function") {
    try {
      process.execve(argv[0], argv, process.env); // does not return
    } catch {
      // fall through to a child process
    }
  }
  // Ctrl-C and a closing terminal signal the whole foreground process group, the CLI included, and a second
  // SIGINT/SIGHUP makes it exit at once: so the launcher only outlives them. SIGTERM is usually sent to one pid
  // (kill, a supervisor): pass it on. The handlers are in place before the child exists, so a SIGTERM that comes
  // while it is being started is passed on too (handlers run after this function), never leaving it orphaned.
  let child = null;
  const ignore = () => {};
  const forward = (signal) => child?.kill(signal);
  process.on("SIGINT", ignore);
  if (!windows) process.on("SIGHUP", ignore);
  process.on("SIGTERM", forward);
  child = spawn(argv[0], argv.slice(1), { stdio: "inherit" });
  child.on("error", (error) => {
    process.stderr.write(`seqorch: cannot start ${argv[0]}: ${error.message}\n`);
    process.exit(69);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal); // die the same way; if that signal is ignored here, exit as a shell would report it
      setTimeout(() => process.exit(128 + (osConstants.signals[signal] ?? 0)), 100);
      return;
    }
    process.exit(code ?? 1);
  });
}

const argv = command();
if (argv) run(argv);
else unavailable();
