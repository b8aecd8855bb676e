/**
 * Stochastic policy dynamics with finite groups: many prompts, each a Bernoulli "policy" with its own
 * log-odds l_p; every step samples M responses per prompt, turns them into advantages with the
 * weighting, and applies the KL-proximal (exponential-tilt) step on the two outcome classes:
 *   l_p ← l_p + η·(Ā_correct − Ā_wrong),
 * with Ā the mean advantage of the sampled correct / wrong responses (0 for a class not sampled).
 * When ρ̂ = ρ this is exactly the theory's recursion l ← l + η·ω(ρ); with finite M it adds the
 * sampling noise (and the ρ̂ = 0 groups) that the ODE leaves out.
 */
import { WeightsError, requireInteger, requireOpenUnit } from '../errors.js';
import { groupAdvantages, type ZeroVarianceMode } from '../group-advantages.js';
import { SeededRandom } from '../random.js';
import type { Weighting } from '../weighting.js';
import { weighting as weightingByName } from '../weightings.js';
import { logit, sigmoid } from './dynamics.js';

/**
 * How responses are drawn each step: `fixed` draws one group of M per prompt; `until-success` keeps
 * drawing groups of M until one holds a success (at most `maxGroups`), so the responses spent per
 * informative update grow like 1/ρ, the cost that the effective clock models.
 */
export type SamplingMode = 'fixed' | 'until-success';

/** Options of {@link simulate}. */
export interface SimulationOptions {
  /** The weighting to train with. */
  weighting: Weighting | string;
  /** Number of prompts; default 512. */
  prompts?: number;
  /** Responses per group M; default 16. */
  groupSize?: number;
  /** Number of updates; default 300. */
  steps?: number;
  /** Step size η in log-odds; default 0.05. */
  learningRate?: number;
  /** Median initial success probability of the prompts; default 0.025 (from-scratch RL). */
  initialAccuracy?: number;
  /** Standard deviation of the initial log-odds across prompts; default 1. */
  logitSpread?: number;
  /** Zero-variance handling passed to {@link groupAdvantages}; default `weighting`. */
  zeroVariance?: ZeroVarianceMode;
  /** Default `fixed`. */
  sampling?: SamplingMode;
  /** Cap on groups drawn per prompt and step in `until-success` mode; default 32. */
  maxGroups?: number;
  /** Seed of the simulation's own RNG; default 0. */
  seed?: number;
}

/** Curves of one simulation, sampled after every step (index 0 is the start). */
export interface SimulationResult {
  /** Name of the weighting. */
  weighting: string;
  /** Update count. */
  step: Float64Array;
  /** Responses sampled so far, all prompts together. */
  responses: Float64Array;
  /** Mean true success probability over the prompts. */
  accuracy: Float64Array;
  /** Fraction of the updating groups with no success (ρ̂ = 0); NaN-free, 0 at index 0. */
  zeroSuccessFraction: Float64Array;
}

/** Run the stochastic simulation; deterministic for a given seed. */
export function simulate(options: SimulationOptions): SimulationResult {
  const rule = typeof options.weighting === 'string' ? weightingByName(options.weighting) : options.weighting;
  const prompts = options.prompts ?? 512;
  const groupSize = options.groupSize ?? 16;
  const steps = options.steps ?? 300;
  const learningRate = options.learningRate ?? 0.05;
  const initialAccuracy = options.initialAccuracy ?? 0.025;
  const spread = options.logitSpread ?? 1;
  const sampling = options.sampling ?? 'fixed';
  const maxGroups = options.maxGroups ?? 32;
  requireInteger('prompts', prompts, 1);
  requireInteger('groupSize', groupSize, 2);
  requireInteger('steps', steps, 1);
  requireInteger('maxGroups', maxGroups, 1);
  requireOpenUnit('initialAccuracy', initialAccuracy);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new WeightsError('learningRate', `expected a positive finite step size, got ${learningRate}`);
  }
  if (!(spread >= 0 && Number.isFinite(spread))) {
    throw new WeightsError('logitSpread', `expected a finite spread ≥ 0, got ${spread}`);
  }
  if (sampling !== 'fixed' && sampling !== 'until-success') {
    throw new WeightsError('sampling', `expected "fixed" or "until-success", got ${JSON.stringify(sampling)}`);
  }

  const random = new SeededRandom(options.seed ?? 0);
  const logOdds = new Float64Array(prompts);
  for (let p = 0; p < prompts; p++) logOdds[p] = logit(initialAccuracy) + spread * random.normal();

  const result: SimulationResult = {
    weighting: rule.name,
    step: new Float64Array(steps + 1),
    responses: new Float64Array(steps + 1),
    accuracy: new Float64Array(steps + 1),
    zeroSuccessFraction: new Float64Array(steps + 1),
  };
  result.accuracy[0] = meanAccuracy(logOdds);

  const rewards = new Float32Array(prompts * groupSize);
  const advantages = new Float32Array(prompts * groupSize);
  let responses = 0;
  for (let step = 1; step <= steps; step++) {
    let unsolved = 0;
    for (let p = 0; p < prompts; p++) {
      const rho = sigmoid(logOdds[p]!);
      const start = p * groupSize;
      for (let draw = 1; draw <= (sampling === 'fixed' ? 1 : maxGroups); draw++) {
        let successes = 0;
        for (let i = start; i < start + groupSize; i++) {
          const reward = random.uniform() < rho ? 1 : 0;
          rewards[i] = reward;
          successes += reward;
        }
        responses += groupSize;
        if (successes > 0) break;
      }
      if (!rewards.subarray(start, start + groupSize).some((r) => r > 0)) unsolved += 1;
    }
    groupAdvantages(rewards, groupSize, rule, { zeroVariance: options.zeroVariance, out: advantages });
    for (let p = 0; p < prompts; p++) {
      logOdds[p]! += learningRate * tiltDirection(rewards, advantages, p * groupSize, groupSize);
    }
    result.step[step] = step;
    result.responses[step] = responses;
    result.accuracy[step] = meanAccuracy(logOdds);
    result.zeroSuccessFraction[step] = unsolved / prompts;
  }
  return result;
}

/** Ā_correct − Ā_wrong over one group (a class with no sampled response contributes 0). */
function tiltDirection(rewards: Float32Array, advantages: Float32Array, start: number, groupSize: number): number {
  let correctSum = 0;
  let correctCount = 0;
  let wrongSum = 0;
  let wrongCount = 0;
  for (let i = start; i < start + groupSize; i++) {
    if (rewards[i] === 1) {
      correctSum += advantages[i]!;
      correctCount += 1;
    } else {
      wrongSum += advantages[i]!;
      wrongCount += 1;
    }
  }
  return (correctCount > 0 ? correctSum / correctCount : 0) - (wrongCount > 0 ? wrongSum / wrongCount : 0);
}

function meanAccuracy(logOdds: Float64Array): number {
  let sum = 0;
  for (const l of logOdds) sum += sigmoid(l);
  return sum / logOdds.length;
}
