// Ending a process group (SIGTERM, grace period, SIGKILL) and checking whether processes are alive.
import { readdirSync, readFileSync } from "node:fs";

/** How often a process group is re-checked while waiting for it to exit after SIGTERM, in ms. */
const POLL_MS = 10;
/** How long to wait for the kernel to finish off a group after SIGKILL, in ms. */
const AFTER_KILL_MS = 200;

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Send `signal` to `target` (a pid, or `-pgid` for a group). False when nothing exists there. */
function signalTarget(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    // ESRCH: no such process or group, which is the state we are driving towards.
    if (errnoOf(error) === "ESRCH") return false;
    // EPERM: it exists but belongs to someone else.
    if (errnoOf(error) === "EPERM") return true;
    throw error;
  }
}

/** Fields of /proc/<pid>/stat that seqorch uses; null when /proc has no such entry (or no /proc). */
function procStat(pid: string | number): { state: string; ppid: number; pgid: number; start: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    // The process is gone, or this system has no /proc.
    if (errnoOf(error) === "ENOENT" || errnoOf(error) === "ESRCH") return null;
    throw error;
  }
  // Fields after the parenthesised command name (which may itself contain spaces or parentheses).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 of stat(5): state, ppid (4), pgrp (5) … starttime (22).
  return { state: fields[0] ?? "", ppid: Number(fields[1]), pgid: Number(fields[2]), start: Number(fields[19]) };
}

/** When process `pid` started, in clock ticks after boot (/proc/<pid>/stat field 22); null when gone or no /proc. */
export function processStartTicks(pid: number): number | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return procStat(pid)?.start ?? null;
}

/** This boot's id (/proc/sys/kernel/random/boot_id); null where there is none. */
export function bootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch (error) {
    if (errnoOf(error) === "ENOENT" || errnoOf(error) === "EACCES") return null;
    throw error;
  }
}

const hasProc = (() => {
  try {
    return readdirSync("/proc/self").length > 0;
  } catch (error) {
    // Not Linux: fall back to kill(0) alone, where an unreaped zombie counts as alive.
    if (errnoOf(error) === "ENOENT") return false;
    throw error;
  }
})();

/** True when process `pid` exists and has not exited (an unreaped zombie counts as gone). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !signalTarget(pid, 0)) return false;
  return !hasProc || procStat(pid)?.state !== "Z";
}

/**
 * True when process group `pgid` still has a member that has not exited. Zombies are ignored,
 * because orphans may never be reaped where PID 1 is not a real init (containers, microVMs).
 */
export function isGroupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1 || !signalTarget(-pgid, 0)) return false;
  if (!hasProc) return true;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat && stat.pgid === pgid && stat.state !== "Z") return true;
  }
  return false;
}

/** Options for {@link killProcessGroup}. */
export interface KillOptions {
  /** Time in ms between SIGTERM and SIGKILL. */
  graceMs: number;
}

/**
 * End process group `pgid` (the pid of its leader): SIGTERM to the whole group, then SIGKILL once
 * `graceMs` has passed if anything in it is still alive. A group that is already gone is fine.
 * Resolves when the group is gone (or, should SIGKILL not take effect, shortly after it).
 */
export async function killProcessGroup(pgid: number, options: KillOptions): Promise<void> {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`killProcessGroup: invalid process group ${pgid}`);
  if (!signalTarget(-pgid, "SIGTERM")) return;
  const deadline = Date.now() + options.graceMs;
  while (Date.now() < deadline) {
    await Bun.sleep(Math.min(POLL_MS, deadline - Date.now()));
    if (!isGroupAlive(pgid)) return;
  }
  if (!signalTarget(-pgid, "SIGKILL")) return;
  const killDeadline = Date.now() + AFTER_KILL_MS;
  while (isGroupAlive(pgid) && Date.now() < killDeadline) await Bun.sleep(POLL_MS);
}

/**
 * True when process `pid` runs with `NAME=value` in its environment (read from /proc/<pid>/environ).
 * Used to make sure a pid recorded by an earlier run still belongs to that run's agent before ending it;
 * false when the process is gone, the entry differs, or /proc cannot tell (then nothing is killed).
 */
export function processHasEnv(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(entry);
  } catch {
    return false; // gone, not ours to read, or no /proc on this system
  }
}
