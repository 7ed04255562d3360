// `seqorch plan --json`: the document, written to stdout unit by unit through one reused buffer.
import type { PlanView } from "../actors/plan-reader.ts";
import type { SpecLocation } from "../spec/locate.ts";
import type { DispatchUnit, Task } from "../spec/types.ts";

/** Size of the buffer the JSON is encoded into and written from (the whole document is never one string). */
const CHUNK_BYTES = 64 * 1024;

/**
 * The fields of a unit in `plan --json`, in this order (the README's plan section names them). As JSON.stringify's
 * list of keys it applies at every level: each sub-task (a Task) keeps the ones it has, id, key, title and line.
 * writeUnit writes the same text; this list writes a unit too large for the buffer.
 */
const UNIT_FIELDS = ["id", "key", "title", "kind", "line", "dependsOn", "subtasks"];

/** A string JSON.stringify writes other than as `"` + itself + `"`: one with a quote, a backslash, a control character or a surrogate. */
const NEEDS_ESCAPES = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The most bytes a string takes written as JSON: an escaped UTF-16 unit is at most 6 ASCII bytes, any other at most 3 of UTF-8. */
const most = (value: string): number => value.length * 6 + 2;

/** Bytes of a unit's punctuation, field names and line number (16 digits at most), and of each sub-task's, with room to spare. */
const UNIT_FRAME = 100;
const SUBTASK_FRAME = 60;

/**
 * Encodes JSON into one fixed buffer, writing the buffer out when the next piece might not fit: each value is
 * copied where it lies (a string that needs no escapes as it is), so a unit costs no string of its own and
 * printing 10,000 tasks adds almost nothing to the peak memory.
 */
class JsonWriter {
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;

  /** Makes room for `bytes` (at most CHUNK_BYTES), writing out what the buffer holds when they would not fit. */
  async room(bytes: number): Promise<void> {
    if (this.used + bytes > CHUNK_BYTES) await this.end();
  }

  /** Text that needs no escaping (JSON punctuation, or a value JSON.stringify made), within the room made. */
  raw(text: string): void {
    this.used += this.buffer.write(text, this.used);
  }

  /** A JSON string, as JSON.stringify writes it, within the room made. */
  string(value: string): void {
    if (NEEDS_ESCAPES.test(value)) return this.raw(JSON.stringify(value));
    this.buffer[this.used++] = 0x22;
    this.used += this.buffer.write(value, this.used);
    this.buffer[this.used++] = 0x22;
  }

  /** `text` on its own, after what the buffer holds: for a piece that may not fit in it. */
  async alone(text: string): Promise<void> {
    await this.end();
    await writeOut(text);
  }

  /** Writes out what the buffer holds. */
  async end(): Promise<void> {
    if (this.used > 0) await writeOut(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** The most bytes `u` takes in the document (with the comma before it). */
function unitBytes(u: DispatchUnit): number {
  let bytes = UNIT_FRAME + most(u.id) + most(u.key) + most(u.title) + most(u.kind);
  for (const key of u.dependsOn) bytes += most(key) + 1;
  for (const t of u.subtasks) bytes += SUBTASK_FRAME + most(t.id) + most(t.key) + most(t.title);
  return bytes;
}

/** A sub-task: {"id","key","title","line"}. */
function writeSubtask(out: JsonWriter, t: Task): void {
  out.raw('{"id":');
  out.string(t.id);
  out.raw(',"key":');
  out.string(t.key);
  out.raw(',"title":');
  out.string(t.title);
  out.raw(`,"line":${t.line}}`);
}

/** A unit (after a comma unless it is the first): the text JSON.stringify makes of it with UNIT_FIELDS. */
async function writeUnit(out: JsonWriter, u: DispatchUnit, first: boolean): Promise<void> {
  const bytes = unitBytes(u);
  if (bytes > CHUNK_BYTES) return out.alone(`${first ? "" : ","}${JSON.stringify(u, UNIT_FIELDS)}`);
  await out.room(bytes);
  out.raw(first ? '{"id":' : ',{"id":');
  out.string(u.id);
  out.raw(',"key":');
  out.string(u.key);
  out.raw(',"title":');
  out.string(u.title);
  out.raw(',"kind":');
  out.string(u.kind);
  out.raw(`,"line":${u.line},"dependsOn":[`);
  for (let i = 0; i < u.dependsOn.length; i++) {
    if (i > 0) out.raw(",");
    out.string(u.dependsOn[i]!);
  }
  out.raw('],"subtasks":[');
  for (let i = 0; i < u.subtasks.length; i++) {
    if (i > 0) out.raw(",");
    writeSubtask(out, u.subtasks[i]!);
  }
  out.raw("]}");
}

/**
 * Prints the --json document: the text JSON.stringify makes of {spec, tasksFile, units, done, optional, ignored,
 * warnings, waves, totalUnits} (units as UNIT_FIELDS has them), one line, encoded unit by unit into one buffer
 * written each time it is about full (10,000 tasks make about 1.2 MB). Resolves once stdout has taken every
 * piece (the command's exit would cut a pipe's pending output short).
 */
export async function printPlanJson(spec: SpecLocation, view: PlanView, done: string[]): Promise<void> {
  const { plan } = view;
  const head = JSON.stringify({ spec: spec.specDir, tasksFile: spec.tasksFile });
  const tail = JSON.stringify({ done, optional: plan.optional, ignored: plan.ignored, warnings: plan.warnings, waves: plan.waves, totalUnits: view.counted.length });
  const out = new JsonWriter();
  await out.alone(`${head.slice(0, -1)},"units":[`);
  for (let i = 0; i < view.pending.length; i++) await writeUnit(out, view.pending[i]!, i === 0);
  await out.alone(`],${tail.slice(1)}\n`);
}

/** Writes `data` to stdout; resolves when stdout has handed it on (EPIPE goes to stdout's error handler, see index.ts). */
function writeOut(data: string | Uint8Array): Promise<void> {
  return new Promise((done) => {
    process.stdout.write(data, () => done());
  });
}
