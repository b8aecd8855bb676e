/**
 * Learning rates of `rlvr compare`: the `--lr` option (one rate for every weighting, or one per
 * weighting as `NAME=LR` pairs) and the sweep rule that picks each weighting's rate from a sweep (the
 * rate with the highest mean accuracy of the sampled answers on the held-out problems, averaged over
 * the evaluations after the start: less noisy than one greedy answer per problem), so a sweep's table
 * ends with the rates it chose and the `--lr` that runs them.
 */
import { CliError } from '../cli/cli-error.js';
import { parseNumber } from '../cli/parse-options.js';

/** What `--lr` says: nothing, one rate for all, or a rate per weighting. */
export type LearningRateOption =
  { kind: 'tuned' } | { kind: 'one'; lr: number } | { kind: 'each'; lrs: Map<string, number> };

/**
 * Parses `--lr`: `LR` (every weighting) or `NAME=LR,NAME=LR,…` naming each of `weightings` exactly once.
 * A rate ≤ 0, a name not compared, a name given twice or a compared weighting without a rate is a
 * {@link CliError} naming it.
 */
export function parseLearningRateOption(text: string | undefined, weightings: readonly string[]): LearningRateOption {
  if (text === undefined) return { kind: 'tuned' };
  const positive = (raw: string): number => {
    const lr = parseNumber('--lr', raw.trim());
    if (!(lr > 0)) throw new CliError('--lr', `expected a learning rate > 0, got ${raw.trim()}`);
    return lr;
  };
  if (!text.includes('=')) return { kind: 'one', lr: positive(text) };
  const lrs = new Map<string, number>();
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq === -1) throw new CliError('--lr', `expected NAME=LR pairs, got ${JSON.stringify(pair.trim())}`);
    const name = pair.slice(0, eq).trim();
    if (!weightings.includes(name)) {
      throw new CliError('--lr', `${name} is not among the compared weightings (${weightings.join(', ')})`);
    }
    if (lrs.has(name)) throw new CliError('--lr', `${name} is given twice`);
    lrs.set(name, positive(pair.slice(eq + 1)));
  }
  const missing = weightings.filter((w) => !lrs.has(w));
  if (missing.length > 0) throw new CliError('--lr', `no rate for ${missing.join(', ')}; give NAME=LR for each`);
  return { kind: 'each', lrs };
}

/** The rate a planned run uses: the option's, else the weighting's tuned default. */
export function learningRateOf(option: LearningRateOption, weighting: string, tuned: (w: string) => number): number {
  if (option.kind === 'one') return option.lr;
  if (option.kind === 'each') return option.lrs.get(weighting)!;
  return tuned(weighting);
}

/** One weighting × rate of a sweep and its score (held-out sampled accuracy averaged over the evaluations and seeds). */
export interface SweepScore {
  weighting: string;
  lr: number;
  score: number;
}

/** A weighting's chosen rate; `edge` says whether it is the grid's lowest or highest (then the grid should widen). */
export interface ChosenRate {
  weighting: string;
  lr: number;
  score: number;
  edge: 'lowest' | 'highest' | null;
}

/**
 * The sweep rule: for each weighting (in first-seen order) the rate with the highest score; a tie goes
 * to the smaller rate (the safer step). `edge` marks a choice at either end of `grid`.
 */
export function chooseSweepRates(scores: readonly SweepScore[], grid: readonly number[]): ChosenRate[] {
  const low = Math.min(...grid);
  const high = Math.max(...grid);
  const best = new Map<string, SweepScore>();
  for (const s of scores) {
    const current = best.get(s.weighting);
    if (current === undefined || s.score > current.score || (s.score === current.score && s.lr < current.lr)) {
      best.set(s.weighting, s);
    }
  }
  return [...best.values()].map((s) => ({
    ...s,
    edge: grid.length > 1 && s.lr === low ? 'lowest' : grid.length > 1 && s.lr === high ? 'highest' : null,
  }));
}

/** The sweep table's closing lines: each weighting's chosen rate (edges marked) and the `--lr` value that runs them. */
export function chosenRatesText(chosen: readonly ChosenRate[]): string {
  const rows = chosen.map(
    (c) =>
      `| ${c.weighting} | ${c.lr} | ${(100 * c.score).toFixed(1)} | ${c.edge === null ? '' : `the grid's ${c.edge}: try beyond it`} |`,
  );
  return [
    '',
    'Chosen by the sweep rule (the rate with the highest sampled accuracy on the held-out problems averaged over the evaluations after the start and the seeds; a tie goes to the smaller rate):',
    '',
    '| weighting | learning rate | sampled accuracy over the run (%) | note |',
    '|---|---|---|---|',
    ...rows,
    '',
    `To compare at these rates: \`--lr ${chosen.map((c) => `${c.weighting}=${c.lr}`).join(',')}\``,
    '',
  ].join('\n');
}
