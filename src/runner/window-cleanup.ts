// tmux windows of finished attempts: kept for inspection until the next run of the same spec (session) starts,
// then closed, so windows do not pile up on the user's server. Windows whose agent still runs (a run stopped with
// --detach-on-stop, an agent the next run adopts) and windows seqorch did not make (not `task-…`) are left alone.
import type { TmuxClient } from "./tmux-client.ts";

/** The attempt windows seqorch names (`task-<unit>`, see the dispatcher). */
const ATTEMPT_WINDOW = /^task-/;

/**
 * Close the windows of `sessionId` whose attempt has ended (the pane is dead: kept by remain-on-exit). One
 * `list-windows` and, when there is something to close, one client call for all of them. Returns the number closed.
 * A session or server that went away meanwhile closes nothing; other tmux errors throw RunnerError.
 */
export async function closeFinishedWindows(client: TmuxClient, sessionId: string): Promise<number> {
  const listed = await client.probe(["list-windows", "-t", sessionId, "-F", "#{window_id}\t#{pane_dead}\t#{window_name}"]);
  if (listed.code !== 0) return 0; // the session or server went away; the caller creates them again
  const finished = listed.stdout
    .split("\n")
    .map((line) => line.split("\t"))
    .filter(([id, dead, name]) => id && dead === "1" && ATTEMPT_WINDOW.test(name ?? ""))
    .map(([id]) => id!);
  if (finished.length === 0) return 0;
  // tmux runs `cmd1 ; cmd2 …` given as separate argv words in one client call.
  const args = finished.flatMap((id, i) => [...(i > 0 ? [";"] : []), "kill-window", "-t", id]);
  await client.run(args);
  return finished.length;
}
