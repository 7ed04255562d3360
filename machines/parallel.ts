// The parallel run (--parallel N > 1), a child machine of the run machine: up to N unit machines at once, each
// in its own git worktree, and the merge queue that integrates finished units one at a time in task-ID order.
// It stays in `flowing` while children come and go; every child's end is a step of machines/parallel-steps.ts
// (pure), after which the next moves are made. Names only: src/actors implements the preparer and the merger.
import { assign, enqueueActions, setup } from "xstate";
import { notProvided } from "./actor-slots.ts";
import { unitMachine } from "./unit.ts";
import type { UnitOutput } from "./unit-types.ts";
import type { MergeInput, MergeOutput, ParallelContext, ParallelEvent, ParallelRunInput, ParallelRunOutput, PrepareInput, PrepareOutput } from "./parallel-types.ts";
import { advance, afterMerge, afterPrepare, afterRetry, afterUnit, childId, drained, idleToPending, laneInput, outputOf, spawnOf, startState, type Step } from "./parallel-steps.ts";

export type * from "./parallel-types.ts";

/** The step a child's end makes (null for an id this machine did not spawn). */
function stepOfDone(context: ParallelContext, id: string, output: unknown): Step | null {
  const spawn = spawnOf(id);
  if (!spawn) return null;
  if (spawn.kind === "prepare") return afterPrepare(context, spawn.key, output as PrepareOutput);
  if (spawn.kind === "unit") return afterUnit(context, spawn.key, output as UnitOutput);
  return afterMerge(context, spawn.key, output as MergeOutput);
}

export const parallelMachine = setup({
  types: {
    context: {} as ParallelContext,
    events: {} as ParallelEvent,
    input: {} as ParallelRunInput,
    output: {} as ParallelRunOutput,
  },
  actors: {
    preparer: notProvided<PrepareOutput, PrepareInput>("preparer"),
    merger: notProvided<MergeOutput, MergeInput>("merger"),
    unit: unitMachine,
  },
  guards: {
    drained: ({ context }) => drained(context),
  },
  actions: {
    /**
     * Apply one step, then make the next moves: children to start (each registered as live) and delayed retries.
     * `step` null: only the next moves (on entry).
     */
    apply: enqueueActions(({ context, enqueue }, params: { step: Step | null; ended?: string }) => {
      let ctx: ParallelContext = { ...context, live: params.ended ? context.live.filter((id) => id !== params.ended) : context.live };
      const step = params.step;
      if (step) ctx = { ...ctx, ...step.patch };
      ctx = { ...ctx, state: idleToPending(ctx, step) };
      const moves = advance(ctx);
      ctx = { ...ctx, ...moves.patch };
      const spawns = [...(step?.spawn ?? []), ...moves.spawn];
      const retries = step?.retry ?? [];
      ctx = { ...ctx, live: [...ctx.live, ...spawns.map(childId)], retrying: [...ctx.retrying, ...retries.map((r) => r.key)] };
      enqueue.assign(ctx);
      for (const spawn of spawns) {
        const id = childId(spawn);
        if (spawn.kind === "unit") enqueue.spawnChild("unit", { id, input: laneInput(ctx, spawn.key) });
        else if (spawn.kind === "prepare") enqueue.spawnChild("preparer", { id, input: { unit: ctx.refs[spawn.key]! } });
        else enqueue.spawnChild("merger", { id, input: { unit: ctx.refs[spawn.key]! } });
      }
      for (const retry of retries) enqueue.raise({ type: "RETRY", key: retry.key }, { delay: Math.max(0, retry.delayMs), id: `retry:${retry.key}` });
    }),
    /** A stop: nothing new starts; every unit machine alive ends its agent (or its loop) and records. */
    stopAll: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ stopRequested: true });
      for (const id of context.live) if (id.startsWith("unit:")) enqueue.sendTo(id, { type: "STOP" });
      for (const key of context.retrying) enqueue.cancel(`retry:${key}`);
      // The units that waited to retry have nothing alive now: back to pending.
      enqueue.assign({ retrying: [], state: idleToPending({ ...context, retrying: [] }, null) });
    }),
    failChild: assign(({ context }, params: { id: string; error: unknown }) => {
      const live = context.live.filter((id) => id !== params.id);
      return { live, error: context.error ?? params.error, state: idleToPending({ ...context, live }, null) };
    }),
  },
}).createMachine({
  id: "parallel",
  context: ({ input }): ParallelContext => ({
    ...input,
    state: startState(input),
    lanes: {},
    inPlace: {},
    live: [],
    retrying: [],
    stopRequested: false,
    halt: null,
    error: null,
    lastOutcome: null,
  }),
  initial: "flowing",
  output: ({ context }) => outputOf(context),
  states: {
    flowing: {
      tags: ["busy", "agent"],
      entry: { type: "apply", params: { step: null } },
      always: { guard: "drained", target: "ended" },
      on: {
        "xstate.done.actor.*": {
          actions: {
            type: "apply",
            params: ({ context, event }: { context: ParallelContext; event: { type: string; output?: unknown } }) => {
              const id = event.type.slice("xstate.done.actor.".length);
              return { step: stepOfDone(context, id, event.output), ended: id };
            },
          },
        },
        "xstate.error.actor.*": {
          actions: {
            type: "failChild",
            params: ({ event }: { event: { type: string; error?: unknown } }) => ({ id: event.type.slice("xstate.error.actor.".length), error: event.error }),
          },
        },
        RETRY: { actions: { type: "apply", params: ({ context, event }) => ({ step: afterRetry(context, event.key) }) } },
        STOP: { actions: "stopAll" },
      },
    },
    ended: { type: "final" },
  },
});

/** The parallel run's machine type, for `.provide()` and tests. */
export type ParallelMachine = typeof parallelMachine;
