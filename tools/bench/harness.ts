/**
 * The one small benchmark harness of the monorepo: warm-up, repeated timed runs, median; results
 * written as `bench-results/<name>.json` at the repository root in the format of DESIGN.md
 * (`{name, value, unit, baseline, ratio}` entries). Benchmarks report speed; they assert nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One entry of a `bench-results/<name>.json` file. */
export interface BenchEntry {
  /** Stable entry name that issues refer to, e.g. `advantages-vs-copy`. */
  name: string;
  /** The measured figure. */
  value: number;
  /** Its unit, saying which way is better, e.g. `ns/response (lower is better)`. */
  unit: string;
  /** The same-run baseline in the same unit, or null when there is none. */
  baseline: number | null;
  /** value / baseline (for interleaved rounds: the median of the per-round ratios), or null. */
  ratio: number | null;
}

/** Options of {@link timeMedian}. */
export interface TimingOptions {
  /** Untimed calls first, so the JIT has compiled the hot path; default 5. */
  warmup?: number;
  /** Timed calls; default 21. */
  runs?: number;
}

/** Median wall time of `fn` in nanoseconds over `runs` calls, after `warmup` untimed calls. */
export function timeMedian(fn: () => void, options: TimingOptions = {}): number {
  const warmup = options.warmup ?? 5;
  const runs = options.runs ?? 21;
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start));
  }
  return median(samples);
}

/** Median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: expected at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}

/** An entry comparing `value` with a `baseline` measured in the same run (`ratio` = value / baseline). */
export function compared(name: string, value: number, baseline: number, unit: string): BenchEntry {
  return { name, value, unit, baseline, ratio: value / baseline };
}

/**
 * An entry from interleaved rounds on a noisy machine: `values[i]` and `baselines[i]` were measured
 * back to back, so each round's ratio cancels the machine's speed of the moment. `value` and `baseline`
 * are the medians of each; `ratio` is the median of the per-round ratios.
 */
export function comparedRounds(
  name: string,
  values: readonly number[],
  baselines: readonly number[],
  unit: string,
): BenchEntry {
  if (values.length === 0 || values.length !== baselines.length) {
    throw new Error('comparedRounds: expected one baseline per value, at least one round');
  }
  return {
    name,
    value: median(values),
    unit,
    baseline: median(baselines),
    ratio: median(values.map((v, i) => v / baselines[i]!)),
  };
}

/** An entry without a baseline. */
export function standalone(name: string, value: number, unit: string): BenchEntry {
  return { name, value, unit, baseline: null, ratio: null };
}

/** Repository root (this file lives in `tools/bench/`). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Write `bench-results/<name>.json` at the repository root, print it, and return its path. With
 * `merge`, entries already in the file are kept unless this run measured one of the same name (for a
 * package whose benchmarks are several scripts run one after the other).
 */
export function writeResults(name: string, entries: readonly BenchEntry[], options: { merge?: boolean } = {}): string {
  const path = join(ROOT, 'bench-results', `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  const measured = new Set(entries.map((entry) => entry.name));
  const kept: BenchEntry[] =
    options.merge && existsSync(path)
      ? (JSON.parse(readFileSync(path, 'utf8')) as BenchEntry[]).filter((entry) => !measured.has(entry.name))
      : [];
  const text = `${JSON.stringify([...kept, ...entries], null, 2)}\n`;
  writeFileSync(path, text);
  process.stdout.write(text);
  process.stdout.write(`wrote ${path}\n`);
  return path;
}
