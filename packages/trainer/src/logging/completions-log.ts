/**
 * `RUN_DIR/completions.jsonl`: a few sampled responses of every step (prompt, completion, reward,
 * advantage, correct), TRL's `log_completions` table as a file. At most `logging.completions` per step,
 * spread evenly over the step's responses (so over its groups), chosen without drawing random numbers
 * so that logging never changes a run. Lines are appended whole (append-line.ts); a resumed run drops
 * the lines of the steps it runs again, as it does for metrics.jsonl.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { withStorage } from '../errors.js';
import { appendLines } from '../metrics/append-line.js';
import { MetricsError } from '../metrics/metrics-error.js';
import { RUN_FILES } from '../metrics/run-layout.js';

/** Schema of one line of completions.jsonl. */
export const COMPLETION_RECORD_SCHEMA = z.strictObject({
  /** The RL step that sampled it. */
  step: z.int().min(1),
  /** The prompt as the model saw it (decoded prompt tokens, template included). */
  prompt: z.string(),
  /** The sampled completion as decoded. */
  completion: z.string(),
  /** Its reward. */
  reward: z.number(),
  /** Its advantage under the run's weighting. */
  advantage: z.number(),
  /** The verifier's verdict. */
  correct: z.boolean(),
});

/** One line of completions.jsonl. */
export type CompletionRecord = z.infer<typeof COMPLETION_RECORD_SCHEMA>;

/** Path of a run's completions.jsonl. */
export function completionsPath(runDir: string): string {
  return join(runDir, RUN_FILES.completions);
}

/** `count` indices spread evenly over `0 … total − 1` (all of them when count ≥ total). */
export function spreadIndices(count: number, total: number): number[] {
  if (count >= total) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * total) / count));
}

/** Appends the logged completions of each step to a run's completions.jsonl. */
export class CompletionsWriter {
  /** The file written. */
  readonly path: string;

  /** A writer for `runDir`'s completions.jsonl; existing lines are kept. */
  constructor(runDir: string) {
    withStorage(runDir, 'create', () => mkdirSync(runDir, { recursive: true }), 'no completions were logged');
    this.path = completionsPath(runDir);
  }

  /** Append one step's records in one write (all of them or none). */
  append(records: readonly CompletionRecord[]): void {
    if (records.length === 0) return;
    const text = records.map((r) => `${JSON.stringify(COMPLETION_RECORD_SCHEMA.parse(r))}\n`).join('');
    appendLines(this.path, text, `the completions of step ${records[0]!.step} were not logged`);
  }
}

/**
 * The records of a run's completions.jsonl (none when there is no such file). A torn last line (a
 * crash mid-append) is left out; any other malformed line is a {@link MetricsError} naming `file:line`.
 */
export function readCompletions(runDir: string): CompletionRecord[] {
  const file = completionsPath(runDir);
  if (!existsSync(file)) return [];
  const lines = withStorage(file, 'read', () => readFileSync(file, 'utf8'), 'no completions were read').split('\n');
  const out: CompletionRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      if (i === lines.length - 1) return;
      throw new MetricsError(`${file}:${i + 1}`, `invalid JSON: ${(error as Error).message}`);
    }
    const parsed = COMPLETION_RECORD_SCHEMA.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new MetricsError(`${file}:${i + 1}`, `${issue.path.join('.') || 'record'}: ${issue.message}`);
    }
    out.push(parsed.data);
  });
  return out;
}
