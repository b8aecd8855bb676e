/**
 * `POST /v1/advantages`: rewards of B groups of M responses (contiguous) → the advantage of each
 * response under a weighting and ρ̂ of each group, by @rlvr/weights' `groupAdvantages` and
 * `groupSuccessRates`. A bad argument is a 400 naming the body field.
 */
import {
  groupAdvantages,
  groupSuccessRates,
  weighting,
  type WeightingParameters,
  type ZeroVarianceMode,
} from '@rlvr/weights';

/** The body of a `/v1/advantages` request, after schema validation. */
export interface AdvantagesBody {
  /** A built-in weighting's name. */
  weighting: string;
  /** Its parameters (`threshold` for plateau-r, `a`/`b` for cost-aware, `std`/`epsilon` for grpo). */
  parameters?: WeightingParameters;
  /** M, the responses per prompt. */
  groupSize: number;
  /** B·M rewards, group by group. */
  rewards: number[];
  /** What all-equal groups get (default `weighting`: its own limit). */
  zeroVariance?: ZeroVarianceMode;
  /** Count a reward ≥ this as a success (1), below as a failure (0), before weighting. */
  binarizeThreshold?: number;
}

/** The reply: the weighting that ran, one advantage per reward, ρ̂ per group. */
export interface AdvantagesReply {
  /** The weighting's name. */
  weighting: string;
  /** Its parameters, defaults included. */
  parameters: Readonly<Record<string, number | string>>;
  /** M. */
  groupSize: number;
  /** The zero-variance rule applied. */
  zeroVariance: ZeroVarianceMode;
  /** One advantage per reward, in order (float32 values). */
  advantages: number[];
  /** ρ̂ of each group: its mean reward, or success fraction with `binarizeThreshold`. */
  rho: number[];
}

/** Compute the reply; throws a WeightsError naming the argument for bad input. */
export function computeAdvantages(body: AdvantagesBody): AdvantagesReply {
  const rule = weighting(body.weighting, body.parameters ?? {});
  const zeroVariance = body.zeroVariance ?? 'weighting';
  const advantages = groupAdvantages(body.rewards, body.groupSize, rule, {
    zeroVariance,
    binarizeThreshold: body.binarizeThreshold,
  });
  return {
    weighting: rule.name,
    parameters: rule.parameters,
    groupSize: body.groupSize,
    zeroVariance,
    advantages: Array.from(advantages),
    rho: Array.from(groupSuccessRates(body.rewards, body.groupSize, body.binarizeThreshold)),
  };
}
