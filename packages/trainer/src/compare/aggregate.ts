/**
 * The numbers of `rlvr compare`, from the metrics of every weighting × seed run: held-out accuracy
 * curves (mean and min–max band over seeds, against steps and against sampled responses), the final
 * accuracy with a 95 % interval, the means over every evaluation after the start (the area under the
 * learning curve, less noisy than the final value: greedy pass@1, and the mean accuracy of the sampled
 * answers, the learning-rate sweep's criterion), the steps to reach 2× and 4× the start accuracy, and
 * the share of groups with ρ̂ = 0 over time. Pure functions of the records, so tests can check them by hand.
 */
import type { EvalMetrics, StepMetrics } from '../metrics/index.js';

/** One run's records, as read from its metrics.jsonl. */
export interface SeedRun {
  seed: number;
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/** One point of a weighting's held-out curve over seeds. */
export interface BandPoint {
  weighting: string;
  step: number;
  /** Mean sampled responses up to this step over the seeds (the paper's effective time). */
  sampledResponses: number;
  mean: number;
  min: number;
  max: number;
}

/** What the table says of one weighting. */
export interface WeightingSummary {
  weighting: string;
  seeds: number;
  /** Held-out accuracy before training (mean over seeds). */
  start: number;
  /** Held-out accuracy at the last evaluation: mean and half-width of its 95 % t interval. */
  finalMean: number;
  finalHalfWidth: number;
  /** Greedy pass@1 and sampled mean accuracy averaged over the evaluations after step 0 and the seeds. */
  curveMean: number;
  sampledCurveMean: number;
  /** First evaluated step at which the seed-mean curve reaches 2× / 4× the start; null = not reached. */
  stepsTo2x: number | null;
  stepsTo4x: number | null;
  /** Share of groups with ρ̂ = 0 in the first, middle and last third of the steps (mean over seeds). */
  zeroShareByThird: [number, number, number];
}

/** Two-sided 97.5 % quantiles of Student's t for 1…10 degrees of freedom (then the normal's 1.96). */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** Half-width of the 95 % t interval of the mean of `xs` (0 for a single value). */
export function halfWidth95(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return ((T_975[n - 2] ?? 1.96) * sd) / Math.sqrt(n);
}

/** Held-out accuracy of an evaluation: pass@1 of the greedy answer (the demo's and the paper's headline). */
export function heldOut(e: EvalMetrics): number {
  return e.pass1Greedy;
}

/** The area under one run's curve of `value`: its mean over the evaluations after the start (NaN without any). */
export function runArea(run: SeedRun, value: (e: EvalMetrics) => number = heldOut): number {
  const after = run.evals.filter((e) => e.step > 0);
  return after.length === 0 ? Number.NaN : after.reduce((a, e) => a + value(e), 0) / after.length;
}

/** The curve points of one weighting: evaluation steps that every seed has. */
export function bandPoints(weighting: string, runs: readonly SeedRun[]): BandPoint[] {
  if (runs.length === 0) return [];
  const stepsOf = (r: SeedRun) => new Set(r.evals.map((e) => e.step));
  const common = [...stepsOf(runs[0]!)].filter((s) => runs.every((r) => stepsOf(r).has(s))).sort((a, b) => a - b);
  return common.map((step) => {
    const values = runs.map((r) => heldOut(r.evals.find((e) => e.step === step)!));
    const responses = runs.map((r) => (step === 0 ? 0 : (r.steps.find((s) => s.step === step)?.sampledResponses ?? 0)));
    return {
      weighting,
      step,
      sampledResponses: responses.reduce((a, b) => a + b, 0) / runs.length,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      min: Math.min(...values),
      max: Math.max(...values),
    };
  });
}

/** Share of groups with no correct response in each step record. */
function zeroShare(s: StepMetrics): number {
  const groups = s.rhoHistogram.reduce((a, b) => a + b, 0);
  return groups === 0 ? 0 : (s.rhoHistogram[0] ?? 0) / groups;
}

/** The table row of one weighting; see {@link WeightingSummary}. */
export function summariseWeighting(weighting: string, runs: readonly SeedRun[]): WeightingSummary {
  const points = bandPoints(weighting, runs);
  const start = points[0]?.step === 0 ? points[0].mean : NaN;
  const finals = runs.map((r) => heldOut(r.evals.at(-1)!));
  const reach = (factor: number) =>
    points.find((p) => p.step > 0 && p.mean >= factor * start && p.mean > 0)?.step ?? null;
  const thirds = [0, 1, 2].map((third) => {
    const shares = runs.map((r) => {
      const n = r.steps.length;
      const part = r.steps.slice(Math.floor((third * n) / 3), Math.floor(((third + 1) * n) / 3));
      return part.length === 0 ? 0 : part.reduce((a, s) => a + zeroShare(s), 0) / part.length;
    });
    return shares.reduce((a, b) => a + b, 0) / Math.max(1, shares.length);
  }) as [number, number, number];
  const overRun = (value: (e: EvalMetrics) => number) => {
    const values = runs.flatMap((r) => r.evals.filter((e) => e.step > 0).map(value));
    return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
  };
  return {
    weighting,
    seeds: runs.length,
    start,
    curveMean: overRun(heldOut),
    sampledCurveMean: overRun((e) => e.meanAccuracy),
    finalMean: finals.reduce((a, b) => a + b, 0) / Math.max(1, finals.length),
    finalHalfWidth: halfWidth95(finals),
    stepsTo2x: reach(2),
    stepsTo4x: reach(4),
    zeroShareByThird: thirds,
  };
}

/** The results table in Markdown, one row per weighting. */
export function summaryTable(rows: readonly WeightingSummary[]): string {
  const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a');
  const lines = [
    '| weighting | seeds | held-out start (%) | final held-out (%) mean ± 95% CI | held-out over the run (%) | sampled accuracy over the run (%) | steps to 2× start | steps to 4× start | ρ̂ = 0 share, thirds of training (%) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.weighting} | ${r.seeds} | ${pct(r.start)} | ${pct(r.finalMean)} ± ${pct(r.finalHalfWidth)} | ${pct(r.curveMean)} | ${pct(r.sampledCurveMean)} | ${r.stepsTo2x ?? 'not reached'} | ${r.stepsTo4x ?? 'not reached'} | ${r.zeroShareByThird.map(pct).join(' / ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
