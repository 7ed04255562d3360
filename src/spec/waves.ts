// Reads the JSON "waves" block some specs carry under `## Task Dependency Graph` (shown in the plan; never reorders).
// Rules: shared/reference/kiro-tasks-format.md, Part 1 item 42 and Part 2 ("Order").
import type { CodeBlock } from "./lines.ts";

/** One wave as shown in the plan: IDs as strings, whether the file wrote them as numbers or strings. */
export interface Wave {
  id: string;
  tasks: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asId(value: unknown): string | null {
  return typeof value === "string" || typeof value === "number" ? String(value) : null;
}

/**
 * Waves from every fenced block that mentions `"waves"`: `{"waves":[{"id":0,"tasks":["1.1"]}]}`
 * (`"wave"` is accepted for `"id"`). JSON.parse only: the text is data. Unreadable blocks add a warning.
 */
export function readWaves(blocks: CodeBlock[], file: string, warnings: string[]): Wave[] {
  const waves: Wave[] = [];
  for (const block of blocks) {
    if (!block.text.includes('"waves"')) continue;
    let data: unknown;
    try {
      data = JSON.parse(block.text);
    } catch (error) {
      warnings.push(`${file}:${block.line}: waves block is not valid JSON (${(error as Error).message}); ignored`);
      continue;
    }
    const list = isRecord(data) ? data.waves : undefined;
    if (!Array.isArray(list)) {
      warnings.push(`${file}:${block.line}: waves block has no "waves" array; ignored`);
      continue;
    }
    list.forEach((entry, index) => {
      if (!isRecord(entry)) return;
      const id = asId(entry.id) ?? asId(entry.wave) ?? String(index);
      const tasks = Array.isArray(entry.tasks) ? entry.tasks.map(asId).filter((t): t is string => t !== null) : [];
      waves.push({ id, tasks });
    });
  }
  return waves;
}
