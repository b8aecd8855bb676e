/**
 * The paired test of `rlvr compare`: does one family of weightings beat the other, seed by seed? For
 * each seed that every weighting ran, the difference between the two families' mean per-run value (the
 * area under the held-out curve: the mean of its evaluations after the start), then the mean of those
 * differences with a 95 % t interval and a 95 % bootstrap interval over seeds, and how many seeds
 * favour the first family. Seeds pair the runs because a seed fixes the prompt order and the sampling
 * stream's start, shared by every weighting.
 */
import { SeededRandom } from '@rlvr/core';
import { halfWidth95, type SeedRun } from './aggregate.js';

/** The result of {@link pairedFamilyTest}. */
export interface PairedFamilyTest {
  /** Weightings of the first and second family. */
  first: string[];
  second: string[];
  /** Seeds every weighting ran, in order, and the first family's mean minus the second's for each. */
  seeds: number[];
  differences: number[];
  /** Mean difference and the half-width of its 95 % t interval (0 for one seed). */
  mean: number;
  halfWidth: number;
  /** 95 % percentile bootstrap interval of the mean difference over seeds (10,000 resamples). */
  bootstrap: [number, number];
  /** Seeds whose difference is > 0. */
  positive: number;
}

const BOOTSTRAP_RESAMPLES = 10_000;

/** Percentile bootstrap interval of the mean of `xs` (seeded, so reports are reproducible). */
export function bootstrapMeanInterval(
  xs: readonly number[],
  resamples = BOOTSTRAP_RESAMPLES,
  seed = 1,
): [number, number] {
  if (xs.length === 0) return [Number.NaN, Number.NaN];
  const random = new SeededRandom(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[Math.floor(random.next() * xs.length)]!;
    means[r] = sum / xs.length;
  }
  means.sort();
  return [means[Math.floor(0.025 * resamples)]!, means[Math.ceil(0.975 * resamples) - 1]!];
}

/**
 * First family minus second, paired by seed, of `value(run)` (e.g. the area under a run's curve);
 * weightings are split by `inFirst`. Seeds that some weighting lacks are left out.
 */
export function pairedFamilyTest(
  groups: ReadonlyMap<string, readonly SeedRun[]>,
  inFirst: (weighting: string) => boolean,
  value: (run: SeedRun) => number,
): PairedFamilyTest {
  const names = [...groups.keys()];
  const first = names.filter(inFirst);
  const second = names.filter((n) => !inFirst(n));
  const seedSets = names.map((n) => new Set(groups.get(n)!.map((r) => r.seed)));
  const seeds = [...(seedSets[0] ?? [])].filter((s) => seedSets.every((set) => set.has(s))).sort((a, b) => a - b);
  const familyMean = (family: string[], seed: number) =>
    family.reduce((a, n) => a + value(groups.get(n)!.find((r) => r.seed === seed)!), 0) / family.length;
  const differences =
    first.length === 0 || second.length === 0 ? [] : seeds.map((s) => familyMean(first, s) - familyMean(second, s));
  const mean = differences.length === 0 ? Number.NaN : differences.reduce((a, x) => a + x, 0) / differences.length;
  return {
    first,
    second,
    seeds: differences.length === 0 ? [] : seeds,
    differences,
    mean,
    halfWidth: halfWidth95(differences),
    bootstrap: bootstrapMeanInterval(differences),
    positive: differences.filter((d) => d > 0).length,
  };
}

/** One line of Markdown for a paired test, in percentage points. */
export function pairedTestLine(label: string, t: PairedFamilyTest, scale = 100, unit = ' points'): string {
  if (t.differences.length === 0) return `- ${label}: no seed ran every weighting of both families.`;
  const f = (x: number) => (x * scale).toFixed(2);
  return (
    `- ${label} (${t.first.join(', ')} minus ${t.second.join(', ')}), paired over seeds ${t.seeds.join(', ')}: ` +
    `${f(t.mean)}${unit} ± ${f(t.halfWidth)} (95 % t), bootstrap [${f(t.bootstrap[0])}, ${f(t.bootstrap[1])}]; ` +
    `${t.positive} of ${t.differences.length} seeds favour the first family.`
  );
}
