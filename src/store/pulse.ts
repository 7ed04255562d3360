// PROJECT_PULSE.md: the page a person reads in the morning, rendered from the state and the plan alone (never
// parsed back), written atomically. The reference's four sections (shared/reference/multi-agent-loop.md §1.8, §3.9).
import { writeFileAtomic } from "./atomic-write.ts";
import { decideCommand, openDecisions, type UnitStatus } from "./pipeline.ts";
import type { State } from "./state.ts";
import { usageMarkdown } from "../usage/report.ts";

/** A unit of the plan as PULSE shows it. */
export interface PulseUnit {
  key: string;
  id: string;
  title: string;
  dependsOn: string[];
}

/** What PULSE is rendered from. `now`: epoch ms (decisions older than 24 h are marked ESCALATED). */
export interface PulseInput {
  specName: string;
  specDir: string;
  state: State;
  units: PulseUnit[];
  /** Units running now: key → a short "where" (round, window). */
  running: Record<string, string>;
  now: number;
}

const ICON: Record<UnitStatus, string> = {
  not_started: "⬜",
  in_progress: "🔄",
  pending_review: "🕓",
  under_review: "🔍",
  fix_required: "🛠",
  blocked: "🚫",
  completed: "✅",
  skipped: "⏭",
};
const DAY_MS = 24 * 3_600_000;

/** A unit's status: the pipeline record's, else completed when recorded done, else not started. */
export function unitStatus(state: State, key: string): UnitStatus {
  return state.pipeline[key]?.status ?? (state.completed.includes(key) ? "completed" : "not_started");
}

/** Text for one mermaid node label: quotes and brackets removed, so task text cannot break the graph. */
const label = (text: string): string => text.replace(/["[\](){}<>|#`]/g, " ").replace(/\s+/g, " ").trim();
const nodeId = (key: string): string => `u_${key.replace(/[^A-Za-z0-9]/g, "_")}`;

function mentalModel(input: PulseInput): string[] {
  const { state, units } = input;
  const done = units.filter((u) => unitStatus(state, u.key) === "completed").length;
  const lines = [`## 🟢 Mental Model`, `Spec \`${input.specName}\`: ${done}/${units.length} units completed.`, "", "```mermaid", "flowchart TB"];
  for (const unit of units) lines.push(`    ${nodeId(unit.key)}["${label(`${unit.id} ${unit.title}`)} ${ICON[unitStatus(state, unit.key)]} ${unitStatus(state, unit.key)}"]`);
  const keys = new Set(units.map((u) => u.key));
  for (const unit of units) for (const dep of unit.dependsOn) if (keys.has(dep)) lines.push(`    ${nodeId(dep)} --> ${nodeId(unit.key)}`);
  lines.push("```");
  return lines;
}

function narrativeDelta(input: PulseInput): string[] {
  const { state, units } = input;
  const count = (status: UnitStatus) => units.filter((u) => unitStatus(state, u.key) === status).length;
  const byKey = new Map(units.map((u) => [u.key, u]));
  const completions = units
    .filter((u) => unitStatus(state, u.key) === "completed")
    .map((u) => ({ unit: u, at: state.attempts[u.key]?.findLast((a) => a.status === "done")?.ended_at ?? "", sha: state.pipeline[u.key]?.commits.at(-1)?.sha ?? null }))
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, 5);
  const running = Object.entries(input.running).map(([key, where]) => `- 🔄 ${byKey.get(key)?.id ?? key}: ${byKey.get(key)?.title ?? ""} (${where})`);
  return [
    `## 🟡 Narrative Delta`,
    `**Progress:** ${units.length} units: ${count("completed")} completed, ${count("in_progress") + count("fix_required")} in progress, ${count("pending_review") + count("under_review")} in review, ${count("blocked")} blocked, ${count("skipped")} skipped, ${count("not_started")} not started.`,
    "",
    "**Recent completions:**",
    ...(completions.length ? completions.map((c) => `- ✅ ${c.unit.id}: ${c.unit.title}${c.sha ? ` (${c.sha.slice(0, 10)})` : ""}`) : ["- (none yet)"]),
    "",
    "**Running now:**",
    ...(running.length ? running : ["- (nothing)"]),
  ];
}

function risksAndDebt(input: PulseInput): string[] {
  const { state, units } = input;
  const byKey = new Map(units.map((u) => [u.key, u]));
  const idOf = (key: string) => byKey.get(key)?.id ?? key;
  const blocked = units.filter((u) => unitStatus(state, u.key) === "blocked").map((u) => `- 🚫 BLOCKED: [${u.id}] ${u.title}`);
  const debt = state.debt.map((d) => `- [${idOf(d.unit)}] ${d.finding.severity}${d.accepted ? " (accepted)" : ""}: ${d.finding.title}${d.finding.file ? ` (${d.finding.file}${d.finding.line !== null ? `:${d.finding.line}` : ""})` : ""}`);
  const decisions = openDecisions(state.decisions).map((d) => {
    const escalated = input.now - Date.parse(d.created_at) > DAY_MS ? "⚠️ ESCALATED: " : "";
    return `- ${escalated}[${d.id}] unit ${idOf(d.unit)} (${d.kind}): ${d.question.split("\n")[0]}\n  Answer: \`${decideCommand(input.specDir, idOf(d.unit))}\``;
  });
  return [
    `## 🔴 Risks & Debt`,
    "### Blocked units",
    ...(blocked.length ? blocked : ["- (none)"]),
    "### Technical Debt",
    ...(debt.length ? debt : ["- (none)"]),
    "### Pending Decisions",
    ...(decisions.length ? decisions : ["- (none)"]),
  ];
}

function semanticAnchors(input: PulseInput): string[] {
  const byKey = new Map(input.units.map((u) => [u.key, u]));
  const owner = new Map<string, string[]>();
  for (const [key, record] of Object.entries(input.state.pipeline)) {
    for (const commit of record.commits) for (const file of commit.files) {
      const list = owner.get(file) ?? [];
      const id = byKey.get(key)?.id ?? key;
      if (!list.includes(id)) list.push(id);
      owner.set(file, list);
    }
  }
  const lines = [...owner.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([file, ids]) => `- \`${file}\` → ${ids.join(", ")}`);
  return [`## 🔗 Semantic Anchors`, ...(lines.length ? lines : ["- (no commits yet)"])];
}

/** What the attempts reported: the run's total and each unit's, with the backends that spent it (src/usage/report.ts). */
function usage(input: PulseInput): string[] {
  const lines = usageMarkdown(input.state);
  return [`## 💰 Usage`, ...(lines.length ? lines : ["- (no usage reported yet)"])];
}

/** The whole page (pure). */
export function renderPulse(input: PulseInput): string {
  const sections = [mentalModel(input), narrativeDelta(input), risksAndDebt(input), usage(input), semanticAnchors(input)];
  return `# PROJECT_PULSE\n\nGenerated by seqorch from the run state at ${new Date(input.now).toISOString()}; edits here are overwritten.\n\n${sections.map((s) => s.join("\n")).join("\n\n")}\n`;
}

/** Render and write PULSE atomically (not fsynced: it is regenerated from the state). Throws WriteError. */
export function writePulse(path: string, input: PulseInput): void {
  writeFileAtomic(path, renderPulse(input), { durable: false });
}
