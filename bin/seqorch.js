#!/usr/bin/env node
// The `seqorch` command of the npm package (npm runs it with node). It starts the real CLI and steps aside:
//   1. Bun on PATH (or this launcher itself run by Bun): `bun dist/seqorch.mjs`, the bundled CLI, with .env and
//      bunfig.toml autoloading off as in the compiled binary;
//   2. otherwise the prebuilt executable from the platform package npm installed for this machine
//      (seqorch-<os>-<arch>, an optional dependency of seqorch);
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

function findBun() {
  if (process.versions.bun) return process.execPath;
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
  const lines = [`seqorch: cannot run on this machine (${target}): Bun is not on PATH and no prebuilt seqorch binary is installed.`];
  if (TARGETS.includes(target)) {
    lines.push(
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
  const child = spawn(argv[0], argv.slice(1), { stdio: "inherit" });
  // Ctrl-C and a closing terminal signal the whole foreground process group, the CLI included, and a second
  // SIGINT/SIGHUP makes it exit at once: so the launcher only outlives them. SIGTERM is usually sent to one pid
  // (kill, a supervisor): pass it on.
  const ignore = () => {};
  const forward = (signal) => child.kill(signal);
  process.on("SIGINT", ignore);
  if (!windows) process.on("SIGHUP", ignore);
  process.on("SIGTERM", forward);
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
