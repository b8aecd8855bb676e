/**
 * The report's table of sampled completions (`completions.jsonl`, `logging.completions`): for each
 * run, those of its first and last logged steps, so the page shows what the policy wrote before and
 * after training. Completions are model output, so every cell is escaped text, and long ones are cut.
 */
import type { CompletionRecord } from '../logging/completions-log.js';
import { escapeHtml, table } from './html-text.js';
import type { RunData } from './load-run.js';

/** Longest prompt or completion shown, in characters (the file holds them whole). */
const MAX_CHARS = 1500;

function cut(text: string): string {
  return text.length <= MAX_CHARS ? text : `${text.slice(0, MAX_CHARS)}… (${text.length - MAX_CHARS} more characters)`;
}

/** The completions of a run's first and last logged steps, in file order. */
export function shownCompletions(completions: readonly CompletionRecord[]): CompletionRecord[] {
  if (completions.length === 0) return [];
  const steps = new Set([completions[0]!.step, completions.at(-1)!.step]);
  return completions.filter((c) => steps.has(c.step));
}

/** The page section: one table per run that logged completions, or nothing. */
export function completionsSection(runs: readonly RunData[]): string {
  const parts = runs.flatMap((run) => {
    const shown = shownCompletions(run.completions);
    if (shown.length === 0) return [];
    const rows = shown.map((c) => [
      String(c.step),
      cut(c.prompt),
      cut(c.completion),
      String(Number(c.reward.toPrecision(4))),
      String(Number(c.advantage.toPrecision(4))),
      c.correct ? 'yes' : 'no',
    ]);
    return [
      `<h3>${escapeHtml(run.label)}</h3>`,
      `<div class="completions">${table(
        ['step', 'prompt', 'completion', 'reward', 'advantage', 'correct'],
        rows,
        (i) => (shown[i]!.correct ? 'correct' : ''),
      )}</div>`,
    ];
  });
  if (parts.length === 0) return '';
  const intro =
    '<p>Sampled completions of the first and the last logged step of each run (every logged one is in the run’s completions.jsonl).</p>';
  return ['<h2>Sampled completions</h2>', intro, ...parts].join('\n');
}
