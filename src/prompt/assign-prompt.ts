// Builds the assignment prompt (the reference's, from assign.md): which type and owner agent a dispatch unit gets.
import { relative } from "node:path";
import template from "./assign.md" with { type: "text" };
import orchestrateTemplate from "./assign-orchestrate.md" with { type: "text" };

/** A unit to assign: its ID (as in tasks.md) and title. */
export interface AssignUnit {
  id: string;
  title: string;
}

/**
 * The prompt asking for the type and owner agent of `units`. The tasks file is referenced as `@path`, relative to
 * the workdir when inside it, as the reference does; titles are data, inserted in one pass (no `{{…}}` expansion).
 */
export function buildAssignPrompt(tasksFile: string, workdir: string, units: readonly AssignUnit[], kind: "sequential" | "orchestrate" = "sequential"): string {
  const rel = relative(workdir, tasksFile);
  const values: Record<string, string> = {
    TASKS_FILE: rel && !rel.startsWith("..") ? rel : tasksFile,
    UNITS: units.map((u) => `- ${u.id}: ${u.title.replace(/\s+/g, " ")}`).join("\n"),
  };
  // orchestrate: seed 004's prompt, which also asks for criticality and the writes/reads manifest.
  return (kind === "orchestrate" ? orchestrateTemplate : template).replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}
