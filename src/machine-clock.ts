// The clock the run's machine schedules its delays with: the system's timers, except that a zero delay (--delay 0)
// runs on the next turn of the event loop instead of a timer, which Bun rounds up to about 1 ms per unit.
import type { ActorOptions, AnyActorLogic } from "xstate";

type Clock = NonNullable<ActorOptions<AnyActorLogic>["clock"]>;

type Handle = { immediate: ReturnType<typeof setImmediate> } | { timer: ReturnType<typeof setTimeout> };

/** xstate's Clock (setTimeout/clearTimeout, ms) with zero and negative delays as setImmediate. */
export const machineClock: Clock = {
  setTimeout(fn: (...args: unknown[]) => void, ms: number): Handle {
    return ms <= 0 ? { immediate: setImmediate(fn) } : { timer: setTimeout(fn, ms) };
  },
  clearTimeout(handle: Handle | undefined): void {
    if (handle === undefined) return;
    if ("immediate" in handle) clearImmediate(handle.immediate);
    else clearTimeout(handle.timer);
  },
};
