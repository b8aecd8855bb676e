import { parseDecoderConfig } from '@rlvr/core';
import { DEFAULT_COMPILED_BUDGET_BYTES, compiledStepBytes } from './footprint.js';
import { DEMO_MODEL_JSON, QWEN25_05B_JSON } from '../testing/model-shapes.js';

const demo = parseDecoderConfig(DEMO_MODEL_JSON);
const qwen05 = parseDecoderConfig(QWEN25_05B_JSON);

describe('compiledStepBytes', () => {
  it('grows linearly with the batch and faster than linearly with the sequence (attention scores)', async () => {
    const one = await compiledStepBytes(demo, 1, 112);
    expect(await compiledStepBytes(demo, 8, 112)).toBe(8 * one);
    const perTokenShort = (await compiledStepBytes(demo, 1, 64)) / 64;
    const perTokenLong = (await compiledStepBytes(demo, 1, 128)) / 128;
    expect(perTokenLong).toBeGreaterThan(perTokenShort);
  });

  it("counts at least the [tokens, vocab] tensors and every layer's attention probabilities", async () => {
    const bytes = await compiledStepBytes(demo, 64, 112);
    const tokens = 64 * 112;
    const probs = 2 * 64 * 4 * 112 * 112; // layers × batch × heads × seq²
    expect(bytes).toBeGreaterThan(4 * (6 * tokens * 517 + probs));
  });

  it("the default budget compiles the demo's micro-batch and not a 152k-vocabulary model's 1 × 1024", async () => {
    expect(await compiledStepBytes(demo, 64, 112)).toBeLessThanOrEqual(DEFAULT_COMPILED_BUDGET_BYTES);
    expect(await compiledStepBytes(qwen05, 1, 1024)).toBeGreaterThan(DEFAULT_COMPILED_BUDGET_BYTES);
  });
});
