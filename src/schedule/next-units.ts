// Which units may start now and which finished unit merges next: pure functions of the plan, the statuses and the
// manifests (shared/reference/multi-agent-loop.md Part 3.8; issue 10 "Behaviour").
import { type Manifest, manifestKind, writesOverlap } from "./manifest.ts";
import { compareIdParts, idParts } from "./task-order.ts";

/**
 * A unit's place in a parallel run:
 * - `pending`: not started (or re-queued after a conflict);
 * - `running`: its agent, gates, commits, reviews or fix rounds are under way in its worktree;
 * - `queued`: finished and waiting in the merge queue; `merging`: being rebased and fast-forwarded;
 * - `completed`: merged (or done before the run); `skipped`: left out (an optional unit), never blocks dependents;
 * - `blocked`: waits for a human decision; its dependents are blocked too (computed, never stored).
 * `running`, `queued` and `merging` are "in flight": each holds a worktree, and their writes are not yet integrated.
 */
export type UnitStatus = "pending" | "running" | "queued" | "merging" | "completed" | "skipped" | "blocked";

/** The statuses that hold a worktree and count against `--parallel N`. */
export const IN_FLIGHT: ReadonlySet<UnitStatus> = new Set(["running", "queued", "merging"]);

/** What the scheduler knows of one dispatch unit. */
export interface ScheduleUnit {
  key: string;
  /** The task ID (orders picking and merging; see compareTaskIds). */
  id: string;
  /** Keys of units that must be completed (or skipped) first. */
  dependsOn: string[];
  manifest: Manifest;
  /** True when the unit must run alone whatever its manifest (re-run after a merge conflict or a failed gate). */
  alone?: boolean;
}

/** Everything the choice depends on; `status` has an entry for every unit key. */
export interface ScheduleInput {
  units: readonly ScheduleUnit[];
  status: Readonly<Record<string, UnitStatus>>;
  /** `--parallel N`: at most N units in flight (N ≥ 1). */
  parallel: number;
}

/** Units sorted by task ID, ties kept in plan order. */
export function inTaskOrder<T extends { id: string }>(units: readonly T[]): T[] {
  return units
    .map((u, i) => ({ u, i, parts: idParts(u.id) }))
    .sort((a, b) => compareIdParts(a.parts, b.parts) || a.i - b.i)
    .map(({ u }) => u);
}

/** True when the unit must run with nothing beside it: no manifest, or marked `alone`. */
export function runsAlone(unit: ScheduleUnit): boolean {
  return unit.alone === true || manifestKind(unit.manifest) === "none";
}

/** True when every dependency is completed or skipped (a key outside the plan does not block). */
export function dependenciesMet(unit: ScheduleUnit, status: ScheduleInput["status"]): boolean {
  return unit.dependsOn.every((key) => {
    const s = status[key];
    return s === undefined || s === "completed" || s === "skipped";
  });
}

/** Keys of pending units that can never start because a dependency (directly or through others) is blocked. */
export function blockedByDependencies(input: ScheduleInput): Set<string> {
  const byKey = new Map(input.units.map((u) => [u.key, u]));
  const memo = new Map<string, boolean>();
  const blocked = (key: string, seen: Set<string>): boolean => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    if (input.status[key] === "blocked") return true;
    const unit = byKey.get(key);
    if (!unit || seen.has(key)) return false;
    seen.add(key);
    const result = unit.dependsOn.some((dep) => blocked(dep, seen));
    memo.set(key, result);
    return result;
  };
  const out = new Set<string>();
  for (const u of input.units) if (input.status[u.key] === "pending" && blocked(u.key, new Set())) out.add(u.key);
  return out;
}

/**
 * The units to start now, in task-ID order. Rules:
 * - only `pending` units whose dependencies are all completed (or skipped);
 * - never more than `parallel` in flight, counting the ones already there;
 * - a unit with writes starts only when its writes overlap no write of a unit in flight or picked now
 *   (a folder overlaps every file under it);
 * - a reads-only unit may join any batch (but not a unit running alone);
 * - a unit without a manifest (or marked `alone`) starts only when nothing is in flight, and nothing starts beside
 *   it; while such a unit is the first ready one, nothing new starts, so the units in flight drain and it gets its turn.
 * With `parallel` 1 this is "the first ready unit in task-ID order".
 */
export function nextUnits(input: ScheduleInput): string[] {
  const flying = input.units.filter((u) => IN_FLIGHT.has(input.status[u.key] ?? "pending"));
  if (flying.some(runsAlone)) return [];
  const ready = inTaskOrder(input.units).filter((u) => input.status[u.key] === "pending" && dependenciesMet(u, input.status));
  const first = ready[0];
  if (first && runsAlone(first)) return flying.length === 0 ? [first.key] : []; // drain, then it runs alone
  const picked: ScheduleUnit[] = [];
  for (const unit of ready) {
    if (flying.length + picked.length >= input.parallel) break;
    if (runsAlone(unit)) continue;
    const beside = [...flying, ...picked];
    if (beside.some((other) => writesOverlap(unit.manifest, other.manifest))) continue;
    picked.push(unit);
  }
  return picked.map((u) => u.key);
}

/**
 * The finished unit to merge next, or null: nothing merges while a merge is under way; otherwise the `queued`
 * unit with the lowest task ID, provided no unit with a lower ID is still `running` (it would merge first), so
 * merges follow task-ID order among the units in flight, whatever order they finished in.
 */
export function nextMerge(input: ScheduleInput): string | null {
  const ordered = inTaskOrder(input.units);
  if (ordered.some((unit) => input.status[unit.key] === "merging")) return null;
  for (const unit of ordered) {
    const s = input.status[unit.key];
    if (s === "running") return null;
    if (s === "queued") return unit.key;
  }
  return null;
}
