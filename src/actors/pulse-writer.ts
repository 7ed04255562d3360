// Writes PROJECT_PULSE.md after a unit event when the run keeps one (--pulse; on in orchestrate).
import { writePulse } from "../store/pulse.ts";
import type { RunContext } from "./run-context.ts";

/** Render PULSE from the state and the plan; a failed write is a warning (PULSE is regenerated next time). */
export function refreshPulse(context: RunContext): void {
  if (!context.gates.pulse) return;
  try {
    // What runs: the unit being implemented, and units in their review loop (status and fix round).
    const state = context.store.get();
    const running: Record<string, string> = {};
    if (state.current) running[state.current.unit] = `attempt ${state.current.attempt}`;
    for (const [key, record] of Object.entries(state.pipeline)) {
      if (record.status === "pending_review" || record.status === "under_review" || record.status === "fix_required" || (record.status === "in_progress" && record.round > 0)) {
        running[key] = `${record.status}${record.round > 0 ? `, fix round ${record.round}` : ""}`;
      }
    }
    const view = context.planReader.read(context.store.get().completed);
    const units = view.counted.map((u) => ({ key: u.key, id: u.id, title: u.title, dependsOn: u.dependsOn }));
    writePulse(context.paths.pulseFile, { specName: context.paths.specName, specDir: context.paths.specDir, state: context.store.get(), units, running, now: Date.now() });
  } catch (error) {
    context.report({ type: "warning", message: `could not write ${context.paths.pulseFile}: ${error instanceof Error ? error.message : String(error)}` });
  }
}
