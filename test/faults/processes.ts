// What the fault tests look at in other processes: whether a pid is alive, the pids a scripted agent wrote to a
// file, and a bounded wait for a condition that other processes bring about.
import { existsSync, readFileSync } from "node:fs";

/** True while `pid` runs (exists in /proc and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The pids written to `file` (whitespace-separated, as `echo $$ >> file` leaves them); [] before it exists. */
export function pidsIn(file: string): number[] {
  return existsSync(file) ? readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Poll `check` every 20 ms until it holds; throws "timed out waiting" after `ms` (default 10 s). */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await Bun.sleep(20);
  }
}
