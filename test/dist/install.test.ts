// install.sh against a release served from 127.0.0.1 (Bun.serve over a temp copy of the host binary and its
// SHA256SUMS): it installs a binary that runs, and on a checksum mismatch it stops before touching the prefix.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assetName, sha256sums, targetOf } from "../../scripts/build.ts";
import { cleanUp, commandsDir, hostBinary, repoRoot, run, tempDir, VERSION_LINE } from "./helpers.ts";

afterAll(cleanUp);

const installSh = join(repoRoot, "install.sh");
const target = targetOf(process.platform, process.arch);
if (!target) throw new Error(`no release target for ${process.platform}-${process.arch}`);
const asset = assetName(target);

/** Release folders by name: /<release>/<file>. */
const releases = new Map<string, string>();
let server: ReturnType<typeof Bun.serve>;
const requests: string[] = [];

/** A release folder holding this machine's binary and a SHA256SUMS; `tamper` edits the files before serving. */
async function release(name: string, tamper?: (dir: string) => void): Promise<string> {
  const dir = join(tempDir("seqorch-release-"), name);
  mkdirSync(dir);
  copyFileSync(hostBinary, join(dir, asset));
  writeFileSync(join(dir, "SHA256SUMS"), await sha256sums([join(dir, asset)]));
  tamper?.(dir);
  releases.set(name, dir);
  return `http://127.0.0.1:${server.port}/${name}`;
}

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const [, name, file, ...rest] = new URL(req.url).pathname.split("/");
      requests.push(new URL(req.url).pathname);
      const dir = releases.get(name ?? "");
      if (!dir || !file || rest.length || !["SHA256SUMS", asset].includes(file) || !existsSync(join(dir, file))) return new Response("not found", { status: 404 });
      return new Response(Bun.file(join(dir, file)));
    },
  });
});
afterAll(() => server.stop(true));

async function install(args: string[], env: Record<string, string>, path = process.env.PATH!) {
  return run(["/bin/sh", installSh, ...args], { cwd: tempDir(), env: { PATH: path, ...env } });
}

function binFiles(prefix: string): string[] {
  return existsSync(join(prefix, "bin")) ? readdirSync(join(prefix, "bin")) : [];
}

describe("install.sh", () => {
  test("the served SHA256SUMS is what sha256sum -c accepts", async () => {
    await release("format");
    const r = await run(["sha256sum", "-c", "SHA256SUMS"], { cwd: releases.get("format")! });
    expect(r.stdout).toBe(`${asset}: OK\n`);
  });

  test("--prefix: downloads, checks, installs to PREFIX/bin/seqorch, which runs", async () => {
    const base = await release("ok");
    const home = tempDir();
    const prefix = join(tempDir(), "opt");
    const r = await install(["--prefix", prefix], { HOME: home, SEQORCH_INSTALL_BASE_URL: base });
    expect(r.stderr).toContain("checksum OK");
    expect(r.code).toBe(0);
    expect(binFiles(prefix)).toEqual(["seqorch"]); // no staging file left behind
    expect(existsSync(join(home, ".local"))).toBe(false);
    const v = await run([join(prefix, "bin", "seqorch"), "--version"]);
    expect(v.stdout).toMatch(VERSION_LINE);
    expect(r.stderr).toContain(`installed ${v.stdout.trim()} to ${join(prefix, "bin", "seqorch")}`);
    expect(requests).toContain(`/ok/${asset}`);
  });

  test("default prefix is ~/.local, PREFIX overrides it, and a second install replaces the binary", async () => {
    const base = await release("default");
    const home = tempDir();
    const r = await install([], { HOME: home, SEQORCH_INSTALL_BASE_URL: base });
    expect(r.code).toBe(0);
    expect((await run([join(home, ".local", "bin", "seqorch"), "--version"])).stdout).toMatch(VERSION_LINE);
    expect(r.stderr).toContain("is not on PATH"); // ~/.local/bin is not on the test's PATH

    writeFileSync(join(home, ".local", "bin", "seqorch"), "old");
    const again = await install([], { HOME: home, SEQORCH_INSTALL_BASE_URL: base });
    expect(again.code).toBe(0);
    expect(readFileSync(join(home, ".local", "bin", "seqorch")).length).toBeGreaterThan(1000);

    const prefix = join(tempDir(), "p");
    const viaEnv = await install([], { HOME: home, PREFIX: prefix, SEQORCH_INSTALL_BASE_URL: base });
    expect(viaEnv.code).toBe(0);
    expect(binFiles(prefix)).toEqual(["seqorch"]);
  });

  test("a tampered SHA256SUMS aborts with an error and installs nothing", async () => {
    const base = await release("bad-sums", (dir) => {
      const sums = readFileSync(join(dir, "SHA256SUMS"), "utf8");
      writeFileSync(join(dir, "SHA256SUMS"), `${sums[0] === "0" ? "1" : "0"}${sums.slice(1)}`);
    });
    const home = tempDir();
    const prefix = join(tempDir(), "p");
    const r = await install(["--prefix", prefix], { HOME: home, SEQORCH_INSTALL_BASE_URL: base });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`checksum mismatch for ${asset}`);
    expect(r.stderr).toContain("nothing installed");
    expect(existsSync(prefix)).toBe(false);
    expect(existsSync(join(home, ".local"))).toBe(false);
  });

  test("a tampered binary aborts and leaves an installed seqorch as it was", async () => {
    const base = await release("bad-binary", (dir) => writeFileSync(join(dir, asset), Buffer.concat([readFileSync(join(dir, asset)), Buffer.from("x")])));
    const prefix = join(tempDir(), "p");
    mkdirSync(join(prefix, "bin"), { recursive: true });
    writeFileSync(join(prefix, "bin", "seqorch"), "previous version");
    const r = await install([`--prefix=${prefix}`], { HOME: tempDir(), SEQORCH_INSTALL_BASE_URL: base });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("checksum mismatch");
    expect(readFileSync(join(prefix, "bin", "seqorch"), "utf8")).toBe("previous version");
    expect(binFiles(prefix)).toEqual(["seqorch"]);
  });

  test("SHA256SUMS without this machine's binary, or a missing binary, aborts", async () => {
    const noEntry = await release("no-entry", (dir) => writeFileSync(join(dir, "SHA256SUMS"), `${"0".repeat(64)}  seqorch-other-os\n`));
    const prefix = join(tempDir(), "p");
    const r = await install(["--prefix", prefix], { HOME: tempDir(), SEQORCH_INSTALL_BASE_URL: noEntry });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`SHA256SUMS has no entry for ${asset}`);
    expect(existsSync(prefix)).toBe(false);

    const missing = await install(["--prefix", prefix], { HOME: tempDir(), SEQORCH_INSTALL_BASE_URL: `http://127.0.0.1:${server.port}/nowhere` });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("cannot download");
    expect(existsSync(prefix)).toBe(false);
  });

  // The other tools install.sh can use: a PATH holding only what it needs, with wget instead of curl and shasum
  // (then openssl) instead of sha256sum.
  const coreTools = ["uname", "mktemp", "rm", "awk", "cut", "tr", "mkdir", "cp", "chmod", "mv", "cat", "ls"];
  for (const [fetcher, hasher] of [["wget", "shasum"], ["curl", "openssl"]] as const) {
    test.skipIf(!Bun.which(fetcher) || !Bun.which(hasher))(`works with ${fetcher} and ${hasher}`, async () => {
      const url = await release(`${fetcher}-${hasher}`);
      const path = commandsDir([...coreTools, fetcher, hasher]);
      const prefix = join(tempDir(), "p");
      const ok = await install(["--prefix", prefix], { HOME: tempDir(), SEQORCH_INSTALL_BASE_URL: url }, path);
      expect(ok.stderr).toContain("checksum OK");
      expect(ok.code).toBe(0);
      expect((await run([join(prefix, "bin", "seqorch"), "--version"])).stdout).toMatch(VERSION_LINE);

      const bad = await release(`${fetcher}-${hasher}-bad`, (dir) => writeFileSync(join(dir, asset), "not the binary"));
      const prefix2 = join(tempDir(), "p");
      const r = await install(["--prefix", prefix2], { HOME: tempDir(), SEQORCH_INSTALL_BASE_URL: bad }, path);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("checksum mismatch");
      expect(existsSync(prefix2)).toBe(false);
    });
  }

  test("no checksum tool: refuses rather than install unchecked", async () => {
    const url = await release("no-hasher");
    const prefix = join(tempDir(), "p");
    const r = await install(["--prefix", prefix], { HOME: tempDir(), SEQORCH_INSTALL_BASE_URL: url }, commandsDir([...coreTools, "curl"]));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("needs sha256sum, shasum or openssl");
    expect(existsSync(prefix)).toBe(false);
  });

  test("--help and unknown arguments", async () => {
    expect((await install(["--help"], { HOME: tempDir() })).stdout).toContain("--prefix DIR");
    const r = await install(["--bogus"], { HOME: tempDir() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unknown argument: --bogus");
  });
});
