// The runaway check's fingerprint (src/actors/workdir-changes.ts) in real repositories: seqorch's own files and
// the temporary files their atomic writes leave for an instant are never taken for the agent's change.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { excludeSpecs, workdirFingerprint } from "../../src/actors/workdir-changes.ts";
import { removeRepos, tempRepo, write } from "./temp-repo.ts";

afterAll(removeRepos);

describe("workdir fingerprint", () => {
  test("an atomic write's temporary file beside an own file is left out; any other new file is a change", async () => {
    const { repo, specDir } = tempRepo();
    const state = join(specDir, "SEQUENTIAL_STATE.json");
    const excludes = excludeSpecs(repo, [state, join(specDir, "tasks.md")]);
    const clean = await workdirFingerprint(repo, excludes);
    expect(clean).toMatch(/^[0-9a-f]{40}$/);
    writeFileSync(state, "{}\n");
    // The name src/store/atomic-write.ts gives its temporary file: .<name>.<pid>.<n>.tmp
    writeFileSync(join(specDir, ".SEQUENTIAL_STATE.json.4242.1a.tmp"), "{}\n");
    writeFileSync(join(specDir, ".tasks.md.4242.2.tmp"), "x\n");
    expect(await workdirFingerprint(repo, excludes)).toBe(clean);
    // Not the pattern of an own file: the agent's.
    write(repo, ".kiro/specs/feat/.other.json.1.1.tmp", "x\n");
    expect(await workdirFingerprint(repo, excludes)).not.toBe(clean);
    rmSync(join(specDir, ".other.json.1.1.tmp"));
    write(repo, "src/new.ts", "x\n");
    expect(await workdirFingerprint(repo, excludes)).not.toBe(clean);
  });

  test("glob specials in the spec folder's name are taken literally", async () => {
    const { repo } = tempRepo({ ".kiro/specs/a*[b]?/tasks.md": "- [ ] 1. One\n" });
    const dir = join(repo, ".kiro/specs/a*[b]?");
    const excludes = excludeSpecs(repo, [join(dir, "SEQUENTIAL_STATE.json")]);
    const clean = await workdirFingerprint(repo, excludes);
    writeFileSync(join(dir, ".SEQUENTIAL_STATE.json.1.1.tmp"), "{}\n");
    expect(await workdirFingerprint(repo, excludes)).toBe(clean);
    // A folder the glob would match if its specials were not escaped is not left out.
    write(repo, ".kiro/specs/abb/.SEQUENTIAL_STATE.json.1.1.tmp", "{}\n");
    expect(await workdirFingerprint(repo, excludes)).not.toBe(clean);
  });
});
