// The intent journal: a dispatch's start is one appended line, not a state write; readers of the state file see it.
import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateFileError } from "../../src/errors.ts";
import { intentsPath, readIntents } from "../../src/store/intents.ts";
import { createStateStore, emptyState, loadState, loadStateAndIntents, type AttemptRecord } from "../../src/store/state.ts";

const record = (n: number, id = `attempt-${n}`): AttemptRecord => ({
  n, iteration: n, backend: "command", status: "running", reason: null, started_at: `2026-01-01T00:00:0${n}.000Z`, ended_at: null,
  duration_ms: null, exit_code: null, counted: true, log: `/x/${n}/out.log`, runner: "direct", window_id: null, session_id: null,
  pid: null, channel: null, detached: false, attempt_id: id, agent_session_id: null, agent_usage: null,
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
/** A state file path in a fresh folder, with a store that has written it once. */
function written() {
  const dir = mkdtempSync(join(tmpdir(), "seqorch-intents-"));
  dirs.push(dir);
  const path = join(dir, "SEQUENTIAL_STATE.json");
  const store = createStateStore(path, emptyState("/spec"));
  store.update((s) => void s.completed.push("0"));
  return { path, store };
}

describe("intent journal", () => {
  test("a start appends one line and leaves the state file as it was; loadState shows the attempt running", () => {
    const { path, store } = written();
    const before = readFileSync(path, "utf8");
    const inode = statSync(path).ino;
    store.start("1", 1, record(1));
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(statSync(path).ino).toBe(inode);
    expect(readFileSync(intentsPath(path), "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    const seen = loadState(path)!;
    expect(seen.attempts["1"]).toEqual([record(1)]);
    expect(seen.current).toEqual({ unit: "1", attempt: 1, started_at: record(1).started_at });
    expect(seen.iteration).toBe(1);
    expect(seen).toEqual(store.get());
  });

  test("the first start of a state never written writes the state file instead", () => {
    const dir = mkdtempSync(join(tmpdir(), "seqorch-intents-"));
    dirs.push(dir);
    const path = join(dir, "SEQUENTIAL_STATE.json");
    createStateStore(path, emptyState("/spec")).start("1", 1, record(1));
    expect(existsSync(intentsPath(path))).toBe(false);
    expect(loadState(path)!.attempts["1"]).toEqual([record(1)]);
  });

  test("the next state write carries the starts; lines before it are not applied again, nor to a state started afresh", () => {
    const { path, store } = written();
    store.start("1", 1, record(1));
    store.update((s) => void Object.assign(s.attempts["1"]![0]!, { status: "done" }), { units: ["1"] });
    store.start("2", 1, record(2));
    const seen = loadStateAndIntents(path)!;
    expect(seen.intents).toBe(1);
    expect(seen.state.attempts["1"]!.map((a) => a.status)).toEqual(["done"]);
    expect(seen.state.attempts["2"]!.map((a) => a.status)).toEqual(["running"]);
    // A state file replaced by another (a person's restore, a fresh start) takes none of the journal's lines.
    // (Written a millisecond later at least: lines follow a state by its updated_at, which has that resolution.)
    const last = loadState(path)!.updated_at!;
    while (new Date().toISOString() === last) Bun.sleepSync(1);
    const fresh = createStateStore(path, emptyState("/spec"));
    fresh.update(() => {});
    expect(loadStateAndIntents(path)!.intents).toBe(0);
    expect(loadState(path)!.attempts).toEqual({});
  });

  test("a last line cut short by a kill is left out; any other bad line is an error naming the journal and the line", () => {
    const { path, store } = written();
    store.start("1", 1, record(1));
    const journal = intentsPath(path);
    const base = loadState(path)!.updated_at;
    appendFileSync(journal, `{"base":${JSON.stringify(base)},"unit":"2","itera`);
    expect(readIntents(path, base).map((i) => i.unit)).toEqual(["1"]);
    expect(loadState(path)!.attempts["2"]).toBeUndefined();
    writeFileSync(journal, `${readFileSync(journal, "utf8")}\n${readFileSync(journal, "utf8").split("\n")[0]}\n`);
    expect(() => loadState(path)).toThrow(StateFileError);
    expect(() => loadState(path)).toThrow(`${journal}: line 2: not valid JSON`);
    writeFileSync(journal, `not an intent\n{"base":${JSON.stringify(base)},"unit":"1","iteration":1,"attempt":1,"record":${JSON.stringify(record(1))}}\n`);
    expect(() => loadState(path)).toThrow(`${journal}: line 1: not an intent`);
    writeFileSync(journal, `{"base":${JSON.stringify(base)},"unit":"1","iteration":1,"attempt":1,"record":${JSON.stringify({ ...record(1), status: "asleep" })}}\n`);
    expect(() => loadState(path)).toThrow(`${journal}: record.status`);
    // Nothing was modified by the failed reads.
    expect(readFileSync(journal, "utf8")).toContain('"asleep"');
  });

  test("a start already in the state (same attempt id) is applied once", () => {
    const { path, store } = written();
    store.start("1", 1, record(1));
    const line = readFileSync(intentsPath(path), "utf8");
    appendFileSync(intentsPath(path), line);
    expect(loadState(path)!.attempts["1"]).toHaveLength(1);
  });

  test("settle writes the journalled starts to the state file (fsynced) and removes the journal", () => {
    const { path, store } = written();
    store.start("1", 1, record(1));
    store.start("2", 1, record(2));
    store.settle();
    expect(existsSync(intentsPath(path))).toBe(false);
    const onDisk = JSON.parse(readFileSync(path, "utf8"));
    expect(Object.keys(onDisk.attempts)).toEqual(["1", "2"]);
    expect(onDisk.current.unit).toBe("2");
    // A store made from a state read with its journal knows what the file lacks.
    store.start("3", 1, record(3));
    const loaded = loadStateAndIntents(path)!;
    const again = createStateStore(path, loaded.state, { intents: loaded.intents });
    again.settle();
    expect(Object.keys(JSON.parse(readFileSync(path, "utf8")).attempts)).toEqual(["1", "2", "3"]);
    expect(existsSync(intentsPath(path))).toBe(false);
  });

  test("the journal is removed by a durable write once it is large, and never by one that is not fsynced", () => {
    const { path, store } = written();
    let n = 0;
    while (!existsSync(intentsPath(path)) || statSync(intentsPath(path)).size < 256 * 1024) store.start(`u${++n}`, 1, record(1, `id-${n}`));
    store.update(() => {}, { durable: false });
    expect(existsSync(intentsPath(path))).toBe(true);
    store.update(() => {});
    expect(existsSync(intentsPath(path))).toBe(false);
    expect(Object.keys(loadState(path)!.attempts)).toHaveLength(n);
  });
});
