import type { DecoderModel, PolicyBatch } from '@rlvr/kernels';
import { WEIGHTING_NAMES, weighting } from '@rlvr/weights';
import { flatNonBinaryValues, lostPushCount, lostPushWarner } from './flat-groups.js';
import { rlStep, type RlStepSettings, type StepRollout, type StepScore } from './rl-step.js';
import { testStepSettings } from '../testing/step-settings.js';

describe('flatNonBinaryValues', () => {
  test('the common reward of each group that is constant and neither 0 nor 1', () => {
    const rewards = [0.1, 0.1, 0.1, 0, 0, 0, 1, 1, 1, 0.1, 0.1, 1, 0.5, 0.5, 0.5, 2, 2, 2];
    expect(flatNonBinaryValues(rewards, 3)).toEqual([0.1, 0.5, 2]);
    expect(flatNonBinaryValues([0, 0, 1, 1], 2)).toEqual([]);
  });
});

describe('lostPushCount', () => {
  const unsolvedFlat = [0.1, 0.1];

  test('raw rewards drop the push exactly for the weightings with h(0) > 0 (the -R family, cost-aware)', () => {
    const lost = Object.fromEntries(WEIGHTING_NAMES.map((name) => [name, lostPushCount(unsolvedFlat, 4, name, 'weighting')]));
    for (const name of WEIGHTING_NAMES) {
      const w = weighting(name);
      // REINFORCE is not centred: an all-0.1 group keeps Aᵢ = 0.1 with raw rewards, so nothing is lost.
      const expected = w.centred && w.effectiveWeight(0) > 0 ? 2 : 0;
      expect([name, lost[name]]).toEqual([name, expected]);
    }
    expect(lost['linear-r']).toBe(2);
    expect(lost['uniform-r']).toBe(2);
    expect(lost.grpo).toBe(0);
  });

  test("zero-variance 'reinforce' pushes unsolved groups for every weighting, 'zero' for none", () => {
    expect(lostPushCount(unsolvedFlat, 4, 'grpo', 'reinforce')).toBe(2);
    expect(lostPushCount(unsolvedFlat, 4, 'linear-r', 'zero')).toBe(0);
  });

  test('a flat group at or above 1 is a solved group binarized: lost only where h(1) > 0 (Uniform-R)', () => {
    expect(lostPushCount([1.5], 4, 'grpo', 'weighting')).toBe(0);
    expect(lostPushCount([1.5], 4, 'dr-grpo', 'weighting')).toBe(0);
    expect(lostPushCount([0.5, 0.5, 0.25], 4, 'uniform-r', 'weighting')).toBe(3);
  });
});

describe('lostPushWarner', () => {
  test('one line, the first time a step reports lost groups, naming the count, the weighting and the fix', () => {
    const lines: string[] = [];
    const warn = lostPushWarner('linear-r', (line) => lines.push(line));
    warn(1, 0);
    warn(2, 3);
    warn(3, 5);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: step 2: 3 groups got the same non-binary reward/);
    expect(lines[0]).toContain('linear-r');
    expect(lines[0]).toContain('weighting.binarize: 1');
  });
});

/** A fake policy that records the advantages it is trained on (every loss 1, gradient norm 1). */
function recordingPolicy(trained: number[]): DecoderModel {
  const policy = {
    policyLoss: async (batch: PolicyBatch) => {
      trained.push(...Array.from(batch.advantages));
      return { loss: 1, klMean: 0, clipFraction: 0, entropyMean: 0, logp: new Float32Array(batch.lossMask.length) };
    },
    step: async () => ({ gradNorm: 1 }),
    weights: async () => ({}),
    liveTensors: () => null,
  };
  return policy as unknown as DecoderModel;
}

describe('rlStep on groups of well-formatted wrong answers (every reward 0.1)', () => {
  const M = 4;
  const prompts = [
    { ids: [1, 2], reference: null },
    { ids: [3, 4], reference: null },
  ];
  const rollouts: StepRollout[] = prompts.flatMap((p, promptIndex) =>
    Array.from({ length: M }, (_, sampleIndex) => ({
      promptIndex,
      sampleIndex,
      text: 'x',
      finishReason: 'stop',
      promptIds: p.ids,
      completionIds: [5, 6],
      logprobs: [-1, -1],
    })),
  );
  const settings = (name: string, binarizeThreshold?: number): RlStepSettings => testStepSettings(M, { weighting: name, ...(binarizeThreshold === undefined ? {} : { binarizeThreshold }) });
  const step = async (name: string, binarizeThreshold?: number) => {
    const trained: number[] = [];
    const result = await rlStep(
      {
        policy: recordingPolicy(trained),
        sampler: { generate: async () => rollouts, setWeights: async () => undefined },
        score: async (r): Promise<StepScore[]> => r.map(() => ({ reward: 0.1, correct: false })),
      },
      prompts,
      settings(name, binarizeThreshold),
    );
    return { result, trained };
  };

  test('raw rewards: Linear-R trains on nothing and the step reports both groups as lost', async () => {
    const { result, trained } = await step('linear-r');
    expect(result.rollouts.every((r) => r.advantage === 0)).toBe(true);
    expect(trained).toEqual([]);
    expect([result.flatNonBinaryGroups, result.lostPushGroups]).toEqual([2, 2]);
  });

  test('binarized at 1: every response gets −h(0) = −1 and nothing is lost', async () => {
    const { result, trained } = await step('linear-r', 1);
    expect(result.rollouts.map((r) => r.advantage)).toEqual(new Array(2 * M).fill(-1));
    // The policy saw the −1s (per token of each response's completion).
    expect(trained.length).toBeGreaterThan(0);
    expect(new Set(trained.filter((a) => a !== 0))).toEqual(new Set([-1]));
    expect([result.flatNonBinaryGroups, result.lostPushGroups]).toEqual([2, 0]);
  });

  test('raw rewards under GRPO (h(0) = 0): flat groups counted, nothing lost', async () => {
    const { result } = await step('grpo');
    expect([result.flatNonBinaryGroups, result.lostPushGroups]).toEqual([2, 0]);
  });
});
