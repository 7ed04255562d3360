// What the machines share about their actors: a slot for an actor that src/actors provides (running without it is
// a programming error), and the error of an `xstate.error.actor.*` event for onError params.
import { fromPromise } from "xstate";

/** Placeholder for an actor that src/actors provides with `.provide()`; it throws when it runs unprovided. */
export const notProvided = <TOutput, TInput>(name: string) =>
  fromPromise<TOutput, TInput>(async () => {
    throw new Error(`actor ${name} was not provided`);
  });

/** The error of an `xstate.error.actor.*` event, for onError params. */
export const errorOf = ({ event }: { event: { error: unknown } }): unknown => event.error;
