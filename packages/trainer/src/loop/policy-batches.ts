/**
 * Rollouts + one advantage per response → the micro-batches that `DecoderModel.policyLoss` trains on.
 *
 * Each sequence is the prompt's ids followed by the completion's ids, right-padded to the longest
 * sequence of its micro-batch (positions come from the attention mask, so padding never shifts them).
 * Per-token arrays use TRL's shifted layout [batch, seq − 1]: completion token j of a prompt of length P
 * sits at sequence position P + j and its entry is s = P + j − 1 (predicted from position P + j − 1).
 * The loss mask covers exactly the completion tokens (EOS or the token that completed a stop string
 * included, as TRL's completion mask does); the advantage of the response is broadcast over them; the
 * sampler's logprobs go to `samplerLogp` (for the truncated IS correction and the logprob-gap metric).
 */
import type { PolicyBatch } from '@rlvr/kernels';
import { TrainerError } from '../errors.js';

/** What this module needs of a rollout (a subset of the sampler's `Rollout`). */
export interface RolloutTokens {
  promptIds: readonly number[];
  completionIds: readonly number[];
  /** Sampler logprob of each completion token. */
  logprobs: readonly number[];
}

/** A micro-batch plus which responses it holds (indices into the rollout list). */
export interface TrainingMicroBatch {
  batch: PolicyBatch & { oldLogp: Float32Array };
  /** The sampler's logprobs [batch, seq − 1] (zero off the loss mask); set `batch.samplerLogp` to it for the IS correction. */
  samplerLogp: Float32Array;
  /** Indices of the rollouts in this micro-batch, in row order. */
  rows: number[];
  /** Number of loss tokens (completion tokens) in this micro-batch. */
  lossTokens: number;
}

/** Options of {@link buildMicroBatches}. */
export interface MicroBatchOptions {
  /** Sequences per micro-batch (the last one may hold fewer). */
  microBatchSize: number;
  /** Token id written into padding (any valid id: padding is masked out). */
  padId: number;
  /** Per rollout, the policy's logprobs of its completion tokens for `oldLogp`; default the sampler's. */
  oldLogprobs?: readonly ArrayLike<number>[];
}

/**
 * Split rollouts into micro-batches of `microBatchSize` sequences, in order. `oldLogp` holds
 * `options.oldLogprobs` (the policy's recomputed logprobs) or, without them, the sampler's.
 * Throws when lengths disagree (a rollout whose logprobs do not match its completion is corrupt).
 */
export function buildMicroBatches(
  rollouts: readonly RolloutTokens[],
  advantages: ArrayLike<number>,
  options: MicroBatchOptions,
): TrainingMicroBatch[] {
  if (advantages.length !== rollouts.length) {
    throw new TrainerError(`advantages: ${advantages.length} values for ${rollouts.length} rollouts`);
  }
  if (!Number.isInteger(options.microBatchSize) || options.microBatchSize < 1) {
    throw new TrainerError(`microBatchSize must be an integer ≥ 1, got ${options.microBatchSize}`);
  }
  rollouts.forEach((r, i) => {
    if (r.logprobs.length !== r.completionIds.length) {
      throw new TrainerError(
        `rollout ${i}: ${r.logprobs.length} logprobs for ${r.completionIds.length} completion tokens`,
      );
    }
    if (r.promptIds.length < 1) {
      throw new TrainerError(
        `rollout ${i}: empty prompt (the first completion token needs a position to be predicted from)`,
      );
    }
  });
  const out: TrainingMicroBatch[] = [];
  for (let first = 0; first < rollouts.length; first += options.microBatchSize) {
    const rows = Array.from({ length: Math.min(options.microBatchSize, rollouts.length - first) }, (_, k) => first + k);
    const batch = rows.length;
    const seq = Math.max(2, ...rows.map((i) => rollouts[i]!.promptIds.length + rollouts[i]!.completionIds.length));
    const tokens = new Int32Array(batch * seq).fill(options.padId);
    const attentionMask = new Int32Array(batch * seq);
    const slots = batch * (seq - 1);
    const lossMask = new Float32Array(slots);
    const adv = new Float32Array(slots);
    const samplerLogp = new Float32Array(slots);
    const oldLogp = new Float32Array(slots);
    let lossTokens = 0;
    rows.forEach((i, b) => {
      const r = rollouts[i]!;
      const ids = [...r.promptIds, ...r.completionIds];
      tokens.set(ids, b * seq);
      attentionMask.fill(1, b * seq, b * seq + ids.length);
      const p = r.promptIds.length;
      const old = options.oldLogprobs?.[i] ?? r.logprobs;
      if (old.length !== r.completionIds.length) {
        throw new TrainerError(
          `rollout ${i}: ${old.length} old logprobs for ${r.completionIds.length} completion tokens`,
        );
      }
      for (let j = 0; j < r.completionIds.length; j++) {
        const s = b * (seq - 1) + p + j - 1;
        lossMask[s] = 1;
        adv[s] = advantages[i]!;
        samplerLogp[s] = r.logprobs[j]!;
        oldLogp[s] = old[j]!;
      }
      lossTokens += r.completionIds.length;
    });
    out.push({
      batch: { tokens, attentionMask, batch, seq, lossMask, advantages: adv, oldLogp },
      samplerLogp,
      rows,
      lossTokens,
    });
  }
  return out;
}
