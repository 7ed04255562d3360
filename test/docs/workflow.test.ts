// The example GitHub Actions workflow in docs/ (README "Running many specs"): it parses as YAML, runs one job
// per spec of its matrix with a concurrency group per spec, uploads state and progress whatever the outcome,
// pushes the branch, and every `seqorch run` line in it uses flags and values the compiled binary accepts.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { splitArgs } from "../../src/agents/native-options.ts";
import { repoRoot, seqorch } from "../e2e/harness.ts";

const file = join(repoRoot, "docs", "github-actions", "seqorch-specs.yml");
type Step = { name?: string; id?: string; if?: string; run?: string; uses?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { "runs-on": string; strategy: { "fail-fast": boolean; matrix: { spec: string[] } }; concurrency: { group: string; "cancel-in-progress": boolean }; env: Record<string, string>; steps: Step[] };
const workflow = Bun.YAML.parse(readFileSync(file, "utf8")) as { jobs: Record<string, Job>; permissions: Record<string, string> };
const jobs = Object.values(workflow.jobs);

/** The `seqorch run …` commands of a step's script: continuation lines joined, redirections dropped. */
function seqorchRuns(script: string): string[][] {
  return script
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^seqorch run\b/.test(l))
    .map((l) => splitArgs(l.replace(/\s[12]?>{1,2}\s*\S+/g, ""), file).slice(2));
}

/** The flag names `seqorch run --help` lists. */
async function helpFlags(): Promise<Set<string>> {
  const help = await seqorch(["run", "--help"]);
  expect(help.code).toBe(0);
  return new Set([...help.stdout.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!));
}

describe("docs/github-actions/seqorch-specs.yml", () => {
  test("one job per spec of the matrix, each on its own runner, with a concurrency group per spec that never cancels a run", () => {
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.strategy.matrix.spec.length).toBeGreaterThan(1);
    expect(job["runs-on"]).toBeString();
    expect(job.strategy["fail-fast"]).toBe(false);
    expect(job.concurrency.group).toContain("${{ matrix.spec }}");
    expect(job.concurrency["cancel-in-progress"]).toBe(false);
    expect(job.env.SPEC_DIR).toBe(".kiro/specs/${{ matrix.spec }}");
  });

  test("state and progress are uploaded, and the branch pushed, whatever seqorch's exit code", () => {
    const steps = jobs[0]!.steps;
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.if).toBe("always()");
    const paths = String(upload?.with?.path);
    expect(paths).toContain("SEQUENTIAL_STATE.json");
    expect(paths).toContain("SEQUENTIAL_PROGRESS.md");
    const push = steps.find((s) => s.run?.includes("git push"));
    expect(push?.if).toBe("always()");
    expect(push?.run).toContain('HEAD:refs/heads/$BRANCH');
    expect(workflow.permissions.contents).toBe("write");
    // The run step keeps the exit code for the last step, so the upload and push still happen after a halt.
    const run = steps.find((s) => s.run && seqorchRuns(s.run).length > 0)!;
    expect(run.run).toContain("set +e");
    expect(run.run).toContain('echo "code=$code" >> "$GITHUB_OUTPUT"');
    expect(steps.at(-1)?.if).toBe("steps.run.outputs.code != '0'");
  });

  test("every seqorch run line uses flags from `seqorch run --help`, with values the binary accepts", async () => {
    const known = await helpFlags();
    const lines = jobs.flatMap((j) => j.steps.flatMap((s) => (s.run ? seqorchRuns(s.run) : [])));
    expect(lines.length).toBeGreaterThan(0);
    for (const args of lines) {
      const flags = args.filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=")[0]!.replace(/^no-/, ""));
      expect(flags.filter((f) => !known.has(f))).toEqual([]);
      // `seqorch config` resolves and validates the same flags as `run` without running anything.
      const values = args.filter((a) => a !== "--json").map((a) => a.replace("$SPEC_DIR", ".kiro/specs/user-auth"));
      const config = await seqorch(["config", ...values, "--json"]);
      expect(config.stderr).toBe("");
      expect(config.code).toBe(0);
      const resolved = JSON.parse(config.stdout) as Record<string, { value: unknown; source: string }>;
      for (const flag of flags.filter((f) => f !== "json")) expect(resolved[flag]?.source).toBe(`flag --${flag}`);
    }
  });
});
