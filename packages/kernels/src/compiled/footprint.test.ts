import { parameterCount, parseDecoderConfig } from '@rlvr/core';
import { DEFAULT_COMPILED_BUDGET_BYTES, compiledStepBytes } from './footprint.js';
import { DEMO_MODEL_JSON, QWEN25_05B_JSON } from '../testing/model-shapes.js';

const demo = parseDecoderConfig(DEMO_MODEL_JSON);
const qwen05 = parseDecoderConfig(QWEN25_05B_JSON);

describe('compiledStepBytes', () => {
  it('grows linearly with the batch and faster than linearly with the sequence (attention scores)', async () => {
    const gradients = 2 * 4 * parameterCount(demo); // the part that does not grow
    const one = (await compiledStepBytes(demo, 1, 112)) - gradients;
    expect((await compiledStepBytes(demo, 8, 112)) - gradients).toBe(8 * one);
    const perTokenShort = ((await compiledStepBytes(demo, 1, 64)) - gradients) / 64;
    const perTokenLong = ((await compiledStepBytes(demo, 1, 128)) - gradients) / 128;
    expect(perTokenLong).toBeGreaterThan(perTokenShort);
  });

  it("counts at least the [tokens, vocab] tensors and every layer's attention probabilities", async () => {
    const bytes = await compiledStepBytes(demo, 64, 112);
    const tokens = 64 * 112;
    const probs = 2 * 64 * 4 * 112 * 112; // layers × batch × heads × seq²
    expect(bytes).toBeGreaterThan(4 * (6 * tokens * 517 + probs));
  });

  it('counts the gradient of every parameter twice (the step’s outputs and their copies), so a 0.5B model never compiles by default', async () => {
    const perRow = (await compiledStepBytes(demo, 2, 112)) - (await compiledStepBytes(demo, 1, 112));
    expect((await compiledStepBytes(demo, 1, 112)) - perRow).toBe(2 * 4 * parameterCount(demo)); // what does not grow with the batch
    expect(await compiledStepBytes(qwen05, 1, 2)).toBeGreaterThan(DEFAULT_COMPILED_BUDGET_BYTES);
  });

  it("the default budget compiles the demo's micro-batch and not a 152k-vocabulary model's 1 × 1024", async () => {
    expect(await compiledStepBytes(demo, 64, 112)).toBeLessThanOrEqual(DEFAULT_COMPILED_BUDGET_BYTES);
    expect(await compiledStepBytes(qwen05, 1, 1024)).toBeGreaterThan(DEFAULT_COMPILED_BUDGET_BYTES);
  });
});
