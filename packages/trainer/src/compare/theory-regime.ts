/**
 * The numbers of `rlvr compare --task choice`, the theory's regime: from the exact ρ of every training
 * prompt at each evaluation (loop/exact-success.ts), the mean-ρ curves of each weighting, the times
 * to a target success rate on both clocks (RL steps, and sampled responses: the paper's effective time),
 * per prompt and for the mean, and beside them what @rlvr/weights predicts for the same start: the
 * ODE's cost at equal update budget B·T on each clock (the paper's optimality statements) and the
 * stochastic `simulate` at the same prompts, group size and step count. Pure functions of the records
 * and the library, so tests can check them by hand.
 */
import {
  simulate,
  theoryRow,
  weighting as weightingByName,
  type SamplingMode,
  type SimulationResult,
} from '@rlvr/weights';
import type { EvalMetrics } from '../metrics/index.js';
import type { BandPoint, SeedRun } from './aggregate.js';

/** One point of a weighting's mean-ρ curve: mean over seeds of the mean exact ρ of the training prompts, min–max over seeds. */
export type RhoPoint = BandPoint;

/** Measured times of one weighting to a target ρ*, on both clocks. */
export interface MeasuredTimes {
  weighting: string;
  target: number;
  /** First evaluated step at which the seed-mean of the mean ρ reaches ρ*; null = not within the run. */
  meanSteps: number | null;
  /** Sampled responses (mean over seeds) at that step. */
  meanResponses: number | null;
  /**
   * First evaluated step by which a quarter of the prompts × seeds have reached ρ* (each prompt at its
   * first evaluation at or above ρ*; a quantile, since many prompts never get there); null when fewer do.
   */
  promptQuartileSteps: number | null;
  /** The same in sampled responses (each run's own count at its prompts' steps). */
  promptQuartileResponses: number | null;
  /** Share of prompts × seeds that reached ρ* within the run. */
  reachedShare: number;
}

/** What the theory predicts for one weighting from ρ₀ to ρ*. */
export interface PredictedTimes {
  weighting: string;
  /** B·T on the regular and effective clocks (lower is faster at equal budget). */
  regularCost: number;
  effectiveCost: number;
  /** `simulate` at the runs' prompts, group size and steps: first step (and responses) with mean ρ ≥ ρ*; null = not within the steps. */
  simulatedSteps: number | null;
  simulatedResponses: number | null;
}

/** The mean exact ρ over the training prompts of an evaluation (NaN without exact ρ). */
export function meanTrainRho(e: EvalMetrics): number {
  const rho = e.exactSuccess?.train;
  return rho && rho.length > 0 ? rho.reduce((a, x) => a + x, 0) / rho.length : Number.NaN;
}

/** Sampled responses of a run up to `step` (0 before the first step). */
function responsesAt(run: SeedRun, step: number): number {
  return step === 0 ? 0 : (run.steps.find((s) => s.step === step)?.sampledResponses ?? Number.NaN);
}

/** The mean-ρ curve points of one weighting: evaluation steps with exact ρ that every seed has. */
export function rhoBandPoints(weighting: string, runs: readonly SeedRun[]): RhoPoint[] {
  if (runs.length === 0) return [];
  const stepsOf = (r: SeedRun) => new Set(r.evals.filter((e) => e.exactSuccess).map((e) => e.step));
  const common = [...stepsOf(runs[0]!)].filter((s) => runs.every((r) => stepsOf(r).has(s))).sort((a, b) => a - b);
  return common.map((step) => {
    const values = runs.map((r) => meanTrainRho(r.evals.find((e) => e.step === step)!));
    return {
      weighting,
      step,
      sampledResponses: runs.reduce((a, r) => a + responsesAt(r, step), 0) / runs.length,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      min: Math.min(...values),
      max: Math.max(...values),
    };
  });
}

/** The share of prompts that must reach a target for {@link MeasuredTimes.promptQuartileSteps}. */
export const PROMPT_QUANTILE = 0.25;

/** The smallest x with at least a share `q` of `xs` ≤ x, where Infinity stands for "never"; null when that is Infinity. */
export function quantileOrNull(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const x = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return Number.isFinite(x) ? x : null;
}

/** Measured times of one weighting to `target`; see {@link MeasuredTimes}. */
export function measuredTimes(weighting: string, runs: readonly SeedRun[], target: number): MeasuredTimes {
  const band = rhoBandPoints(weighting, runs);
  const hit = band.find((p) => p.mean >= target);
  const steps: number[] = [];
  const responses: number[] = [];
  for (const run of runs) {
    const evals = run.evals.filter((e) => e.exactSuccess).sort((a, b) => a.step - b.step);
    const prompts = evals[0]?.exactSuccess?.train.length ?? 0;
    for (let p = 0; p < prompts; p++) {
      const first = evals.find((e) => e.exactSuccess!.train[p]! >= target);
      steps.push(first ? first.step : Infinity);
      responses.push(first ? responsesAt(run, first.step) : Infinity);
    }
  }
  return {
    weighting,
    target,
    meanSteps: hit?.step ?? null,
    meanResponses: hit ? hit.sampledResponses : null,
    promptQuartileSteps: quantileOrNull(steps, PROMPT_QUANTILE),
    promptQuartileResponses: quantileOrNull(responses, PROMPT_QUANTILE),
    reachedShare: steps.length === 0 ? 0 : steps.filter(Number.isFinite).length / steps.length,
  };
}

/** What the runs' setup is, for {@link predictedTimes}. */
export interface RegimeSetup {
  /** Measured mean ρ₀ of the training prompts. */
  rho0: number;
  /** Measured standard deviation of the prompts' initial log-odds. */
  logitSpread: number;
  prompts: number;
  groupSize: number;
  steps: number;
  /** `simulate`'s step size η in log-odds (the same for every weighting). */
  learningRate: number;
  sampling: SamplingMode;
  /** Groups drawn at most per prompt and step in `until-success` sampling (the runs' `sampling.maxGroups`). */
  maxGroups: number;
}

/** `simulate` of weighting `name` at the runs' setup (its seed fixed, so reports are reproducible). */
export function simulateSetup(name: string, setup: RegimeSetup): SimulationResult {
  return simulate({
    weighting: name,
    prompts: setup.prompts,
    groupSize: setup.groupSize,
    steps: setup.steps,
    learningRate: setup.learningRate,
    initialAccuracy: setup.rho0,
    logitSpread: setup.logitSpread,
    sampling: setup.sampling,
    maxGroups: setup.maxGroups,
    seed: 1,
  });
}

/**
 * Predictions for one weighting from the setup's ρ₀ to `target`; see {@link PredictedTimes}. `sim` is
 * its {@link simulateSetup} (pass it when predicting several targets, so the simulation runs once).
 */
export function predictedTimes(
  name: string,
  setup: RegimeSetup,
  target: number,
  sim: SimulationResult = simulateSetup(name, setup),
): PredictedTimes {
  const row = theoryRow(weightingByName(name), setup.rho0, target);
  const at = sim.accuracy.findIndex((a) => a >= target);
  return {
    weighting: name,
    regularCost: row.regularCost,
    effectiveCost: row.effectiveCost,
    simulatedSteps: at < 0 ? null : at,
    simulatedResponses: at < 0 ? null : sim.responses[at]!,
  };
}

/** Ranks (1 = fastest) of `values`, null = slowest (ties share the lower rank). */
export function ranks(values: readonly (number | null)[]): number[] {
  const key = (v: number | null) => v ?? Infinity;
  return values.map((v) => 1 + values.filter((w) => key(w) < key(v)).length);
}

/**
 * Kendall's τ between two rankings of the same items (+1 same order, −1 reversed): the share of
 * concordant minus discordant pairs, ties in either ranking counted as neither.
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const s = Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!);
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  }
  const pairs = (a.length * (a.length - 1)) / 2;
  return pairs === 0 ? 0 : (concordant - discordant) / pairs;
}

/** The exact-ρ row of one weighting (or sweep entry): mean ρ of the training prompts at the start, at the end, and over the run. */
export interface RhoSummary {
  key: string;
  seeds: number;
  start: number;
  final: number;
  /** Averaged over the evaluations after the start and the seeds: the area under the curve, the sweep's criterion. */
  overRun: number;
}

/** {@link RhoSummary} of one group of runs. */
export function rhoSummary(key: string, runs: readonly SeedRun[]): RhoSummary {
  const band = rhoBandPoints(key, runs);
  const after = band.filter((p) => p.step > 0);
  return {
    key,
    seeds: runs.length,
    start: band[0]?.step === 0 ? band[0].mean : Number.NaN,
    final: band.at(-1)?.mean ?? Number.NaN,
    overRun: after.length === 0 ? Number.NaN : after.reduce((a, p) => a + p.mean, 0) / after.length,
  };
}

/** The exact-ρ table in Markdown, one row per group. */
export function rhoSummaryTable(rows: readonly RhoSummary[]): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  return [
    '| runs | seeds | mean ρ at the start | final mean ρ | mean ρ over the run |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.key} | ${r.seeds} | ${f(r.start)} | ${f(r.final)} | ${f(r.overRun)} |`),
    '',
  ].join('\n');
}
