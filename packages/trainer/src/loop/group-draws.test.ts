import type { DecoderModel, PolicyBatch } from '@rlvr/kernels';
import { deriveSeed } from '../tasks/shuffle.js';
import { rlStep, type RlStepSettings, type StepPrompt, type StepRollout, type StepScore } from './rl-step.js';
import { testStepSettings } from '../testing/step-settings.js';

const M = 4;

/** A fake policy (every loss 1, gradient norm 1) that trains on whatever it is given. */
function fakePolicy(): DecoderModel {
  const policy = {
    policyLoss: async (batch: PolicyBatch) => ({
      loss: 1,
      klMean: 0,
      clipFraction: 0,
      entropyMean: 0,
      logp: new Float32Array(batch.lossMask.length),
    }),
    step: async () => ({ gradNorm: 1 }),
    weights: async () => ({}),
    liveTensors: () => null,
  };
  return policy as unknown as DecoderModel;
}

const settings = (maxGroups?: number, seed = 11): RlStepSettings => testStepSettings(M, { seed, binarizeThreshold: 1, ...(maxGroups === undefined ? {} : { maxGroups }) });

/**
 * A sampler whose k-th group for a prompt is correct when the prompt's script says so at k (prompt
 * id → the draws, counted per prompt, that hold a success), with one correct response in such a group;
 * it records every call's prompts and seed. The completion carries the draw number and the seed.
 */
function scriptedSampler(script: Record<number, number[]>) {
  const draws = new Map<number, number>();
  const calls: { prompts: number[]; seed: number }[] = [];
  const sampler = {
    generate: async (prompts: number[][], o: { groupSize: number; seed: number }): Promise<StepRollout[]> => {
      calls.push({ prompts: prompts.map((p) => p[0]!), seed: o.seed });
      return prompts.flatMap((ids, promptIndex) => {
        const draw = draws.get(ids[0]!) ?? 0;
        draws.set(ids[0]!, draw + 1);
        const success = script[ids[0]!]!.includes(draw);
        return Array.from({ length: o.groupSize }, (_, sampleIndex) => ({
          promptIndex,
          sampleIndex,
          text: success && sampleIndex === 0 ? 'right' : 'wrong',
          finishReason: 'stop',
          promptIds: ids,
          completionIds: [draw + 1, o.seed % 1000],
          logprobs: [-1, -1],
        }));
      });
    },
    setWeights: async () => undefined,
  };
  return { sampler, calls };
}

const score = async (rollouts: StepRollout[]): Promise<StepScore[]> => rollouts.map((r) => (r.text === 'right' ? { reward: 1, correct: true } : { reward: 0, correct: false }));

// Prompt 1 succeeds at once, prompt 2 on its third group, prompt 3 never.
const prompts: StepPrompt[] = [1, 2, 3].map((id) => ({ ids: [id], reference: null }));
const script = { 1: [0], 2: [2], 3: [] };

describe('rlStep with sampling.maxGroups', () => {
  test('maxGroups 1 (and unset) draws one group per prompt at the step seed and trains on the sampler’s own rollouts', async () => {
    for (const maxGroups of [undefined, 1]) {
      const { sampler, calls } = scriptedSampler(script);
      let returned: StepRollout[] = [];
      const recording = { ...sampler, generate: async (...a: Parameters<typeof sampler.generate>) => (returned = await sampler.generate(...a)) };
      const r = await rlStep({ policy: fakePolicy(), sampler: recording, score }, prompts, settings(maxGroups));
      expect(calls).toEqual([{ prompts: [1, 2, 3], seed: 11 }]);
      expect([r.responses, r.extraGroups, r.completionTokens]).toEqual([3 * M, 0, 3 * M * 2]);
      r.rollouts.forEach((x, i) => expect(x.rollout).toBe(returned[i]));
      expect(r.successHistogram).toEqual([2, 1, 0, 0, 0]);
    }
  });

  test('a prompt without a success is drawn again until its first success, at most maxGroups groups', async () => {
    const { sampler, calls } = scriptedSampler(script);
    const r = await rlStep({ policy: fakePolicy(), sampler, score }, prompts, settings(4));
    // Only the unsolved prompts are drawn again; prompt 2 stops at its success in the third group.
    expect(calls.map((c) => c.prompts)).toEqual([[1, 2, 3], [2, 3], [2, 3], [3]]);
    expect(calls.map((c) => c.seed)).toEqual([11, deriveSeed(11, 1), deriveSeed(11, 2), deriveSeed(11, 3)]);
    expect(new Set(calls.map((c) => c.seed)).size).toBe(4);
    // Every response drawn counts: 3 + 2 + 2 + 1 groups of M.
    expect([r.prompts, r.responses, r.extraGroups, r.completionTokens]).toEqual([3, 8 * M, 5, 8 * M * 2]);
    // The trained groups: prompt 1's first, prompt 2's third (its success), prompt 3's fourth (the last drawn).
    expect(r.rollouts).toHaveLength(3 * M);
    expect(r.rollouts.map((x) => [x.rollout.promptIndex, x.rollout.sampleIndex])).toEqual([0, 1, 2].flatMap((p) => Array.from({ length: M }, (_, k) => [p, k])));
    expect(r.rollouts.map((x) => x.rollout.completionIds[0])).toEqual([1, 3, 4].flatMap((d) => new Array(M).fill(d)));
    expect(r.rollouts.map((x) => x.rollout.promptIds[0])).toEqual([1, 2, 3].flatMap((id) => new Array(M).fill(id)));
    // ρ̂ and the advantages are over the trained groups: two solved at 1/4, one unsolved (−h(0) = −1 for Linear-R).
    expect(r.successHistogram).toEqual([1, 2, 0, 0, 0]);
    expect(r.accuracy).toBe(2 / (3 * M));
    expect(r.rollouts.slice(2 * M).map((x) => x.advantage)).toEqual(new Array(M).fill(-1));
    expect(r.rollouts[M]!.advantage).toBeGreaterThan(0);
  });

  test('a cap of 2 stops after the second group, successful or not', async () => {
    const { sampler, calls } = scriptedSampler(script);
    const r = await rlStep({ policy: fakePolicy(), sampler, score }, prompts, settings(2));
    expect(calls.map((c) => c.prompts)).toEqual([
      [1, 2, 3],
      [2, 3],
    ]);
    expect([r.responses, r.extraGroups]).toEqual([5 * M, 2]);
    expect(r.successHistogram).toEqual([2, 1, 0, 0, 0]);
  });

  test('the same seed gives the same step; another seed other draws', async () => {
    // A sampler whose successes depend only on the seed and the prompt: what a seeded engine does.
    const seeded = {
      generate: async (ps: number[][], o: { groupSize: number; seed: number }): Promise<StepRollout[]> =>
        ps.flatMap((ids, promptIndex) =>
          Array.from({ length: o.groupSize }, (_, sampleIndex) => ({
            promptIndex,
            sampleIndex,
            text: deriveSeed(o.seed, ids[0]! * 100 + sampleIndex) % 13 === 0 ? 'right' : 'wrong',
            finishReason: 'stop',
            promptIds: ids,
            completionIds: [sampleIndex + 1],
            logprobs: [-1],
          })),
        ),
      setWeights: async () => undefined,
    };
    const many = Array.from({ length: 12 }, (_, i) => ({ ids: [i + 1], reference: null }));
    const run = async (seed: number) => {
      const r = await rlStep({ policy: fakePolicy(), sampler: seeded, score }, many, settings(8, seed));
      return { ...r, times: null };
    };
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect(b).toEqual(a);
    expect(a.extraGroups).toBeGreaterThan(0);
    expect(a.responses).toBe((12 + a.extraGroups) * M);
    expect(c.rollouts.map((x) => x.rollout.text)).not.toEqual(a.rollouts.map((x) => x.rollout.text));
  });

  test('refuses a cap below 1', async () => {
    const { sampler } = scriptedSampler(script);
    await expect(rlStep({ policy: fakePolicy(), sampler, score }, prompts, settings(0))).rejects.toThrow(/maxGroups must be an integer ≥ 1/);
  });
});
