// Writing large output to stdout without losing its end: a write resolves once stdout has handed the bytes on,
// so a command that exits right after its last write still delivers everything to a slow reader (a pipe whose
// reader starts late got only the first 64 KiB otherwise).

/**
 * Write `data` to stdout; resolves when stdout has handed it on. A copy is made for a Uint8Array, so the caller
 * may reuse its buffer at once. (EPIPE goes to stdout's error handler, see src/index.ts.)
 */
export function writeOut(data: string | Uint8Array): Promise<void> {
  return new Promise((done) => {
    process.stdout.write(data, () => done());
  });
}
