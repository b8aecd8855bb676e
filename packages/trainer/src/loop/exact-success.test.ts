import { loadDecoderModel } from '@rlvr/kernels';
import { Sampler, loadModelDir } from '@rlvr/sampler';
import { exactMatch } from '@rlvr/verifiers';
import { embeddedModelDir } from '../models/embedded.js';
import { parseTrainConfig } from '../config/index.js';
import { answerTokenIds, exactSuccess, exactSuccessApplies } from './exact-success.js';

const CHOICE = {
  task: { name: 'choice', template: 'plain' },
  sampling: { maxNewTokens: 1 },
} as const;

describe('exact success probability (choice tasks)', () => {
  test('applies only to one-token responses sampled without truncation', () => {
    expect(exactSuccessApplies(parseTrainConfig(CHOICE))).toBe(true);
    expect(exactSuccessApplies(parseTrainConfig({ ...CHOICE, sampling: { maxNewTokens: 2 } }))).toBe(false);
    expect(exactSuccessApplies(parseTrainConfig({ ...CHOICE, sampling: { maxNewTokens: 1, topP: 0.9 } }))).toBe(false);
    expect(exactSuccessApplies(parseTrainConfig({ ...CHOICE, sampling: { maxNewTokens: 1, topK: 5 } }))).toBe(false);
    expect(exactSuccessApplies(parseTrainConfig({ sampling: { maxNewTokens: 1 } }))).toBe(false);
  });

  test('answer tokens: every token whose text, trimmed, is the answer', () => {
    const texts = ['7', ' 7', '7 ', '17', 'x', ' 3'];
    const ids = answerTokenIds((id) => texts[id]!, texts.length, ['7', '3', '9']);
    expect(Object.fromEntries(ids)).toEqual({ '7': [0, 1, 2], '3': [5], '9': [] });
  });

  test('equals the log-softmax of the trainer and the sampler’s own frequency on the embedded base model', async () => {
    const dir = embeddedModelDir('choice-base');
    const loaded = await loadModelDir(dir);
    const policy = await loadDecoderModel(dir, { backend: 'cpu', log: null });
    try {
      const tokenizer = loaded.tokenizer;
      const prompts = ['item 3 =', 'pick 5 *12 7 30 =', '4 + 9 mod 40 ='].map((text, i) => ({
        ids: tokenizer.encode(text),
        reference: ['11', '12', '13'][i],
      }));
      const ids = answerTokenIds((id) => tokenizer.decode([id]), policy.config.vocabSize, ['11', '12', '13']);
      const answerIds = prompts.map((p) => ids.get(p.reference as string)!);
      const rho = await exactSuccess(policy, prompts, answerIds, 1, tokenizer.padTokenId ?? 0);

      // Independent path: the trainer's per-token logprobs of prompt + each answer token, one sequence at a time.
      for (const [b, p] of prompts.entries()) {
        let expected = 0;
        for (const id of answerIds[b]!) {
          const tokens = Int32Array.from([...p.ids, id]);
          const { logprob } = await policy.tokenLogprobs(tokens, new Int32Array(tokens.length).fill(1), 1, tokens.length);
          expected += Math.exp(logprob[tokens.length - 2]!);
        }
        expect(rho[b]).toBeCloseTo(expected, 5);
        // The base model answers near-uniformly over the 40 choices.
        expect(rho[b]).toBeGreaterThan(0.01);
        expect(rho[b]).toBeLessThan(0.05);
      }

      // The sampler's frequency of correct one-token responses, scored by the real verifier, agrees within 5σ.
      const sampler = new Sampler(loaded.model, tokenizer);
      const n = 4000;
      const rollouts = await sampler.generate([prompts[0]!.ids], { groupSize: n, maxNewTokens: 1, temperature: 1, seed: 5 });
      const verifier = exactMatch();
      const hits = rollouts.filter((r) => verifier.verify(tokenizer.decode(r.completionIds), '11').correct).length;
      const sigma = Math.sqrt((rho[0]! * (1 - rho[0]!)) / n);
      expect(Math.abs(hits / n - rho[0]!)).toBeLessThan(5 * sigma);
    } finally {
      await policy.dispose();
      await loaded.model.release();
    }
  });
});
