// The release binaries: what can be checked without running them on their own machines: the executable format and
// CPU each one is for, a code signature on the macOS ones (Apple silicon refuses unsigned code), and SHA256SUMS
// matching the files. `npm test` builds only this machine's binary (dist/seqorch: cross targets need their Bun
// runtimes downloaded), so that one is always checked, and the cross-compiled ones (`npm run build:all`) are
// checked too when they are in dist/.
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, openSync, readFileSync, readSync, closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assetName, sha256, sha256sums, TARGETS, targetOf, type TargetName } from "../../scripts/build.ts";
import { cleanUp, hostBinary, repoRoot, run, tempDir, VERSION_LINE } from "./helpers.ts";

afterAll(cleanUp);

const dist = join(repoRoot, "dist");

function head(file: string, bytes = 65536): DataView {
  const buf = Buffer.alloc(bytes);
  const fd = openSync(file, "r");
  try {
    readSync(fd, buf, 0, bytes, 0);
  } finally {
    closeSync(fd);
  }
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

const ELF_MACHINE: Record<string, number> = { x64: 0x3e, arm64: 0xb7 };
const MACHO_CPU: Record<string, number> = { x64: 0x01000007, arm64: 0x0100000c };
const LC_CODE_SIGNATURE = 0x1d;

function checkFormat(target: TargetName, file: string): void {
  const { os, cpu } = TARGETS[target];
  const b = head(file);
  if (os === "linux") {
    expect(b.getUint32(0)).toBe(0x7f454c46); // \x7fELF
    expect(b.getUint8(4)).toBe(2); // 64-bit
    expect(b.getUint16(18, true)).toBe(ELF_MACHINE[cpu]!);
  } else if (os === "darwin") {
    expect(b.getUint32(0, true)).toBe(0xfeedfacf); // Mach-O 64-bit
    expect(b.getUint32(4, true)).toBe(MACHO_CPU[cpu]!);
    const commands: number[] = [];
    for (let i = 0, off = 32; i < b.getUint32(16, true); i++, off += b.getUint32(off + 4, true)) commands.push(b.getUint32(off, true));
    expect(commands).toContain(LC_CODE_SIGNATURE);
  } else {
    expect(String.fromCharCode(b.getUint8(0), b.getUint8(1))).toBe("MZ");
    const pe = b.getUint32(0x3c, true);
    expect(b.getUint32(pe)).toBe(0x50450000); // "PE\0\0"
    expect(b.getUint16(pe + 4, true)).toBe(0x8664); // AMD64
    expect(b.getUint16(pe + 24, true)).toBe(0x20b); // PE32+
    expect(b.getUint16(pe + 24 + 68, true)).toBe(3); // console subsystem: --help prints to the terminal
  }
}

const host = targetOf(process.platform, process.arch);

/** Release binaries present: this machine's (dist/seqorch, as its release asset name) and any cross-compiled ones. */
function releaseBinaries(): { target: TargetName; file: string }[] {
  const found = (Object.keys(TARGETS) as TargetName[]).map((target) => ({ target, file: join(dist, assetName(target)) })).filter((b) => existsSync(b.file));
  if (host && !found.some((b) => b.target === host)) found.push({ target: host, file: hostBinary });
  return found;
}

/** `sha256sum -c SHA256SUMS` (or `shasum -a 256 -c`) in `dir`, as install.sh and a user check a download. */
async function checkSums(dir: string): Promise<{ code: number | null; out: string }> {
  const argv = Bun.which("sha256sum") ? ["sha256sum", "-c", "SHA256SUMS"] : ["shasum", "-a", "256", "-c", "SHA256SUMS"];
  const r = await run(argv, { cwd: dir });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe("release binaries", () => {
  test("this machine has a release target, and npm test built its binary", () => {
    expect(host).not.toBeNull();
    expect(existsSync(hostBinary)).toBe(true);
  });

  test("every release binary in dist/ has its target's executable format and CPU; this machine's runs", async () => {
    const binaries = releaseBinaries();
    expect(binaries.map((b) => b.target)).toContain(host!);
    for (const { target, file } of binaries) {
      checkFormat(target, file);
      if (target === host) {
        const r = await run([file, "--version"], { env: { PATH: "/usr/bin:/bin" } });
        expect(r.stdout).toMatch(VERSION_LINE);
      }
    }
    // build:all also writes dist/SHA256SUMS for the cross-compiled binaries: it must match them.
    const sums = join(dist, "SHA256SUMS");
    for (const line of existsSync(sums) ? readFileSync(sums, "utf8").trim().split("\n") : []) {
      const [hash, name] = line.split(/ [ *]/) as [string, string];
      expect(name).toMatch(/^seqorch-[a-z]+-[a-z0-9]+(\.exe)?$/);
      expect(await sha256(join(dist, name))).toBe(hash);
    }
  });

  test("SHA256SUMS as build.ts writes it is what sha256sum -c accepts, and catches a changed byte", async () => {
    const dir = tempDir();
    const names = releaseBinaries().map(({ target, file }) => {
      copyFileSync(file, join(dir, assetName(target)));
      return join(dir, assetName(target));
    });
    writeFileSync(join(dir, "SHA256SUMS"), await sha256sums(names));
    const ok = await checkSums(dir);
    expect(ok.out).toContain(`${assetName(host!)}: OK`);
    expect(ok.code).toBe(0);
    const bytes = readFileSync(names[0]!);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    writeFileSync(names[0]!, bytes);
    expect((await checkSums(dir)).code).not.toBe(0);
  });
});
