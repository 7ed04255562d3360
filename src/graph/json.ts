// The machine's definition as JSON: states, transitions, guards, actions and delays by name (implementations are
// functions and are left out). Paste it into `createMachine(...)` in Stately Studio or the XState VS Code extension.
import type { AnyStateMachine } from "xstate";

export function toJson(machine: AnyStateMachine): string {
  return JSON.stringify(machine.config, null, 2);
}
