/**
 * The records of `RUN_DIR/metrics.jsonl`: one `step` line per RL step and one `eval` line per
 * evaluation, told apart by `kind`. The zod schemas are the single definition: the writer checks
 * each record against them before appending it, and the report reads lines back through them.
 */
import * as z from 'zod';

const finite = () => z.number().refine(Number.isFinite, 'expected a finite number');
const share = () => z.number().min(0).max(1);
const seconds = () => z.number().nonnegative();

/** Wall time of each phase of one RL step, in seconds. */
export const PHASE_NAMES = ['sample', 'verify', 'advantages', 'train', 'sync'] as const;
/** One phase of an RL step. */
export type PhaseName = (typeof PHASE_NAMES)[number];

/** Schema of a `step` line. */
export const STEP_METRICS_SCHEMA = z.strictObject({
  /** Record type. */
  kind: z.literal('step'),
  /** 1-based RL step. */
  step: z.int().min(1),
  /** Seconds since the run started (resumes continue the count). */
  elapsedSeconds: seconds(),
  /** Wall time of each phase of this step. */
  phaseSeconds: z.strictObject({
    sample: seconds(),
    verify: seconds(),
    advantages: seconds(),
    train: seconds(),
    sync: seconds(),
  }),
  /** Prompts of this step per second of its wall time. */
  promptsPerSecond: z.number().nonnegative(),
  /** Generated tokens of this step per second of its wall time. */
  tokensPerSecond: z.number().nonnegative(),
  /** Responses sampled so far, this step included (the x axis of "effective time"). */
  sampledResponses: z.int().min(0),
  /** Mean reward of this step's responses. */
  rewardMean: finite(),
  /** Share of this step's responses judged correct. */
  accuracy: share(),
  /** counts[k] = groups with exactly k of M responses correct, k = 0..M (paper Fig. 3). */
  rhoHistogram: z.array(z.int().min(0)).min(3),
  /** Share of groups whose rewards are all equal (TRL's `frac_reward_zero_std`). */
  noSignalFraction: share(),
  /**
   * Groups whose rewards are all one value other than 0 and 1 (Countdown: all 0.1, well formatted and
   * wrong), counted on the raw rewards; with `weighting.binarize: null` a centred weighting gives them
   * no advantage. Absent from runs recorded before it existed.
   */
  flatNonBinaryGroups: z.int().min(0).optional(),
  /**
   * Groups drawn beyond the first of each prompt (`sampling.maxGroups` > 1 draws again for groups
   * without a success). Absent from runs recorded before it existed.
   */
  extraGroups: z.int().min(0).optional(),
  /**
   * Dynamic sampling (`sampling.filterGroups`): batches of prompts sampled this step, groups trained on,
   * groups dropped for an equal reward (or verdict) on every response, and groups sampled past a full
   * batch; every response of all of them counts in sampledResponses. Absent without dynamic sampling.
   */
  dynamicSampling: z
    .strictObject({
      rounds: z.int().min(1),
      groupsKept: z.int().min(0),
      groupsDropped: z.int().min(0),
      groupsSurplus: z.int().min(0),
    })
    .optional(),
  /** Share of the trained responses that hit sampling.maxNewTokens without a stop string or EOS. Absent from older runs. */
  truncatedFraction: share().optional(),
  /**
   * Rollout workers (absent when sampling in the trainer's process): how many steps old the policy that
   * sampled the step's groups was (0 = the policy the previous step left: synchronous), live workers
   * and queue depth when the step ended, and jobs added again because Redis no longer had them.
   */
  rollout: z
    .strictObject({
      staleness: z.int().min(0),
      workers: z.int().min(0),
      queueWaiting: z.int().min(0),
      queueActive: z.int().min(0),
      requeued: z.int().min(0),
    })
    .optional(),
  /**
   * Mean of each reward component over the trained responses, by name (`rewards/<name>`: each of
   * reward.functions, unweighted, and `overlong`, the penalty); the reward is their weighted sum.
   * Absent when the reward is the task verifier's alone.
   */
  rewards: z.record(z.string().min(1), finite()).optional(),
  /** The policy loss (mean over the step's optimizer steps). */
  loss: finite(),
  /** Mean KL estimate to the reference policy (0 without one). */
  kl: finite(),
  /** Mean token entropy of the sampled responses under the policy. */
  entropy: finite(),
  /** Global gradient norm before clipping (mean over the step's optimizer steps). */
  gradNorm: z.number().nonnegative(),
  /** Share of loss tokens whose PPO ratio was clipped. */
  clipFraction: share(),
  /**
   * Shares of loss tokens clipped below (A < 0, r < 1 − ε_low; TRL clip_ratio/low_mean), above (A > 0,
   * r > 1 + ε_high; high_mean), and with a ratio outside [1 − ε_low, 1 + ε_high] whatever the sign of A
   * (TRL's region_mean is clipFraction: low or high). Absent from older runs.
   */
  clipLowFraction: share().optional(),
  clipHighFraction: share().optional(),
  clipRegionFraction: share().optional(),
  /** Mean KL penalty subtracted from the responses' rewards (kl.inReward: rewardCoef · Σ_t kl_t). Absent without it. */
  klRewardPenalty: z.number().optional(),
  /** Global gradient norm after clipping to optim.maxGradNorm, the norm the updates applied (mean over the step's optimizer steps). Absent from older runs. */
  gradNormClipped: z.number().nonnegative().optional(),
  /** Mean of trainer − sampler logprob over the sampled tokens. */
  logprobGapMean: finite(),
  /** Largest |trainer − sampler logprob| over the sampled tokens. */
  logprobGapMaxAbs: z.number().nonnegative(),
  /** Mean response length in tokens. */
  responseLengthMean: z.number().nonnegative(),
  /** Longest response in tokens. */
  responseLengthMax: z.int().min(0),
  /** Learning rate of this step's updates. */
  learningRate: z.number().nonnegative(),
  /**
   * Updates of this step that the divergence guard dropped (`guard.action: skip`); its other values
   * describe the dropped update. Absent when none was dropped.
   */
  guardSkipped: z.int().min(1).optional(),
});

/** Schema of an `eval` line. */
export const EVAL_METRICS_SCHEMA = z.strictObject({
  /** Record type. */
  kind: z.literal('eval'),
  /** The training step after which the evaluation ran (0 = before training). */
  step: z.int().min(0),
  /** Held-out prompts evaluated. */
  prompts: z.int().min(1),
  /** Samples per prompt (n of pass@k). */
  samples: z.int().min(1),
  /** Accuracy of one greedy response per prompt. */
  pass1Greedy: share(),
  /** Mean accuracy over the n samples per prompt (mean@n). */
  meanAccuracy: share(),
  /** Unbiased pass@k by k (keys are the k as strings, e.g. `{"1": 0.2, "8": 0.6}`). */
  passAtK: z.record(z.string().regex(/^[1-9]\d*$/), share()),
  /** Mean reward of the sampled responses. */
  rewardMean: finite(),
  /**
   * Exact success probability ρ of every training and held-out prompt (in task order), where the
   * response is one token (the choice tasks; see loop/exact-success.ts); absent elsewhere.
   */
  exactSuccess: z.strictObject({ train: z.array(share()), test: z.array(share()) }).optional(),
  /** Wall time of the evaluation. */
  seconds: seconds(),
});

/** Schema of any line of metrics.jsonl. */
export const METRICS_RECORD_SCHEMA = z.discriminatedUnion('kind', [STEP_METRICS_SCHEMA, EVAL_METRICS_SCHEMA]);

/** One `step` line of metrics.jsonl: every per-step metric (listed in the README under `rlvr train`). */
export type StepMetrics = z.infer<typeof STEP_METRICS_SCHEMA>;
/** One `eval` line: held-out pass@1 (greedy), mean accuracy over n samples and pass@k. */
export type EvalMetrics = z.infer<typeof EVAL_METRICS_SCHEMA>;
/** Any line of metrics.jsonl. */
export type MetricsRecord = z.infer<typeof METRICS_RECORD_SCHEMA>;
