// The live display with wide characters in a real terminal (a tmux pane, read with capture-pane) at 140 and 80
// columns: CJK titles, emoji and combining marks. The status line is redrawn in place and never wraps; in 80
// columns unit, attempt and elapsed time come first and the title is cut; the summary's columns line up and its
// Time column does not wrap.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { quoteShellArg } from "../../src/runner/shell-quote.ts";
import { binary, cleanUp, makeSpec, privateTmux, scriptedAgent, tempDir, until } from "./harness.ts";

afterAll(cleanUp);

const TASKS = [
  "- [ ] 1. 사용자 인증 흐름을 구현하고 세션 토큰을 안전하게 저장한 뒤 만료와 갱신을 모두 처리한다",
  "- [ ] 2. Ship the 🚀 launch page with ✅ checks, 🎉 confetti and 👍 feedback for every new signup today",
  "- [ ] 3. Cafe\u0301 cre\u0300me bru\u0302le\u0301e: re\u0301sume\u0301 the nai\u0308ve coo\u0308perative flow of the whole app",
  "",
].join("\n");


/** The pane's lines as tmux draws them (a wrapped line shows as two). */
function capture(socket: string): string[] {
  return Bun.spawnSync(["tmux", "-L", socket, "capture-pane", "-p", "-t", "=view:"]).stdout.toString().split("\n");
}

for (const columns of [140, 80]) {
  describe(`wide characters in a ${columns}-column pane`, () => {
    test("the status line stays one line, redrawn in place; the summary lines up and does not wrap", async () => {
      const dir = tempDir();
      const { spec } = makeSpec(TASKS);
      const screen = privateTmux();
      const agents = privateTmux();
      // Each unit waits until its release file exists, so the status line can be read during the unit.
      const agent = scriptedAgent(dir, `cat >/dev/null; touch '${dir}/working-'"$SEQORCH_TASK_ID"; while [ ! -e '${dir}/release-'"$SEQORCH_TASK_ID" ]; do sleep 0.1; done; echo '<promise>TASK_DONE</promise>'`);
      const command = [binary, "run", "--spec", spec, "--delay", "0", "--tmux-socket", agents, "--agent-command", agent.command].map(quoteShellArg).join(" ");
      const shell = `env -u CI -u NO_COLOR ${command}; echo "EXIT=$?"; sleep 60`;
      expect(Bun.spawnSync(["tmux", "-L", screen, "new-session", "-d", "-s", "view", "-x", String(columns), "-y", "50", shell]).exitCode).toBe(0);

      for (const unit of ["1", "2", "3"]) {
        await until(() => existsSync(join(dir, `working-${unit}`)));
        // Two redraws a second apart: still one status line, and it never wraps onto a second row.
        const first = await until(() => {
          const lines = capture(screen).filter((l) => l.startsWith("◐ unit"));
          return lines.length === 1 && /\d\.\d s \(run/.test(lines[0]!) && lines;
        });
        await Bun.sleep(1_200);
        const screenLines = capture(screen);
        const status = screenLines.filter((l) => l.startsWith("◐ unit"));
        expect(status).toHaveLength(1);
        const line = status[0]!;
        expect(line).not.toBe(first[0]); // the timer moved: it was redrawn, in place
        expect(Bun.stringWidth(line)).toBeLessThan(columns);
        // The row under the status line is empty: nothing wrapped onto it.
        expect(screenLines[screenLines.indexOf(line) + 1]?.trim() ?? "").toBe("");
        expect(line).toMatch(new RegExp(`^◐ unit ${unit}/3: ${unit} .+ · attempt 1/3 · (command · )?\\d+\\.\\d s \\(run \\d+\\.\\d s\\)`));
        if (columns === 80) expect(line).toContain("… · attempt 1/3");
        Bun.spawnSync(["touch", join(dir, `release-${unit}`)]);
      }

      const after = await until(() => {
        const lines = capture(screen);
        return lines.some((l) => l.startsWith("EXIT=")) && lines;
      });
      expect(after).toContain("EXIT=0");
      const head = after.findIndex((l) => /^Unit\s+Title\s+Attempts\s+Failed\s+Result\s+Time$/.test(l));
      expect(head).toBeGreaterThanOrEqual(0);
      const rows = after.slice(head + 1, head + 4);
      const timeAt = Bun.stringWidth(after[head]!.slice(0, after[head]!.indexOf("Time")));
      const resultAt = Bun.stringWidth(after[head]!.slice(0, after[head]!.indexOf("Result")));
      for (const [i, row] of rows.entries()) {
        expect(row).toMatch(new RegExp(`^${i + 1}\\s+\\S.*\\s+1\\s+0\\s+done\\s+\\d+\\.\\d s$`));
        expect(Bun.stringWidth(row.slice(0, row.indexOf("done")))).toBe(resultAt);
        expect(Bun.stringWidth(row.slice(0, row.search(/\d+\.\d s$/)))).toBe(timeAt);
        expect(Bun.stringWidth(row)).toBeLessThan(columns);
      }
      expect(after[head + 4]).toMatch(/^3 unit\(s\) done, 0 failed attempt\(s\)/);
    }, 60_000);
  });
}
