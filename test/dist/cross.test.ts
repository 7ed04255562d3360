// The release binaries `npm run build:all` cross-compiles (skipped for those not built: CI's `npm test` builds only
// the host one). What can be checked here without running them: the executable format and CPU each one is for,
// a code signature on the macOS ones (Apple silicon refuses unsigned code), and SHA256SUMS matching the files.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, openSync, readFileSync, readSync, closeSync } from "node:fs";
import { join } from "node:path";
import { assetName, sha256, TARGETS, targetOf, type TargetName } from "../../scripts/build.ts";
import { cleanUp, repoRoot, run, VERSION_LINE } from "./helpers.ts";

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

describe("release binaries", () => {
  for (const target of Object.keys(TARGETS) as TargetName[]) {
    const file = join(dist, assetName(target));
    test.skipIf(!existsSync(file))(`${assetName(target)}: executable format and CPU`, async () => {
      checkFormat(target, file);
      if (target === targetOf(process.platform, process.arch)) {
        const r = await run([file, "--version"], { env: { PATH: "/usr/bin:/bin" } });
        expect(r.stdout).toMatch(VERSION_LINE);
      }
    });
  }

  test.skipIf(!existsSync(join(dist, "SHA256SUMS")))("SHA256SUMS matches the binaries beside it", async () => {
    const lines = readFileSync(join(dist, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const [hash, name] = line.split(/ [ *]/) as [string, string];
      expect(name).toMatch(/^seqorch-[a-z]+-[a-z0-9]+(\.exe)?$/);
      expect(await sha256(join(dist, name))).toBe(hash);
    }
  });
});
