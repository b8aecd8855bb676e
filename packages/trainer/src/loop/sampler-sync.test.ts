/**
 * The sampler update after an optimizer step (rlStep's sync phase) with a real cpu policy and a real
 * ONNX Runtime sampler in training's weight mode: the sampler's weight inputs are the policy's own
 * arrays (no copy anywhere), and it samples from the updated weights.
 */
import { createDecoderModel, type DecoderModel } from '@rlvr/kernels';
import { CausalLm, Sampler } from '@rlvr/sampler';
import { testStepSettings } from '../testing/step-settings.js';
import { parityScore, tinyStepModel } from '../testing/tiny-step.js';
import { rlStep } from './rl-step.js';
import { trainingWeightMode } from './task-environment.js';

const { tiny, tokenizer } = tinyStepModel();
const M = 4;
const score = parityScore;

let policy: DecoderModel;
let lm: CausalLm;
beforeAll(async () => {
  policy = await createDecoderModel({ config: tiny.config, weights: tiny.weights, backend: 'cpu', cpuEngine: 'eager', log: null, threads: 1 });
  lm = await CausalLm.fromWeights(tiny.config, tiny.weights, { weightMode: trainingWeightMode('cpu') });
});
afterAll(async () => {
  await policy.dispose();
  await lm.release();
});

test('after a step the sampler’s weight inputs are the policy’s own arrays, and it samples from the updated weights', async () => {
  expect(lm.weightMode).toBe('inputs');
  expect(trainingWeightMode('webgpu')).toBe('auto');
  const sampler = new Sampler(lm, tokenizer);
  const prompts = ['How many clips', 'The quick brown fox', 'Answer:'].map((t) => ({ ids: tokenizer.encode(t), reference: null }));
  const ctx = {
    policy,
    sampler: { generate: (p: number[][], o: object) => sampler.generate(p, o as never), setWeights: (w: never) => lm.setWeights(w) },
    score,
  };
  const r = await rlStep(ctx as never, prompts, testStepSettings(M, { seed: 3, optimizer: { lr: 5e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 } }));
  expect(r.optimizerSteps).toBe(1);
  const live = policy.liveTensors()!.weights;
  const name = 'model.layers.0.mlp.down_proj.weight';
  expect(live[name]!.data).not.toEqual(tiny.weights[name]!.data); // the step changed them
  for (const [n, t] of Object.entries(live)) expect(lm.weightInputs[n]).toBe(t.data);
  // The same rollouts as a fresh sampler built from a copy of the updated weights.
  const fresh = await CausalLm.fromWeights(tiny.config, await policy.weights(), { weightMode: 'inputs' });
  const options = { groupSize: M, maxNewTokens: 6, seed: 9 };
  const ids = prompts.map((p) => p.ids);
  const [a, b] = [await sampler.generate(ids, options), await new Sampler(fresh, tokenizer).generate(ids, options)];
  expect(a.map((x) => [x.completionIds, x.logprobs])).toEqual(b.map((x) => [x.completionIds, x.logprobs]));
  await fresh.release();
});
