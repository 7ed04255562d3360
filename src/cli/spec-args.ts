// The spec and state file a command works on, from its --spec and --state-file flags.
import { defaultStateFile, type SpecLocation } from "../spec/locate.ts";
import { requireSpec } from "./flag-checks.ts";
import { locateSpecWithHint } from "./suggest.ts";

/** Locate `--spec` (UsageError when missing, SpecNotFoundError when not found, with a hint when it names a spec or a folder of specs) and its state file. */
export function specFromArgs(args: { spec?: string; "state-file"?: string }): { spec: SpecLocation; stateFile: string } {
  const spec = locateSpecWithHint(requireSpec(args.spec));
  return { spec, stateFile: args["state-file"] ?? defaultStateFile(spec.specDir) };
}
