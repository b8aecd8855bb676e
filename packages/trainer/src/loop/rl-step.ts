/**
 * One RL step (DESIGN.md, "One RL step"): generate M responses per prompt → score them (and draw a
 * fresh group for a prompt without a success, up to `maxGroups` groups; see group-draws.ts) → one
 * advantage per response from the weighting → recompute the policy's (and the reference's) logprobs of the
 * sampled tokens → PPO epochs over mini-batches of micro-batches (policyLoss, accumulate, step) → push
 * the new weights to the sampler. Every phase is timed; the returned record is the step's metrics.
 *
 * Rows whose advantage is exactly 0 contribute exactly zero gradient when there is no KL or entropy
 * term, so they are not trained (from-scratch RL has mostly ρ̂ = 0 groups); each micro-batch's
 * `lossScale` is its share of the whole mini-batch's normaliser (loss tokens for token-mean, sequences
 * for the seq-mean modes) counted over every response, so skipping changes nothing but the time.
 *
 * With one epoch and one mini-batch the only optimizer step happens on the weights that sampled, so
 * PPO's old logprobs are the loss forward's own: `oldLogprobs: 'auto'` then skips their recompute
 * (TRL's shortcut; the kernels' on-policy loss holds logp constant in the ratio, which is exactly 1)
 * and takes entropy and the sampler–trainer logprob gap from the loss forward of the trained rows.
 */
import {
  NonFiniteGradientError,
  type DecoderModel,
  type DecoderStepOptions,
  type PolicyBatch,
  type PolicyLossConfig,
} from '@rlvr/kernels';
import { klEstimate } from '@rlvr/kernels/reference';
import { groupAdvantages, successHistogram, type Weighting, type ZeroVarianceMode } from '@rlvr/weights';
import { DivergenceError, TrainerError } from '../errors.js';
import { flatNonBinaryValues, lostPushCount } from './flat-groups.js';
import type { UpdateValues } from './divergence-guard.js';
import { drawFilteredGroups, type FilterGroupsSettings, type FilterStats } from './dynamic-sampling.js';
import { drawGroups, type GroupDraws } from './group-draws.js';
import { buildMicroBatches, type RolloutTokens, type TrainingMicroBatch } from './policy-batches.js';

/** A rollout as the sampler returns it (the fields this step uses). */
export interface StepRollout extends RolloutTokens {
  promptIndex: number;
  sampleIndex: number;
  text: string;
  finishReason: string;
  /** Its score, when it was scored where it was sampled (a rollout worker); the step does not score it again. */
  score?: StepScore;
}

/** The sampling options of one draw of groups. */
export interface StepSamplingOptions {
  groupSize: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  stop: string[];
  seed: number;
}

/** What the step needs of a sampler: group generation and a weight swap. */
export interface StepSampler {
  /**
   * M completions per prompt, ordered by prompt then sample. `references` (one per prompt) let a
   * sampler that also scores (rollout workers) return each rollout with its `score`.
   */
  generate(prompts: number[][], options: StepSamplingOptions, references?: readonly unknown[]): Promise<StepRollout[]>;
  /** Load the policy's new weights (named HF tensors), and its LoRA adapters where the sampler runs them. */
  setWeights(
    weights: Record<string, { shape: number[]; data: Float32Array }>,
    adapters?: Record<string, { shape: number[]; data: Float32Array }>,
  ): Promise<void>;
  /** Whether the sampler runs LoRA adapters in its graph: it then takes the policy's frozen base and live adapters. */
  readonly runsAdapters?: boolean;
}

/** The score of one completion (a subset of the verifiers' `VerificationResult`). */
export interface StepScore {
  reward: number;
  correct: boolean;
  /** The reward's parts by name (each reward function, weighted sum = reward), when it has several. */
  components?: Record<string, number>;
}

/** One prompt of the step: its token ids and the reference its verifier checks against. */
export interface StepPrompt {
  ids: number[];
  reference: unknown;
}

/**
 * Everything a step uses besides the data: its sampling options (`seed`: this step's; the run derives
 * one per step and later draws derive theirs from it) and the rest.
 */
export interface RlStepSettings extends StepSamplingOptions {
  /** Groups of M drawn at most per prompt until one holds a success (undefined = 1: one group per prompt). */
  maxGroups?: number;
  /** Dynamic sampling: drop groups whose metric is equal on every response and draw from `ctx.nextPrompts` until full. */
  filterGroups?: FilterGroupsSettings;
  /** Completions that hit maxNewTokens (finish reason `length`) get no gradient (TRL `mask_truncated_completions`). */
  maskTruncated?: boolean;
  weighting: Weighting | string;
  zeroVariance: ZeroVarianceMode;
  /** Rewards ≥ this count as successes before weighting (binary rewards); undefined = raw rewards. */
  binarizeThreshold?: number;
  /** PPO clip, KL, IS correction, aggregation (normaliser defaults to maxNewTokens), entropy bonus. */
  loss: PolicyLossConfig;
  /**
   * TRL `bnpo`: the loss of a mini-batch is the mean over its micro-batches of each one's token mean
   * (loss.aggregation is then the kernels' token-mean of one call), every non-empty row trained.
   */
  microBatchTokenMean?: boolean;
  /**
   * KL as a reward penalty (verl `use_kl_in_reward`, fixed coefficient): each response's reward loses
   * coef · Σ_t kl_t over its sampled tokens (the sampler's logprobs to ctx.reference's) before advantages.
   */
  klReward?: { coef: number; estimator: NonNullable<PolicyLossConfig['kl']> };
  /** Sequences per micro-batch (memory). */
  microBatchSize: number;
  /** Passes over the step's data (TRL `num_iterations`, verl `ppo_epochs`). */
  ppoEpochs: number;
  /** Optimizer steps per epoch (verl: batch / ppo_mini_batch_size). */
  miniBatches: number;
  /** 'auto': skip the old-logprob recompute when it is exact to (one epoch, one mini-batch); 'recompute': never skip. */
  oldLogprobs: 'auto' | 'recompute';
  /** AdamW hyperparameters of this step (lr already scheduled) and gradient clipping. */
  optimizer: DecoderStepOptions;
  /** Padding id for training batches (any valid id). */
  padId: number;
  /**
   * Asked before each optimizer step with the update's values (the divergence guard): true applies it,
   * false drops it and the step's remaining updates; throwing stops before anything is applied.
   */
  beforeUpdate?: (values: UpdateValues) => boolean;
  /** Shown the updated weights before the sampler gets them (the guard's magnitude check); throwing stops the run. */
  checkWeights?: (weights: Record<string, { data: ArrayLike<number> }>) => void;
}

/** The components a step drives. */
export interface RlStepContext {
  policy: DecoderModel;
  sampler: StepSampler;
  /** Scores rollouts against their prompts' references (the verifier pool). */
  score(rollouts: StepRollout[], references: unknown[]): Promise<StepScore[]>;
  /** Frozen reference policy for the KL term (needed when loss.beta ≠ 0); only its logprobs are read. */
  reference?: Pick<DecoderModel, 'tokenLogprobs'>;
  /** Further prompts, a batch of the step's size per call (dynamic sampling's later batches). */
  nextPrompts?: () => readonly StepPrompt[];
}

/** Metrics of one step (times in seconds). */
export interface RlStepResult {
  times: { sample: number; verify: number; advantages: number; train: number; sync: number };
  prompts: number;
  /** Every response drawn, the groups replaced by a later draw included (the effective clock). */
  responses: number;
  /** Groups drawn beyond the first of each prompt (0 with one group per prompt). */
  extraGroups: number;
  /** What dynamic sampling did (absent without it). */
  filter?: FilterStats;
  /** Share of the trained responses that hit maxNewTokens without a stop string or EOS. */
  truncatedFraction: number;
  /** Mean of each reward component over the trained responses (absent when the reward has a single part). */
  rewardComponents?: Record<string, number>;
  /** Groups with at least one non-zero advantage (0: the step had no policy-gradient signal). */
  signalGroups: number;
  rewardMean: number;
  accuracy: number;
  /** Groups with k correct of M, k = 0..M. */
  successHistogram: number[];
  /** Share of groups whose rewards are all equal (no learning signal under any baseline). */
  noSignalFraction: number;
  /** Groups whose rewards are all one value other than 0 and 1 (Countdown: all 0.1), counted on the raw rewards. */
  flatNonBinaryGroups: number;
  /** Of those, the groups that raw rewards left without an advantage that binarized rewards would give (0 when binarizing). */
  lostPushGroups: number;
  /**
   * Mean over the step's optimizer steps of the mini-batch loss; KL and clip fraction are loss-token
   * means over the trained rows. All 0 when no row carried a gradient (every advantage 0, no KL).
   */
  loss: number;
  klMean: number;
  clipFraction: number;
  /** Loss-token shares clipped below (A < 0), above (A > 0), and with a ratio outside the clip range whatever A (TRL clip_ratio/low_mean, high_mean; its region_mean is clipFraction). */
  clipLowFraction: number;
  clipHighFraction: number;
  clipRegionFraction: number;
  /** Mean KL penalty subtracted from the rewards (0 without klReward). */
  klRewardPenalty: number;
  /** Mean global gradient norm before clipping over the step's optimizer steps (0 without a step). */
  gradNorm: number;
  /** The same after clipping to the optimizer's maxGradNorm: the norm each update applied (a dropped update: min(norm, maxGradNorm)). */
  gradNormClipped: number;
  /** Mean entropy of the policy over every sampled token (over the trained rows' tokens when the old-logprob recompute was skipped). */
  entropyMean: number;
  /** Mean of policy − sampler logprob over every sampled token (the engine gap), and its largest |value| (trained rows only when skipped). */
  logprobGapMean: number;
  logprobGapMaxAbs: number;
  responseLengthMean: number;
  responseLengthMax: number;
  /** Completion tokens generated, over every response drawn (the length metrics are over the trained groups). */
  completionTokens: number;
  /** Optimizer steps taken. */
  optimizerSteps: number;
  /** Updates dropped by `beforeUpdate` (0 without a guard). */
  skippedUpdates: number;
  /** The rollouts with their scores and advantages (for evaluation logs and tests). */
  rollouts: { rollout: StepRollout; score: StepScore; advantage: number }[];
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/** The policy's weights by HF name: its own arrays where it keeps them on the host (no copy), else a copy read back. */
export async function policyWeights(
  policy: Pick<DecoderModel, 'liveTensors' | 'weights'>,
): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
  return policy.liveTensors()?.weights ?? (await policy.weights());
}

/** Run one RL step on `prompts`; see the module comment. */
export async function rlStep(
  ctx: RlStepContext,
  prompts: readonly StepPrompt[],
  s: RlStepSettings,
): Promise<RlStepResult> {
  if (s.klReward && !ctx.reference) {
    throw new TrainerError('rlStep: klReward needs ctx.reference (a reference policy), which is missing');
  }
  if (s.loss.beta !== 0 && !ctx.reference) {
    throw new TrainerError(
      `rlStep: loss.beta = ${s.loss.beta} needs ctx.reference (a reference policy), which is missing`,
    );
  }
  const M = s.groupSize;
  const drawn: GroupDraws & { filter?: FilterStats } = s.filterGroups
    ? await drawFilteredGroups(ctx, prompts, morePrompts(ctx), s, s.filterGroups)
    : await drawGroups(ctx, prompts, s);
  const { rollouts, scores, sample, verify } = drawn;

  let t = process.hrtime.bigint();
  const penalties = s.klReward ? await klRewardPenalties(ctx.reference!, rollouts, s, s.klReward) : null;
  const rewards = Float64Array.from(scores, (x, i) => x.reward - (penalties?.[i] ?? 0));
  const advantages = groupAdvantages(rewards, M, s.weighting, {
    zeroVariance: s.zeroVariance,
    ...(s.binarizeThreshold === undefined ? {} : { binarizeThreshold: s.binarizeThreshold }),
  });
  const histogram = successHistogram(
    Float64Array.from(scores, (x) => (x.correct ? 1 : 0)),
    M,
    1,
  );
  let noSignal = 0;
  for (let g = 0; g < rollouts.length / M; g++) {
    const first = rewards[g * M]!;
    let same = true;
    for (let k = 1; k < M; k++) same &&= rewards[g * M + k] === first;
    if (same) noSignal++;
  }
  const flat = flatNonBinaryValues(rewards, M);
  const lostPush = s.binarizeThreshold === undefined ? lostPushCount(flat, M, s.weighting, s.zeroVariance) : 0;
  const advantagesTime = seconds(t);

  t = process.hrtime.bigint();
  const train = await trainOnRollouts(ctx, rollouts, advantages, s);
  const trainTime = seconds(t);

  t = process.hrtime.bigint();
  if (train.optimizerSteps > 0) {
    // The policy's own arrays where it has them on the host: a sampler with weights as graph inputs then reads them without a copy.
    const lora = ctx.sampler.runsAdapters ? ctx.policy.liveAdapters() : null;
    if (lora) {
      // The base is frozen: only the adapters changed, and only they can have diverged.
      s.checkWeights?.(lora.adapters);
      await ctx.sampler.setWeights(lora.base, lora.adapters);
    } else {
      const weights = await policyWeights(ctx.policy);
      s.checkWeights?.(weights);
      await ctx.sampler.setWeights(weights);
    }
  }
  const sync = seconds(t);

  const lengths = rollouts.map((r) => r.completionIds.length);
  const components = componentMeans(scores);
  return {
    times: { sample, verify, advantages: advantagesTime, train: trainTime, sync },
    prompts: prompts.length,
    responses: drawn.responses,
    extraGroups: drawn.extraGroups,
    ...(drawn.filter ? { filter: drawn.filter } : {}),
    truncatedFraction: rollouts.filter(truncated).length / rollouts.length,
    ...(components ? { rewardComponents: components } : {}),
    signalGroups: signalGroups(advantages, M),
    rewardMean: rewards.reduce((a, b) => a + b, 0) / rewards.length,
    klRewardPenalty: penalties ? penalties.reduce((a, b) => a + b, 0) / penalties.length : 0,
    accuracy: scores.filter((x) => x.correct).length / scores.length,
    successHistogram: histogram,
    noSignalFraction: noSignal / (rollouts.length / M),
    flatNonBinaryGroups: flat.length,
    lostPushGroups: lostPush,
    ...train,
    responseLengthMean: lengths.reduce((a, b) => a + b, 0) / rollouts.length,
    responseLengthMax: Math.max(...lengths),
    completionTokens: drawn.completionTokens,
    rollouts: rollouts.map((rollout, i) => ({ rollout, score: scores[i]!, advantage: advantages[i]! })),
  };
}

/** The prompt source of dynamic sampling's later batches; a step without one cannot filter. */
function morePrompts(ctx: RlStepContext): () => readonly StepPrompt[] {
  if (!ctx.nextPrompts) throw new TrainerError('rlStep: filterGroups needs ctx.nextPrompts (more prompts to sample)');
  return ctx.nextPrompts;
}

/** Whether a completion stopped at the token limit (no stop string, no EOS). */
export function truncated(rollout: Pick<StepRollout, 'finishReason'>): boolean {
  return rollout.finishReason === 'length';
}

/** Groups of `groupSize` with at least one non-zero advantage. */
function signalGroups(advantages: ArrayLike<number>, groupSize: number): number {
  let n = 0;
  for (let start = 0; start < advantages.length; start += groupSize) {
    for (let i = start; i < start + groupSize; i++) {
      if (advantages[i] !== 0) {
        n++;
        break;
      }
    }
  }
  return n;
}

/** The mean of each named reward component over `scores` (undefined when none carries components). */
function componentMeans(scores: readonly StepScore[]): Record<string, number> | undefined {
  if (scores.length === 0 || scores[0]!.components === undefined) return undefined;
  const sums: Record<string, number> = {};
  for (const x of scores) {
    for (const [name, value] of Object.entries(x.components ?? {})) sums[name] = (sums[name] ?? 0) + value;
  }
  return Object.fromEntries(Object.entries(sums).map(([name, sum]) => [name, sum / scores.length]));
}

/** The policy's logprobs and entropies of every rollout's completion tokens (one forward per micro-batch, no backward). */
export async function rolloutLogprobs(
  policy: Pick<DecoderModel, 'tokenLogprobs'>,
  rollouts: readonly RolloutTokens[],
  microBatchSize: number,
  padId: number,
  temperature: number,
): Promise<{ logprob: Float32Array[]; entropy: Float32Array[] }> {
  const logprob: Float32Array[] = [];
  const entropy: Float32Array[] = [];
  const zeros = new Float32Array(rollouts.length);
  for (const micro of buildMicroBatches(rollouts, zeros, { microBatchSize, padId })) {
    const b = micro.batch;
    const r = await policy.tokenLogprobs(b.tokens, b.attentionMask, b.batch, b.seq, { temperature });
    micro.rows.forEach((i, row) => {
      const start = row * (b.seq - 1) + rollouts[i]!.promptIds.length - 1;
      const end = start + rollouts[i]!.completionIds.length;
      logprob[i] = r.logprob.slice(start, end);
      entropy[i] = r.entropy.slice(start, end);
    });
  }
  return { logprob, entropy };
}

type TrainMetrics = Pick<
  RlStepResult,
  | 'loss'
  | 'klMean'
  | 'entropyMean'
  | 'clipFraction'
  | 'clipLowFraction'
  | 'clipHighFraction'
  | 'clipRegionFraction'
  | 'gradNorm'
  | 'gradNormClipped'
  | 'logprobGapMean'
  | 'logprobGapMaxAbs'
  | 'optimizerSteps'
  | 'skippedUpdates'
>;

/** The entries of `values` where `mask` is 1, in order. */
function maskedValues(values: ArrayLike<number>, mask: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out.push(values[i]!);
  return out;
}

/** Sums of the policy's view of sampled tokens (entropy, policy − sampler logprob gap), reduced to the step's metrics. */
class TokenView {
  #gapSum = 0;
  #gapMax = 0;
  #entropySum = 0;
  #tokens = 0;

  /** Add `count` tokens whose entropies sum to `entropySum`, with their policy and sampler logprobs. */
  add(entropySum: number, count: number, policy: ArrayLike<number>, sampler: ArrayLike<number>): void {
    this.#entropySum += entropySum;
    this.#tokens += count;
    for (let j = 0; j < policy.length; j++) {
      const gap = policy[j]! - sampler[j]!;
      this.#gapSum += gap;
      this.#gapMax = Math.max(this.#gapMax, Math.abs(gap));
    }
  }

  /** The metrics (0 over no tokens). */
  metrics(): Pick<RlStepResult, 'entropyMean' | 'logprobGapMean' | 'logprobGapMaxAbs'> {
    const n = this.#tokens;
    return {
      entropyMean: n === 0 ? 0 : this.#entropySum / n,
      logprobGapMean: n === 0 ? 0 : this.#gapSum / n,
      logprobGapMaxAbs: this.#gapMax,
    };
  }
}

/** The training phase: old logprobs of every response (unless on-policy), then PPO epochs × mini-batches × micro-batches. */
async function trainOnRollouts(
  ctx: RlStepContext,
  rollouts: readonly StepRollout[],
  advantages: Float32Array,
  s: RlStepSettings,
): Promise<TrainMetrics> {
  const loss: PolicyLossConfig = { ...s.loss, normaliser: s.loss.normaliser ?? s.maxNewTokens };
  const temperature = loss.temperature ?? 1;
  const onPolicy = s.oldLogprobs === 'auto' && s.ppoEpochs === 1 && s.miniBatches === 1;
  const view = new TokenView();
  // Off-policy epochs need the policy's view of every sampled token first: PPO's old logprobs (and the metrics).
  const old = onPolicy ? null : await rolloutLogprobs(ctx.policy, rollouts, s.microBatchSize, s.padId, temperature);
  if (old) {
    rollouts.forEach((r, i) =>
      view.add(
        old.entropy[i]!.reduce((a, h) => a + h, 0),
        r.logprobs.length,
        old.logprob[i]!,
        r.logprobs,
      ),
    );
  }

  // Without KL or entropy terms a zero advantage gives exactly zero gradient: skip those rows (not for
  // bnpo, whose micro-batch token means count every row's tokens).
  const exactZero = loss.beta === 0 && (loss.entropyCoef ?? 0) === 0 && s.microBatchTokenMean !== true;
  const miniSize = Math.ceil(rollouts.length / s.miniBatches);
  const planned: { micro: TrainingMicroBatch; scale: number }[][] = [];
  for (let first = 0; first < rollouts.length; first += miniSize) {
    const mini = rollouts.map((_, i) => i).slice(first, first + miniSize);
    // A masked truncated completion leaves the loss and its normaliser, as an empty one does.
    const nonEmpty = mini.filter(
      (i) => rollouts[i]!.completionIds.length > 0 && !(s.maskTruncated === true && truncated(rollouts[i]!)),
    );
    const trained = exactZero ? nonEmpty.filter((i) => advantages[i] !== 0) : nonEmpty;
    const totalTokens = nonEmpty.reduce((n, i) => n + rollouts[i]!.completionIds.length, 0);
    const micros = buildMicroBatches(
      trained.map((i) => rollouts[i]!),
      trained.map((i) => advantages[i]!),
      {
        microBatchSize: s.microBatchSize,
        padId: s.padId,
        ...(old ? { oldLogprobs: trained.map((i) => old.logprob[i]!) } : {}),
      },
    );
    const list: { micro: TrainingMicroBatch; scale: number }[] = [];
    for (const micro of micros) {
      const b: PolicyBatch = micro.batch;
      // On-policy the kernels use the loss forward's own logprobs as the old ones.
      if (onPolicy) delete b.oldLogp;
      if (ctx.reference && loss.beta !== 0) {
        b.refLogp = (
          await ctx.reference.tokenLogprobs(b.tokens, b.attentionMask, b.batch, b.seq, { temperature })
        ).logprob;
      }
      if (loss.tisCap !== undefined && loss.tisCap !== null) b.samplerLogp = micro.samplerLogp;
      list.push({
        micro,
        scale: microBatchScale(
          loss.aggregation,
          s.microBatchTokenMean === true,
          micro,
          micros.length,
          totalTokens,
          nonEmpty.length,
        ),
      });
    }
    planned.push(list);
  }

  let lossSum = 0;
  let klSum = 0;
  let clipSum = 0;
  const clipSums = { low: 0, high: 0, region: 0 };
  let gradNormSum = 0;
  let clippedNormSum = 0;
  let steps = 0;
  let skipped = 0;
  for (let epoch = 0; epoch < s.ppoEpochs; epoch++) {
    for (const list of planned) {
      if (list.length === 0 || skipped > 0) continue;
      // The mini-batch's loss is the scale-weighted sum of its micro-batches' losses.
      let miniLoss = 0;
      let miniKl = 0;
      let miniClip = 0;
      const miniClips = { low: 0, high: 0, region: 0 };
      for (const [k, { micro, scale }] of list.entries()) {
        const stats = await ctx.policy.policyLoss(micro.batch, { ...loss, accumulate: k > 0, lossScale: scale });
        // Stop before the optimizer step applies a non-finite gradient (the run names the step).
        if (!Number.isFinite(stats.loss)) {
          throw new DivergenceError(`non-finite loss (${stats.loss}) in micro-batch ${k + 1} of ${list.length}`);
        }
        if (onPolicy) {
          view.add(
            stats.entropyMean * micro.lossTokens,
            micro.lossTokens,
            maskedValues(stats.logp, micro.batch.lossMask),
            maskedValues(micro.samplerLogp, micro.batch.lossMask),
          );
        }
        miniLoss += scale * stats.loss;
        miniKl += micro.lossTokens * stats.klMean;
        miniClip += micro.lossTokens * stats.clipFraction;
        miniClips.low += micro.lossTokens * stats.clipLowFraction;
        miniClips.high += micro.lossTokens * stats.clipHighFraction;
        miniClips.region += micro.lossTokens * stats.clipRegionFraction;
      }
      const trainedTokens = list.reduce((n, x) => n + x.micro.lossTokens, 0);
      lossSum += miniLoss;
      klSum += miniKl / trainedTokens;
      clipSum += miniClip / trainedTokens;
      for (const k of ['low', 'high', 'region'] as const) clipSums[k] += miniClips[k] / trainedTokens;
      if (s.beforeUpdate) {
        // The norm is read before the step so that a runaway update is never applied.
        const gradNorm = await ctx.policy.gradNorm();
        if (!Number.isFinite(gradNorm)) throw new DivergenceError(`non-finite gradient norm (${gradNorm})`);
        const values = { gradNorm, loss: miniLoss, kl: miniKl / trainedTokens, entropy: view.metrics().entropyMean };
        if (!s.beforeUpdate(values)) {
          gradNormSum += gradNorm;
          clippedNormSum += Math.min(gradNorm, s.optimizer.maxGradNorm ?? Infinity);
          skipped++;
          continue;
        }
      }
      const { gradNorm, clipScale } = await optimizerStep(ctx.policy, s.optimizer);
      if (!Number.isFinite(gradNorm)) throw new DivergenceError(`non-finite gradient norm (${gradNorm})`);
      gradNormSum += gradNorm;
      clippedNormSum += gradNorm * clipScale;
      steps++;
    }
  }
  const viewed = view.metrics();
  // A dropped update's values stay in the means: they are what the step measured.
  const counted = steps + skipped;
  if (counted === 0) {
    return {
      ...viewed,
      loss: 0,
      klMean: 0,
      clipFraction: 0,
      clipLowFraction: 0,
      clipHighFraction: 0,
      clipRegionFraction: 0,
      gradNorm: 0,
      gradNormClipped: 0,
      optimizerSteps: 0,
      skippedUpdates: 0,
    };
  }
  return {
    ...viewed,
    loss: lossSum / counted,
    klMean: klSum / counted,
    clipFraction: clipSum / counted,
    clipLowFraction: clipSums.low / counted,
    clipHighFraction: clipSums.high / counted,
    clipRegionFraction: clipSums.region / counted,
    gradNorm: gradNormSum / counted,
    gradNormClipped: clippedNormSum / counted,
    optimizerSteps: steps,
    skippedUpdates: skipped,
  };
}

/** One optimizer step; the kernels' refusal to clip a non-finite gradient is this loop's divergence. */
/** coef · Σ_t kl_t of each rollout: the estimator over its sampled tokens, the sampler's logprobs against the reference's. */
async function klRewardPenalties(
  reference: Pick<DecoderModel, 'tokenLogprobs'>,
  rollouts: readonly StepRollout[],
  s: RlStepSettings,
  kl: NonNullable<RlStepSettings['klReward']>,
): Promise<Float64Array> {
  const ref = await rolloutLogprobs(reference, rollouts, s.microBatchSize, s.padId, s.loss.temperature ?? 1);
  return Float64Array.from(rollouts, (r, i) => {
    let sum = 0;
    r.logprobs.forEach((lp, t) => (sum += klEstimate(kl.estimator, lp, ref.logprob[i]![t]!)[0]));
    return kl.coef * sum;
  });
}

/**
 * The share of its mini-batch's loss that one micro-batch's loss is (the kernels aggregate within one
 * call): token-mean its loss tokens of the mini-batch's, seq-mean modes its rows of the non-empty
 * rows, bnpo (microBatchMean) 1 over the number of micro-batches.
 */
export function microBatchScale(
  aggregation: PolicyLossConfig['aggregation'],
  microBatchMean: boolean,
  micro: { lossTokens: number; rows: readonly unknown[] },
  micros: number,
  totalTokens: number,
  nonEmptyRows: number,
): number {
  if (microBatchMean) return 1 / micros;
  return aggregation === 'token-mean' ? micro.lossTokens / totalTokens : micro.rows.length / nonEmptyRows;
}

async function optimizerStep(
  policy: DecoderModel,
  options: DecoderStepOptions,
): Promise<{ gradNorm: number; clipScale: number }> {
  try {
    return await policy.step(options);
  } catch (error) {
    if (NonFiniteGradientError.isInstance(error)) throw new DivergenceError(error.message, { cause: error });
    throw error;
  }
}
