// The spec and state file a command works on, from its --spec and --state-file flags.
import { defaultStateFile, locateSpec, type SpecLocation } from "../spec/locate.ts";
import { requireSpec } from "./run-options.ts";

/** Locate `--spec` (UsageError when missing, SpecNotFoundError when not found) and its state file. */
export function specFromArgs(args: { spec?: string; "state-file"?: string }): { spec: SpecLocation; stateFile: string } {
  const spec = locateSpec(requireSpec(args.spec));
  return { spec, stateFile: args["state-file"] ?? defaultStateFile(spec.specDir) };
}
