// The attempt trees one runner still answers for: each recorded by its leader (or pane) pid, ended once however many
// callers ask, and all killed at once when the run is hurried (a second Ctrl-C). Shared by the direct and tmux runners.
import { describeProcesses, endAttemptTree, killAttemptTreeNow, type AttemptTree } from "./process-tree.ts";

/** Options of {@link createAttemptTrees}: the grace in ms between SIGTERM and SIGKILL, and the hurry signal. */
export interface AttemptTreesOptions {
  graceMs: number;
  /** Aborted by a second Ctrl-C: every tracked tree gets SIGKILL at once (synchronously, before the exit). */
  hurry?: AbortSignal | undefined;
}

/** The trees of one runner's attempts, by pid (see {@link createAttemptTrees}). */
export interface AttemptTrees {
  /** Record that `pid`'s tree may still have processes (a hurry kills it). */
  track(pid: number, tree: AttemptTree): void;
  /** True while `pid`'s tree is tracked. */
  has(pid: number): boolean;
  /** Stop tracking `pid` (its tree is known to be gone). */
  forget(pid: number): void;
  /**
   * End `tree`, keyed by `pid`, unless its ending is already under way (then that one is returned). Resolves with
   * the processes that were found, described for the log (`[]` when none); afterwards `pid` is no longer tracked.
   */
  end(pid: number, tree: AttemptTree): Promise<string[]>;
  /** Resolves when every ending now under way has finished. */
  settled(): Promise<unknown>;
}

/** Create the tracked trees of one runner; with `hurry`, its abort kills every tracked tree at once. */
export function createAttemptTrees(options: AttemptTreesOptions): AttemptTrees {
  const { graceMs, hurry } = options;
  /** Attempts whose tree may still have processes, by pid; endings under way, by pid. */
  const live = new Map<number, AttemptTree>();
  const endings = new Map<number, Promise<string[]>>();
  hurry?.addEventListener("abort", () => {
    for (const tree of live.values()) killAttemptTreeNow(tree);
  }, { once: true });
  return {
    track: (pid, tree) => void live.set(pid, tree),
    has: (pid) => live.has(pid),
    forget: (pid) => void live.delete(pid),
    end(pid, tree) {
      let ending = endings.get(pid);
      if (ending === undefined) {
        ending = endAttemptTree(tree, { graceMs, ...(hurry ? { hurry } : {}) })
          .then((found) => (found.length ? [describeProcesses(found)] : []))
          .finally(() => {
            endings.delete(pid);
            live.delete(pid);
          });
        endings.set(pid, ending);
      }
      return ending;
    },
    settled: () => Promise.all([...endings.values()]),
  };
}
