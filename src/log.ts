// The one consola instance, and tagged loggers per area. Nothing below src/cli writes to the terminal directly.
import { createConsola } from "consola";

/** The process-wide logger (stderr for warnings and errors, stdout for info). */
export const log = createConsola({
  level: process.env.SEQORCH_QUIET ? 1 : 3,
  formatOptions: { date: false, compact: true },
});
