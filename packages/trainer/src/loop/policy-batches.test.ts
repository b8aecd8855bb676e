import { TrainerError } from '../errors.js';
import { buildMicroBatches, type RolloutTokens } from './policy-batches.js';

const rollouts: RolloutTokens[] = [
  { promptIds: [5, 6, 7], completionIds: [8, 9], logprobs: [-0.5, -1.5] },
  { promptIds: [5, 6, 7], completionIds: [10], logprobs: [-2] },
  { promptIds: [3], completionIds: [4, 4, 4, 2], logprobs: [-0.1, -0.2, -0.3, -0.4] },
];

describe('buildMicroBatches', () => {
  it('lays out prompt + completion, right padding, and the shifted loss mask, advantages and sampler logprobs', () => {
    const [mb] = buildMicroBatches(rollouts.slice(0, 2), [1.5, -0.5], { microBatchSize: 4, padId: 0 });
    const b = mb!.batch;
    expect([b.batch, b.seq]).toEqual([2, 5]);
    expect(Array.from(b.tokens)).toEqual([5, 6, 7, 8, 9, 5, 6, 7, 10, 0]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    // Entry s predicts token s + 1: completion tokens sit at positions 3, 4 → entries 2, 3.
    expect(Array.from(b.lossMask)).toEqual([0, 0, 1, 1, 0, 0, 1, 0]);
    expect(Array.from(b.advantages)).toEqual([0, 0, 1.5, 1.5, 0, 0, -0.5, 0]);
    expect(Array.from(mb!.samplerLogp)).toEqual([0, 0, -0.5, -1.5, 0, 0, -2, 0]);
    expect(Array.from(b.oldLogp)).toEqual(Array.from(mb!.samplerLogp));
    expect(b.oldLogp).not.toBe(mb!.samplerLogp);
    expect(b.samplerLogp).toBeUndefined();
    expect(mb!.rows).toEqual([0, 1]);
    expect(mb!.lossTokens).toBe(3);
  });

  it('takes oldLogp from the given per-rollout policy logprobs', () => {
    const [mb] = buildMicroBatches(rollouts.slice(0, 2), [1, 1], { microBatchSize: 2, padId: 0, oldLogprobs: [[-0.6, -1.4], [-2.2]] });
    expect(Array.from(mb!.batch.oldLogp).map((x) => Math.round(x * 10) / 10)).toEqual([0, 0, -0.6, -1.4, 0, 0, -2.2, 0]);
    expect(() => buildMicroBatches(rollouts.slice(0, 1), [1], { microBatchSize: 2, padId: 0, oldLogprobs: [[-1]] })).toThrow('rollout 0: 1 old logprobs for 2 completion tokens');
  });

  it('splits into micro-batches in order, each padded to its own longest sequence', () => {
    const mbs = buildMicroBatches(rollouts, [1, 2, 3], { microBatchSize: 2, padId: 1 });
    expect(mbs.map((m) => m.rows)).toEqual([[0, 1], [2]]);
    expect(mbs.map((m) => m.batch.seq)).toEqual([5, 5]);
    expect(Array.from(mbs[1]!.batch.lossMask)).toEqual([1, 1, 1, 1]);
    expect(mbs.reduce((n, m) => n + m.lossTokens, 0)).toBe(7);
  });

  it('rejects corrupt rollouts and bad options, naming them', () => {
    expect(() => buildMicroBatches(rollouts, [1, 2], { microBatchSize: 2, padId: 0 })).toThrow('advantages: 2 values for 3 rollouts');
    expect(() => buildMicroBatches([{ ...rollouts[0]!, logprobs: [-1] }], [1], { microBatchSize: 2, padId: 0 })).toThrow('rollout 0: 1 logprobs for 2 completion tokens');
    expect(() => buildMicroBatches([{ ...rollouts[0]!, promptIds: [] }], [1], { microBatchSize: 2, padId: 0 })).toThrow(/rollout 0: empty prompt/);
    expect(() => buildMicroBatches(rollouts, [1, 2, 3], { microBatchSize: 0, padId: 0 })).toThrow(/microBatchSize must be an integer ≥ 1/);
    expect(() => buildMicroBatches(rollouts, [1, 2, 3], { microBatchSize: 0, padId: 0 })).toThrow(TrainerError);
  });
});
