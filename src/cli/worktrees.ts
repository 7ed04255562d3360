// `seqorch worktrees --spec DIR [--prune] [--json]`: the unit worktrees and branches a spec's parallel runs left,
// and their clean-up (merged ones removed, unmerged commits and uncommitted changes kept).
import { defineCommand } from "citty";
import { SpecNotFoundError } from "../errors.ts";
import { insideGitRepo, pruneSpecWorktrees, specWorktrees, type SpecWorktree } from "../git/spec-worktrees.ts";
import { mainCheckout } from "../git/worktree.ts";
import { log } from "../log.ts";
import { acquireLock } from "../store/lock.ts";
import { rejectUnknown } from "./run-options.ts";
import { specFromArgs } from "./spec-args.ts";

const worktreesArgs = {
  spec: { type: "string", description: "Spec folder", valueHint: "DIR", required: false },
  prune: { type: "boolean", description: "Remove merged worktrees and branches, and clean worktrees of unmerged branches (branches kept)" },
  json: { type: "boolean", description: "Print one JSON object" },
  "state-file": { type: "string", description: "State file (default <spec>/SEQUENTIAL_STATE.json); its lock guards --prune", valueHint: "FILE" },
} as const;

/** One line per row: `unit  state  branch  path`. */
function rowLine(row: SpecWorktree): string {
  const ahead = row.ahead > 0 ? ` (${row.ahead} commit(s) not merged)` : "";
  return `  ${row.unit}  ${row.state}${ahead}  ${row.branch ?? "(detached)"}  ${row.path ?? "(no worktree)"}`;
}

export const worktreesCommand = defineCommand({
  meta: { name: "worktrees", description: "List the unit worktrees of a spec's parallel runs; --prune cleans them up" },
  args: worktreesArgs,
  async run({ args }) {
    rejectUnknown(args as Record<string, unknown>, worktreesArgs);
    const { spec, stateFile } = specFromArgs(args);
    if (!(await insideGitRepo(spec.specDir))) throw new SpecNotFoundError(spec.specDir, "not inside a git repository (worktrees need one)");
    const repo = await mainCheckout(spec.specDir);
    const rows = await specWorktrees(repo, spec.specDir, spec.name);
    if (!args.prune) {
      if (args.json) process.stdout.write(`${JSON.stringify({ repo, worktrees: rows })}\n`);
      else if (rows.length === 0) log.info(`No unit worktrees or branches for ${spec.name}`);
      else process.stdout.write(`Worktrees of ${spec.name} in ${repo}:\n${rows.map(rowLine).join("\n")}\n`);
      return 0;
    }
    const lock = acquireLock(`${stateFile}.lock`);
    try {
      const results = await pruneSpecWorktrees(repo, rows);
      if (args.json) process.stdout.write(`${JSON.stringify({ repo, pruned: results.map((r) => ({ ...r.row, action: r.action, note: r.note })) })}\n`);
      else if (results.length === 0) log.info(`No unit worktrees or branches for ${spec.name}`);
      else for (const r of results) process.stdout.write(`  ${r.row.unit}: ${r.action}: ${r.note}\n`);
      return results.some((r) => r.action === "kept") ? 1 : 0;
    } finally {
      lock.release();
    }
  },
});
