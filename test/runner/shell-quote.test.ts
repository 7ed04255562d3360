// quoteShellArg: hostile strings survive a round trip through /bin/sh byte for byte, and run nothing.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quoteShellArg } from "../../src/runner/shell-quote.ts";

const dir = mkdtempSync(join(tmpdir(), "seqorch-quote-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hostile = [
  "",
  "plain",
  "two words",
  "$(touch canary)",
  "`touch canary`",
  "'; touch canary; '",
  "\"; touch canary; \"",
  "it's",
  "''",
  "'\\''",
  "a\\b\\\\c\\",
  "; touch canary",
  "&& touch canary || touch canary | touch canary",
  "line1\nline2\n\n",
  "trailing newline\n",
  "#{session_name}",
  "#(touch canary)",
  "${HOME} $HOME $0 $@ $* $$ $? $!",
  "*?[a-z]~",
  "tab\there\rcarriage",
  "unicode: é 日本 🙂",
  "-n",
  "%s %d %%",
];

test.each(hostile.map((s) => [JSON.stringify(s), s]))("round-trips %s through sh", (_label, input) => {
  const proc = Bun.spawnSync(["/bin/sh", "-c", `printf %s ${quoteShellArg(input)}`], { cwd: dir });
  expect(proc.exitCode).toBe(0);
  expect(Buffer.from(proc.stdout).equals(Buffer.from(input, "utf8"))).toBe(true);
  expect(existsSync(join(dir, "canary"))).toBe(false);
});

test("quotes as one single-quoted word", () => {
  expect(quoteShellArg("a'b")).toBe("'a'\\''b'");
  expect(quoteShellArg("")).toBe("''");
});
