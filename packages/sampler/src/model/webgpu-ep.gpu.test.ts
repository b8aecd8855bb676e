/**
 * The sampler on ONNX Runtime's WebGPU execution provider against its CPU EP, same weights, same prompts.
 * Runs wherever the EP starts (lavapipe on CI, ≈ 25× slower than the CPU EP there, so a tiny model and a
 * few tokens); elsewhere the suite is skipped loudly, or fails under RLVR_REQUIRE_GPU=1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CausalLm } from './causal-lm.js';
import { encodeDecoderGraph } from './decoder-graph.js';
import { probeWebGpuEp } from './execution-device.js';
import { Sampler } from '../sampler.js';
import { SamplerTokenizer } from '../tokenizer/tokenizer.js';
import { tinyModel } from '../testing/tiny-model.js';

/** |Δ| bound on logits and logprobs between the EPs: f32 products summed in another order (measured ≤ 1e-5 here). */
const TOL = 1e-4;

const tiny = tinyModel({ std: 0.5, seed: 2 });
const tokenizer = SamplerTokenizer.fromObjects(tiny.tokenizer.tokenizerJson, tiny.tokenizer.tokenizerConfig);
const prompts = ['How many clips', 'The quick brown fox jumps over', 'Answer:'];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function logitsOf(lm: CausalLm, ids: number[]): Promise<Float32Array> {
  return (await lm.prefill(ids)).logits;
}

const probe = await probeWebGpuEp();
if (!probe.ok) {
  const message = `GPU tests SKIPPED: ONNX Runtime's WebGPU EP does not start (${probe.reason}) — sampler on webgpu`;
  if (process.env.RLVR_REQUIRE_GPU === '1') {
    it('has a WebGPU adapter (RLVR_REQUIRE_GPU=1)', () => {
      throw new Error(message);
    });
  } else {
    process.stderr.write(`\n${'!'.repeat(100)}\n${message}\n${'!'.repeat(100)}\n`);
    it.skip('sampler on webgpu', () => undefined);
  }
} else {
  describe.each(['shared', 'append'] as const)('sampler on the WebGPU EP against the CPU EP (%s KV cache)', (kvCache) => {
    let cpu: CausalLm;
    let gpu: CausalLm;
    beforeAll(async () => {
      cpu = await CausalLm.fromWeights(tiny.config, tiny.weights, { kvCache });
      gpu = await CausalLm.fromWeights(tiny.config, tiny.weights, { kvCache, device: 'webgpu' });
    });
    afterAll(async () => {
      await cpu.release();
      await gpu.release();
    });

    it('runs on webgpu, weights as initializers (auto), and the prefill logits match within TOL', async () => {
      expect([gpu.device, gpu.weightMode, cpu.device]).toEqual(['webgpu', 'initializers', 'cpu']);
      const ids = tokenizer.encode('The quick brown fox jumps over the lazy dog');
      const want = await logitsOf(cpu, ids);
      const diff = maxDiff(await logitsOf(gpu, ids), want);
      expect(diff).toBeLessThan(TOL);
      // The logits are not trivially equal: a wrong position or weight would move them by far more than TOL.
      expect(Math.max(...want) - Math.min(...want)).toBeGreaterThan(1);
    });

    it('greedy decoding gives the same tokens, and their logprobs match within TOL', async () => {
      const options = { greedy: true, groupSize: 2, maxNewTokens: 8 };
      const want = await new Sampler(cpu, tokenizer).generate(prompts, options);
      const got = await new Sampler(gpu, tokenizer).generate(prompts, options);
      expect(got.map((r) => r.completionIds)).toEqual(want.map((r) => r.completionIds));
      expect(want.every((r) => r.completionIds.length === 8)).toBe(true);
      expect(
        maxDiff(
          got.flatMap((r) => r.logprobs),
          want.flatMap((r) => r.logprobs),
        ),
      ).toBeLessThan(TOL);
    });
  });

  it('an ONNX file (Optimum layout, weights inside) loads on webgpu and decodes the CPU EP’s greedy tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlvr-webgpu-onnx-'));
    try {
      const file = join(dir, 'model.onnx');
      writeFileSync(file, await encodeDecoderGraph(tiny.config, { kvCache: 'append', weights: 'initializers', named: tiny.weights }));
      const cpu = await CausalLm.fromOnnxFile(file, tiny.config.maxPositionEmbeddings);
      const gpu = await CausalLm.fromOnnxFile(file, tiny.config.maxPositionEmbeddings, { device: 'webgpu' });
      try {
        expect([cpu.device, gpu.device, gpu.kvLayout]).toEqual(['cpu', 'webgpu', 'append']);
        const options = { greedy: true, maxNewTokens: 6 };
        const want = await new Sampler(cpu, tokenizer).generate(prompts.slice(0, 2), options);
        const got = await new Sampler(gpu, tokenizer).generate(prompts.slice(0, 2), options);
        expect(got.map((r) => r.completionIds)).toEqual(want.map((r) => r.completionIds));
        expect(want.map((r) => r.completionIds.length)).toEqual([6, 6]);
        expect(
          maxDiff(
            got.flatMap((r) => r.logprobs),
            want.flatMap((r) => r.logprobs),
          ),
        ).toBeLessThan(TOL);
      } finally {
        await cpu.release();
        await gpu.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
