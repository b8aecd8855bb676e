/**
 * The report of the dataset records a run left out under `task.onMalformed: skip`: one line per file
 * with how many were skipped, the first line numbers and the first reason, so that skipping is never
 * silent.
 */
import type { SkippedRecord } from './load-task.js';

/** How many line numbers a report lists per file (the count is always exact). */
export const SKIPPED_LINES_SHOWN = 5;

/** One line per file that had skipped records: `skipped N malformed records of FILE (line a, b, …); …`. */
export function describeSkippedRecords(skipped: readonly SkippedRecord[]): string[] {
  const byFile = new Map<string, { lines: number[]; reason: string }>();
  for (const record of skipped) {
    const entry = byFile.get(record.file) ?? { lines: [], reason: record.reason };
    entry.lines.push(record.line);
    byFile.set(record.file, entry);
  }
  return [...byFile].map(([file, { lines, reason }]) => {
    const shown = lines.slice(0, SKIPPED_LINES_SHOWN).join(', ');
    const more = lines.length > SKIPPED_LINES_SHOWN ? ', …' : '';
    const noun = lines.length === 1 ? 'record' : 'records';
    return `task.onMalformed skip: skipped ${lines.length} malformed ${noun} of ${file} (line ${shown}${more}); the first: ${reason}`;
  });
}
