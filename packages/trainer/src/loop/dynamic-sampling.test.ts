import { createDecoderModel, type DecoderModel, type PolicyBatch } from '@rlvr/kernels';
import { livelyWeights, maxDiff, tinyDecoderConfig } from '@rlvr/kernels/testing';
import { deriveSeed } from '../tasks/shuffle.js';
import { testStepSettings } from '../testing/step-settings.js';
import { flatGroup } from './dynamic-sampling.js';
import { rlStep, type RlStepSettings, type StepPrompt, type StepRollout, type StepScore } from './rl-step.js';

const M = 4;

/** A policy that records the batches and loss scales it is trained on (every loss 1, gradient norm 1). */
function recordingPolicy(seen: { batch: PolicyBatch; lossScale: number }[] = []): DecoderModel {
  const policy = {
    policyLoss: async (batch: PolicyBatch, o: { lossScale?: number }) => {
      seen.push({ batch, lossScale: o.lossScale ?? 1 });
      return { loss: 1, klMean: 0, clipFraction: 0, entropyMean: 0, logp: new Float32Array(batch.lossMask.length) };
    },
    step: async () => ({ gradNorm: 1 }),
    weights: async () => ({}),
    liveTensors: () => null,
  };
  return policy as unknown as DecoderModel;
}

/**
 * A sampler whose group for prompt id p has `successes(p)` correct responses first (text `right`),
 * the rest `wrong`; the second completion token is the seed, so tests see which draw a group came from.
 */
function countingSampler(successes: (promptId: number) => number) {
  const calls: { prompts: number[]; seed: number }[] = [];
  return {
    calls,
    sampler: {
      generate: async (prompts: number[][], o: { groupSize: number; seed: number }): Promise<StepRollout[]> => {
        calls.push({ prompts: prompts.map((p) => p[0]!), seed: o.seed });
        return prompts.flatMap((ids, promptIndex) =>
          Array.from({ length: o.groupSize }, (_, sampleIndex) => ({
            promptIndex,
            sampleIndex,
            text: sampleIndex < successes(ids[0]!) ? 'right' : 'wrong',
            finishReason: 'stop',
            promptIds: ids,
            completionIds: [ids[0]!, o.seed % 1000],
            logprobs: [-1, -1],
          })),
        );
      },
      setWeights: async () => undefined,
    },
  };
}

// Countdown-like rewards: 1 for right, 0.1 for a well-formatted wrong answer, except prompt ids ≥ 100 (0, unformatted).
const score = async (rollouts: StepRollout[]): Promise<StepScore[]> =>
  rollouts.map((r) => (r.text === 'right' ? { reward: 1, correct: true } : { reward: r.promptIds[0]! >= 100 && r.sampleIndex === 0 ? 0 : 0.1, correct: false }));

/** Prompt ids batch by batch: each call of the returned source gives the next batch of `size`. */
function promptSource(size: number, first = 1) {
  let next = first;
  const batch = (): StepPrompt[] => Array.from({ length: size }, () => ({ ids: [next++], reference: null }));
  return batch;
}

const filtered = (metric: 'reward' | 'accuracy', maxRounds: number, extra: Partial<RlStepSettings> = {}): RlStepSettings =>
  testStepSettings(M, { seed: 9, binarizeThreshold: 1, weighting: 'grpo', filterGroups: { metric, maxRounds }, ...extra });

describe('flatGroup', () => {
  test('reward: equal rewards; accuracy: equal verdicts', () => {
    const wrong = (reward: number): StepScore => ({ reward, correct: false });
    expect(flatGroup([wrong(0.1), wrong(0.1)], 'reward')).toBe(true);
    expect(flatGroup([wrong(0.1), wrong(0)], 'reward')).toBe(false);
    expect(flatGroup([wrong(0.1), wrong(0)], 'accuracy')).toBe(true);
    expect(flatGroup([wrong(0), { reward: 1, correct: true }], 'accuracy')).toBe(false);
  });
});

describe('rlStep with dynamic sampling (sampling.filterGroups)', () => {
  // Every third prompt id (3, 6, 9, …) has one right answer in its group; the others none.
  const mixedEveryThird = (id: number) => (id % 3 === 0 ? 1 : 0);

  test('drops the flat groups, samples further batches until full, and trains only on groups of unequal rewards', async () => {
    const { sampler, calls } = countingSampler(mixedEveryThird);
    const next = promptSource(4);
    const first = next();
    const seen: { batch: PolicyBatch; lossScale: number }[] = [];
    const r = await rlStep({ policy: recordingPolicy(seen), sampler, score, nextPrompts: next }, first, filtered('accuracy', 0));
    // Ids 1–4 hold one mixed group (3), 5–8 one (6), 9–12 two (9, 12): full after the third batch.
    expect(calls.map((c) => c.prompts)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ]);
    expect(calls.map((c) => c.seed)).toEqual([9, deriveSeed(9, 0xd5a0_0001), deriveSeed(9, 0xd5a0_0002)]);
    expect(r.filter).toEqual({ rounds: 3, groupsKept: 4, groupsDropped: 8, groupsSurplus: 0 });
    // No trained group has equal rewards; the trained groups are 3, 6, 9, 12, renumbered 0–3.
    expect(r.rollouts).toHaveLength(4 * M);
    for (let g = 0; g < 4; g++) {
      const rewards = r.rollouts.slice(g * M, (g + 1) * M).map((x) => x.score.reward);
      expect(new Set(rewards).size).toBeGreaterThan(1);
    }
    expect(r.rollouts.map((x) => x.rollout.promptIds[0])).toEqual([3, 6, 9, 12].flatMap((id) => new Array(M).fill(id)));
    expect(r.rollouts.map((x) => x.rollout.promptIndex)).toEqual([0, 1, 2, 3].flatMap((p) => new Array(M).fill(p)));
    // The counter includes the discarded responses: 3 batches × 4 prompts × M.
    expect(r.responses).toBe(12 * M);
    expect(r.completionTokens).toBe(12 * M * 2);
    expect([r.prompts, r.noSignalFraction, r.signalGroups]).toEqual([4, 0, 4]);
    expect(r.successHistogram).toEqual([0, 4, 0, 0, 0]);
    // GRPO: every trained row carries an advantage, and the policy saw only the kept groups' rows.
    expect(seen.reduce((n, x) => n + x.batch.batch, 0)).toBe(4 * M);
  });

  test('a full batch discards the surplus groups of its last draw (sampled and counted, not trained)', async () => {
    const { sampler } = countingSampler((id) => (id === 1 ? 0 : 1));
    const next = promptSource(3);
    const r = await rlStep({ policy: recordingPolicy(), sampler, score, nextPrompts: next }, next(), filtered('accuracy', 0));
    // Batch 1 (ids 1–3): 2 mixed; batch 2 (4–6): 3 mixed, 1 kept and 2 surplus.
    expect(r.filter).toEqual({ rounds: 2, groupsKept: 3, groupsDropped: 1, groupsSurplus: 2 });
    expect(r.responses).toBe(6 * M);
    expect(r.rollouts.map((x) => x.rollout.promptIds[0])).toEqual([2, 3, 4].flatMap((id) => new Array(M).fill(id)));
  });

  test('metric reward keeps an unsolved group of unequal rewards that metric accuracy drops', async () => {
    // Ids ≥ 100 have one unformatted answer (0) beside 0.1s: unequal rewards, equal verdicts.
    const run = async (metric: 'reward' | 'accuracy') => {
      const { sampler, calls } = countingSampler(mixedEveryThird);
      const next = promptSource(2, 100);
      const r = await rlStep({ policy: recordingPolicy(), sampler, score, nextPrompts: next }, next(), filtered(metric, 0, { binarizeThreshold: undefined }));
      return { r, calls };
    };
    const byReward = await run('reward');
    expect(byReward.r.filter).toEqual({ rounds: 1, groupsKept: 2, groupsDropped: 0, groupsSurplus: 0 });
    const byAccuracy = await run('accuracy');
    // 100, 101: flat verdicts; 102, 103: 102 mixed; 104, 105: 105 mixed.
    expect(byAccuracy.r.filter).toEqual({ rounds: 3, groupsKept: 2, groupsDropped: 4, groupsSurplus: 0 });
  });

  test('the round limit stops the step with an error naming sampling.maxNumGenBatches', async () => {
    const { sampler, calls } = countingSampler(() => 0);
    const next = promptSource(4);
    await expect(rlStep({ policy: recordingPolicy(), sampler, score, nextPrompts: next }, next(), filtered('accuracy', 3))).rejects.toThrow(
      /kept 0 of 4 groups after 3 batches of 4 prompts \(sampling\.maxNumGenBatches = 3\): 12 groups had the same accuracy on all 4 responses\. Raise sampling\.maxNumGenBatches/,
    );
    expect(calls).toHaveLength(3);
  });

  test('a limit that is reached with a full batch is no error; without more prompts the step refuses to filter', async () => {
    const { sampler } = countingSampler(() => 1);
    const next = promptSource(2);
    const r = await rlStep({ policy: recordingPolicy(), sampler, score, nextPrompts: next }, next(), filtered('accuracy', 1));
    expect(r.filter).toEqual({ rounds: 1, groupsKept: 2, groupsDropped: 0, groupsSurplus: 0 });
    await expect(rlStep({ policy: recordingPolicy(), sampler, score }, next(), filtered('accuracy', 1))).rejects.toThrow(/filterGroups needs ctx\.nextPrompts/);
  });
});

describe('rlStep with sampling.maskTruncated', () => {
  // One group: responses 0 and 1 stop, 2 and 3 hit the token limit (finish reason length) with 3 tokens.
  const group = (maskedLength: number): StepRollout[] =>
    Array.from({ length: M }, (_, sampleIndex) => ({
      promptIndex: 0,
      sampleIndex,
      text: sampleIndex === 0 ? 'right' : 'wrong',
      finishReason: sampleIndex >= 2 ? 'length' : 'stop',
      promptIds: [1, 2],
      completionIds: sampleIndex >= 2 ? [3, 4, 5].slice(0, maskedLength) : [6, 7],
      logprobs: sampleIndex >= 2 ? [-1, -1, -1].slice(0, maskedLength) : [-1, -1],
    }));
  const step = async (policy: DecoderModel, rollouts: StepRollout[], maskTruncated: boolean) =>
    await rlStep(
      { policy, sampler: { generate: async () => rollouts, setWeights: async () => undefined }, score },
      [{ ids: [1, 2], reference: null }],
      testStepSettings(M, { binarizeThreshold: 1, maskTruncated, microBatchSize: 8 }),
    );

  test('the loss input leaves the truncated rows out of the batch and of the token-mean normaliser', async () => {
    const masked: { batch: PolicyBatch; lossScale: number }[] = [];
    const r = await step(recordingPolicy(masked), group(3), true);
    // Advantages still come from the whole group (ρ̂ = 1/4); the truncated rows are reported.
    expect(r.rollouts.map((x) => x.advantage).every((a) => a !== 0)).toBe(true);
    expect(r.truncatedFraction).toBe(0.5);
    expect(masked).toHaveLength(1);
    expect(masked[0]!.batch.batch).toBe(2);
    expect(masked[0]!.lossScale).toBe(1);
    const unmasked: { batch: PolicyBatch; lossScale: number }[] = [];
    await step(recordingPolicy(unmasked), group(3), false);
    expect(unmasked[0]!.batch.batch).toBe(4);
  });

  test('real gradient: masking the truncated rows updates the weights exactly as if they had no tokens, and differently from not masking', async () => {
    const config = tinyDecoderConfig();
    const open = async () => await createDecoderModel({ config, weights: livelyWeights(config, 5), backend: 'cpu', log: null, threads: 1 });
    const after = async (rollouts: StepRollout[], maskTruncated: boolean) => {
      const policy = await open();
      try {
        await step(policy, rollouts, maskTruncated);
        return (await policy.weights())['model.embed_tokens.weight']!.data;
      } finally {
        await policy.dispose();
      }
    };
    const masked = await after(group(3), true);
    // The same group with the truncated completions emptied: an empty completion is never trained.
    const emptied = await after(group(0), false);
    const unmasked = await after(group(3), false);
    expect(maxDiff(masked, emptied)).toBe(0);
    expect(maxDiff(masked, unmasked)).toBeGreaterThan(1e-6);
  });
});
