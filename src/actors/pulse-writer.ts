// Writes PROJECT_PULSE.md after a unit event when the run keeps one (--pulse; on in orchestrate).
import { writePulse } from "../store/pulse.ts";
import { readPlan } from "./plan-reader.ts";
import type { RunContext } from "./run-context.ts";

/** Render PULSE from the state and the plan; a failed write is a warning (PULSE is regenerated next time). */
export function refreshPulse(context: RunContext, running: Record<string, string> = {}): void {
  if (!context.gates.pulse) return;
  try {
    const view = readPlan(context.paths.tasksFile, context.planOptions, context.store.get().completed);
    const units = view.counted.map((u) => ({ key: u.key, id: u.id, title: u.title, dependsOn: u.dependsOn }));
    writePulse(context.paths.pulseFile, { specName: context.paths.specName, specDir: context.paths.specDir, state: context.store.get(), units, running, now: Date.now() });
  } catch (error) {
    context.report({ type: "warning", message: `could not write ${context.paths.pulseFile}: ${error instanceof Error ? error.message : String(error)}` });
  }
}
