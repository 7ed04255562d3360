// Finding and ending an attempt's process tree (SIGTERM, grace period, SIGKILL) and checking whether processes are alive.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** How often a process group is re-checked while waiting for it to exit after SIGTERM, in ms. */
const POLL_MS = 10;

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

/**
 * True when /proc lists the processes of this process's own pid namespace (/proc/self is this pid), so that the
 * pid allocator's cursor read from /proc/loadavg numbers the same processes that /proc lists.
 */
const sameNamespace = (() => {
  if (!hasProc) return false;
  try {
    return readlinkSync("/proc/self") === String(process.pid);
  } catch (error) {
    if (errnoOf(error) === "ENOENT" || errnoOf(error) === "EINVAL") return false;
    throw error;
  }
})();

/**
 * The pid allocator as a run sees it: processes forked since boot (/proc/stat `processes`, every namespace) and
 * tasks existing now (/proc/loadavg's fourth field, every namespace); with the pid `last` allocated in this one.
 */
interface PidCounters {
  forks: number;
  tasks: number;
  last: number;
}

function pidCounters(): PidCounters | null {
  if (!sameNamespace) return null;
  try {
    const stat = readFileSync("/proc/stat", "latin1");
    const at = stat.indexOf("\nprocesses ");
    // /proc/loadavg: "0.84 0.56 0.61 1/107 11532": running/tasks, then the last pid allocated.
    const loadavg = readFileSync("/proc/loadavg", "latin1").trim().split(" ");
    const forks = at < 0 ? NaN : Number(stat.slice(at + 11, stat.indexOf("\n", at + 11)));
    const tasks = Number(loadavg[3]?.split("/")[1]);
    const last = Number(loadavg[4]);
    return Number.isInteger(forks) && Number.isInteger(tasks) && Number.isInteger(last) ? { forks, tasks, last } : null;
  } catch (error) {
    if (errnoOf(error) === "ENOENT" || errnoOf(error) === "EACCES") return null;
    throw error;
  }
}

/** The pid allocator's counters before an attempt's first process is forked (see {@link AttemptTree.newSince}). */
export interface PidMark {
  forks: number;
  tasks: number;
}

/** Take a {@link PidMark}: read right before forking an attempt's first process. Null without a usable /proc. */
export function pidMark(): PidMark | null {
  const counters = pidCounters();
  return counters === null ? null : { forks: counters.forks, tasks: counters.tasks };
}

/** Lowest pid the kernel hands out once it has wrapped (RESERVED_PIDS in kernel/pid.c). */
const RESERVED_PIDS = 300;

/** pid_max, read once per process (a sysctl nobody changes under a running seqorch); null where it cannot be read. */
let pidMaxRead: number | null | undefined;
function pidMax(): number | null {
  if (pidMaxRead !== undefined) return pidMaxRead;
  try {
    const value = Number(readFileSync("/proc/sys/kernel/pid_max", "latin1"));
    pidMaxRead = Number.isInteger(value) ? value : null;
  } catch (error) {
    if (errnoOf(error) !== "ENOENT" && errnoOf(error) !== "EACCES") throw error;
    pidMaxRead = null;
  }
  return pidMaxRead;
}

/** The pids allocated from `first` to `last` (inclusive; wrapped round past pid_max when `last < first`). */
interface PidRange {
  first: number;
  last: number;
}

/**
 * The range of pids allocated at or after `firstPid`, or null when that cannot be told from the pid alone.
 * The kernel allocates pids cyclically: the cursor moves on by one for each allocation and each id it skips
 * because that id is in use (as a process, group or session id: at most 3 per task). Until it has gone once
 * round the pid space since `firstPid` (pid_max - 300 ids), every pid allocated since lies between `firstPid`
 * and the last one allocated. It cannot have gone round while 5 × (forks since the mark) + 3 × (tasks at the
 * mark) stays under that: every id of one round was either allocated or in use, by a task of the mark or a
 * new one.
 */
function allocatedSince(firstPid: number, mark: PidMark): PidRange | null {
  const now = pidCounters();
  const max = now === null ? null : pidMax();
  if (now === null || max === null) return null;
  const forks = now.forks - mark.forks;
  // At least the first process itself was forked since the mark: a counter that did not move is not a real one.
  if (forks < 1 || 5 * forks + 3 * mark.tasks >= max - RESERVED_PIDS) return null;
  return { first: firstPid, last: now.last };
}

/** True when `pid` lies in `range`. */
function inRange(range: PidRange, pid: number): boolean {
  return range.first <= range.last ? pid >= range.first && pid <= range.last : pid >= range.first || pid <= range.last;
}

/** Up to this many pids in a range are looked up one by one instead of listing /proc (which lists every process). */
const PROBE_MAX = 256;

/**
 * The pids to read for a scan: those of `range` one by one when it is short and not wrapped (each lookup of a
 * pid that is gone fails at once; `probed` is then true: a thread's id also answers, see isThreadGroupLeader),
 * else the processes /proc lists, in the range read again after the listing (every pid listed was allocated by
 * then: a child forked meanwhile by a process that then exited is still in it), or all of them.
 */
function scanPids(range: PidRange | null, rangeNow: () => PidRange | null): { pids: number[]; probed: boolean } {
  if (range !== null && range.first <= range.last && range.last - range.first < PROBE_MAX) {
    const pids: number[] = [];
    for (let pid = range.first; pid <= range.last; pid++) pids.push(pid);
    return { pids, probed: true };
  }
  const entries = readdirSync("/proc");
  const wanted = range === null ? null : rangeNow();
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (wanted === null || inRange(wanted, pid)) pids.push(pid);
  }
  return { pids, probed: false };
}

/** True when `pid` is a process (its thread group's leader), not another thread of one: /proc answers for both. */
function isThreadGroupLeader(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const at = status.indexOf("\nTgid:");
    return at >= 0 && Number.parseInt(status.slice(at + 6), 10) === pid;
  } catch (error) {
    if (errnoOf(error) === "ENOENT" || errnoOf(error) === "ESRCH") return false;
    throw error;
  }
}

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

/** Where to find an attempt's processes: its group, its first process (the tree under it) and its attempt id. */
export interface AttemptTree {
  /** Process group of the attempt (its leader's pid); null when unknown. */
  pgid: number | null;
  /** The attempt's first process; its descendants are found by parent pid. Null when unknown. */
  rootPid: number | null;
  /** `SEQORCH_ATTEMPT_ID` of the attempt: every process with it in its environment belongs to the attempt. */
  attemptId: string | null;
  /** Processes never to signal (the tmux pane's shell, while it is still needed). */
  spare?: readonly number[];
  /**
   * When the attempt's first process started (clock ticks after boot): older processes cannot be the attempt's,
   * so their environments are not read (most of a scan's cost).
   */
  since?: number;
  /**
   * SIGTERM only the agent's own processes (those with the attempt id, and their descendants); the rest of the
   * group (the tmux pane's shell and its tee processes, which write the logs and the exit file) is left to end
   * by itself, and gets SIGKILL only if it has not once the grace is over.
   */
  termAgentOnly?: boolean;
  /**
   * The attempt's first process (`firstPid`) was forked after `mark` was taken: every process of the attempt
   * got its pid since, so the first look (the one after every attempt, which usually finds nothing) reads only
   * the /proc entries of pids allocated since (a handful, instead of every process on the machine), as long as
   * the pids cannot have wrapped round since (see allocatedSince). Absent: every process is looked at.
   */
  newSince?: { firstPid: number; mark: PidMark };
}

/** The `since` (and `newSince`) of an attempt's tree, from its handle's `startTicks` and `pidMark` (absent: every process is looked at). */
export function sinceOf(handle: { pid?: number | null; startTicks?: number; pidMark?: PidMark }): { since?: number; newSince?: AttemptTree["newSince"] } {
  return {
    ...(handle.startTicks === undefined ? {} : { since: handle.startTicks }),
    ...(handle.pidMark === undefined || handle.pid === null || handle.pid === undefined ? {} : { newSince: { firstPid: handle.pid, mark: handle.pidMark } }),
  };
}

/** A process found in an attempt's tree: pid, command name and start time (to tell a reused pid). */
export interface TreeProcess {
  pid: number;
  name: string;
  start: number;
  /** Carries the attempt id, or descends from a process that does: the agent's own. */
  agent: boolean;
}

/** The name of `pid` (/proc/<pid>/comm); "?" when gone. */
function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch (error) {
    if (errnoOf(error) === "ENOENT" || errnoOf(error) === "ESRCH") return "?";
    throw error;
  }
}

/**
 * The live (not zombie) processes of an attempt, from one scan of /proc: the members of its group, the
 * descendants of its first process by parent pid, and every process whose environment holds its attempt id
 * (which finds daemons that moved to another group or were re-parented). Never seqorch itself. Empty without /proc.
 * `newOnly`: with the tree's `newSince`, only pids allocated since its first process are read (when that can be told).
 */
export function findAttemptTree(tree: AttemptTree, newOnly = false): TreeProcess[] {
  if (!hasProc) return [];
  const spare = new Set([process.pid, ...(tree.spare ?? [])]);
  const marker = tree.attemptId ? `SEQORCH_ATTEMPT_ID=${tree.attemptId}` : null;
  const stats = new Map<number, NonNullable<ReturnType<typeof procStat>>>();
  const newRange = (): PidRange | null => (newOnly && tree.newSince ? allocatedSince(tree.newSince.firstPid, tree.newSince.mark) : null);
  const { pids, probed } = scanPids(newRange(), newRange);
  for (const pid of pids) {
    const stat = procStat(pid);
    if (stat && stat.state !== "Z") stats.set(pid, stat);
  }
  const found = new Set<number>();
  const agent = new Set<number>();
  const since = tree.since ?? 0;
  for (const [pid, stat] of stats) {
    if (marker !== null && stat.start >= since && processHasEnv(pid, marker)) {
      found.add(pid);
      agent.add(pid);
    } else if (tree.pgid !== null && tree.pgid > 1 && stat.pgid === tree.pgid) found.add(pid);
  }
  if (tree.rootPid !== null && stats.has(tree.rootPid)) found.add(tree.rootPid);
  // Descendants of anything found so far, by parent pid (until no more are added).
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, stat] of stats) {
      if (agent.has(stat.ppid) && !agent.has(pid)) {
        agent.add(pid);
        grew = true;
      }
      if (found.has(stat.ppid) && !found.has(pid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found]
    .filter((pid) => !spare.has(pid) && (!probed || isThreadGroupLeader(pid)))
    .map((pid) => ({ pid, name: commOf(pid), start: stats.get(pid)!.start, agent: agent.has(pid) }));
}

/** The parent pid of `pid`; null when it is gone (or no /proc). */
export function parentPid(pid: number): number | null {
  return procStat(pid)?.ppid ?? null;
}

/** Live processes (not seqorch itself) whose command line (NUL-separated) `match` accepts, with their argv. */
export function commandLines(match: (cmdline: string) => boolean): { pid: number; argv: string[] }[] {
  if (!hasProc) return [];
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (match(cmdline) && procStat(entry)?.state !== "Z") found.push({ pid: Number(entry), argv: cmdline.split("\0") });
    } catch (error) {
      if (errnoOf(error) !== "ENOENT" && errnoOf(error) !== "ESRCH" && errnoOf(error) !== "EACCES") throw error;
    }
  }
  return found;
}

/** Signal each process that is still the one found (same start time), and the group (unless only the agent's: TERM and CONT). */
function signalTree(tree: AttemptTree, found: readonly TreeProcess[], signal: NodeJS.Signals): void {
  // Without any process carrying the attempt id (an old record), the whole group gets it.
  const agentOnly = (signal === "SIGTERM" || signal === "SIGCONT") && tree.termAgentOnly === true && found.some((p) => p.agent);
  if (!agentOnly && tree.pgid !== null && tree.pgid > 1 && !(tree.spare ?? []).includes(tree.pgid)) signalTarget(-tree.pgid, signal);
  for (const p of found) if ((p.agent || !agentOnly) && procStat(p.pid)?.start === p.start) signalTarget(p.pid, signal);
}

/** Options of {@link endAttemptTree}. */
export interface EndTreeOptions {
  /** Time in ms between SIGTERM and SIGKILL. */
  graceMs: number;
  /** Aborting it cuts the grace short (a second Ctrl-C): SIGKILL at once. */
  hurry?: AbortSignal;
}

/**
 * End every process of an attempt (see {@link findAttemptTree}): SIGTERM to the group and each process, up to
 * `graceMs` for them to exit (processes that appear meanwhile get SIGTERM too), then SIGKILL to whatever is
 * left, re-scanned until nothing is (or 2 s). Resolves with every process that was found, for the log.
 */
export async function endAttemptTree(tree: AttemptTree, options: EndTreeOptions): Promise<TreeProcess[]> {
  const seen = new Map<number, TreeProcess>();
  const scan = (newOnly = false) => {
    const found = findAttemptTree(tree, newOnly);
    for (const p of found) if (!seen.has(p.pid)) seen.set(p.pid, p);
    return found;
  };
  // The first look reads only pids allocated since the attempt began (when that can be told); anything found
  // there, and every later look, reads all of /proc.
  let found = scan(true);
  if (found.length > 0 && tree.newSince) found = scan();
  const groupOnly = !hasProc && tree.pgid !== null && isGroupAlive(tree.pgid);
  if (found.length === 0 && !groupOnly) return [];
  signalTree(tree, found, "SIGTERM");
  // A process stopped (a log trim's pause that a killed seqorch never lifted) acts on SIGTERM only once continued.
  signalTree(tree, found, "SIGCONT");
  const deadline = Date.now() + options.graceMs;
  while (Date.now() < deadline && !options.hurry?.aborted) {
    await Bun.sleep(Math.min(POLL_MS * 2, Math.max(1, deadline - Date.now())));
    const before = new Set(found.map((p) => p.pid));
    found = scan();
    if (found.length === 0 && !(groupOnly && isGroupAlive(tree.pgid!))) return [...seen.values()];
    const fresh = found.filter((p) => !before.has(p.pid));
    if (fresh.length) signalTree({ ...tree, pgid: null }, fresh, "SIGTERM");
  }
  const killDeadline = Date.now() + 2_000;
  for (;;) {
    signalTree(tree, found, "SIGKILL");
    await Bun.sleep(POLL_MS);
    found = scan();
    if (found.length === 0 || Date.now() > killDeadline) break;
  }
  return [...seen.values()];
}

/**
 * SIGKILL every process of an attempt at once, synchronously (the last thing before a forced exit), and wait up
 * to 300 ms (blocking) for the kernel to finish them off, re-scanning for ones that forked meanwhile.
 */
export function killAttemptTreeNow(tree: AttemptTree): void {
  const deadline = Date.now() + 300;
  for (let found = findAttemptTree(tree); found.length > 0 && Date.now() < deadline; found = findAttemptTree(tree)) {
    signalTree(tree, found, "SIGKILL");
    Bun.sleepSync(POLL_MS / 2);
  }
}

/** "pid 12 (sleep), pid 13 (sh)": processes for a log line. */
export function describeProcesses(found: readonly TreeProcess[]): string {
  return found.map((p) => `pid ${p.pid} (${p.name})`).join(", ");
}

/** The grace between SIGTERM and SIGKILL, ms: `fallback`, or SEQORCH_KILL_GRACE_MS (tests shorten it). */
export function killGraceMs(fallback: number): number {
  const n = Number(process.env.SEQORCH_KILL_GRACE_MS);
  return Number.isFinite(n) && n >= 0 && process.env.SEQORCH_KILL_GRACE_MS !== "" ? n : fallback;
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
