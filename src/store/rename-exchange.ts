// Exchanging two files atomically (Linux renameat2 with RENAME_EXCHANGE, through bun:ffi), for a file replaced
// again and again without allocating and freeing an inode each time (src/store/atomic-write.ts).
import { platform } from "node:os";

/** `exchange(a, b)`: swap the two names atomically; false when it did not happen (either missing, unsupported). */
export type Exchange = (a: string, b: string) => boolean;

/** renameat2(2) flag: swap the two entries (include/uapi/linux/fs.h). */
const RENAME_EXCHANGE = 2;
/** The directory fd meaning "relative to the working directory" (paths here are absolute anyway). */
const AT_FDCWD = -100;
/** C libraries that may hold renameat2 (glibc 2.28+, musl 1.2.4+). */
const LIBCS = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"];

/**
 * The C library's renameat2 with RENAME_EXCHANGE, or null where there is none (not Linux, no such symbol, bun:ffi
 * missing). Loading costs about 2 ms and 2 MB of mapped pages once, so a caller makes it once and only for a file
 * it writes many times.
 */
export function loadExchange(): Exchange | null {
  if (platform() !== "linux") return null;
  let ffi: typeof import("bun:ffi");
  try {
    ffi = require("bun:ffi") as typeof import("bun:ffi");
  } catch {
    return null;
  }
  for (const name of LIBCS) {
    try {
      const { symbols } = ffi.dlopen(name, { renameat2: { args: [ffi.FFIType.i32, ffi.FFIType.ptr, ffi.FFIType.i32, ffi.FFIType.ptr, ffi.FFIType.u32], returns: ffi.FFIType.i32 } });
      // Buffers passed as pointer arguments: bun:ffi keeps them alive for the call.
      return (a, b) => symbols.renameat2(AT_FDCWD, Buffer.from(`${a}\0`), AT_FDCWD, Buffer.from(`${b}\0`), RENAME_EXCHANGE) === 0;
    } catch {
      // not this C library, or no renameat2 in it
    }
  }
  return null;
}
