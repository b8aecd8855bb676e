import { CpuDecoderModel } from '../decoder/model.js';
import { BackendUnavailableError } from '../device/errors.js';
import { initWeights } from '@rlvr/core';
import { tinyDecoderConfig } from '../testing/decoder-fixtures.js';
import { seededInts } from '@rlvr/core';
import { createDecoderModel } from './index.js';
import { cpuEngineChoice } from './backend-model.js';

const config = tinyDecoderConfig();
const weights = initWeights(config, 7, 0.3);
const BATCH = 2;
const SEQ = 5;
const TOKENS = seededInts(4, BATCH * SEQ, config.vocabSize);
const MASK = Int32Array.of(0, 1, 1, 1, 1, 1, 1, 1, 1, 1);
const ADAMW = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
// A Dawn backend this OS cannot have gives the same null adapter as a machine without a driver.
const ABSENT = process.platform === 'win32' ? 'backend=metal' : 'backend=d3d12';

/** Runs `fn` with env `name` set to `value` (undefined = unset), restoring it afterwards. */
async function withEnv<R>(name: string, value: string | undefined, fn: () => Promise<R>): Promise<R> {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

describe('createDecoderModel (cpu backend, no GPU needed)', () => {
  it('explicit cpu: logs once, and forward/backward/step match the reference CpuDecoderModel (f32 rounding: ≤ 1e-4 on O(1) logits)', async () => {
    const lines: string[] = [];
    const model = await createDecoderModel({ config, weights, backend: 'cpu', log: (l) => lines.push(l), threads: 1 });
    const direct = CpuDecoderModel.f32(config, weights);
    try {
      expect(model.backend).toBe('cpu');
      expect(model.reason).toBe('requested explicitly');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/backend cpu \(cpu from option\): requested explicitly/);
      const logits = await model.forward(TOKENS, MASK, BATCH, SEQ);
      expect(logits.length).toBe(BATCH * SEQ * config.vocabSize);
      // The reference-op model differs from the fast ops by f32 rounding only.
      const ref = await direct.forward(TOKENS, MASK, BATCH, SEQ);
      let err = 0;
      for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(logits[i]! - ref[i]!));
      expect(err).toBeLessThan(1e-4);

      const dlogits = Float32Array.from(logits, (x, i) => 0.01 * Math.sin(i) * x);
      const grads = await model.backward(dlogits);
      expect(Object.keys(grads).sort()).toEqual(Object.keys(direct.weights()).sort());
      // Copies: a second backward does not change the first's arrays.
      const snapshot = grads['model.norm.weight']!.data.slice();
      await model.backward(new Float32Array(dlogits.length));
      expect(grads['model.norm.weight']!.data).toEqual(snapshot);

      await model.backward(dlogits);
      const before = await model.weights();
      // The norm before stepping is the one the step reports, and reading it neither steps nor consumes.
      const norm = await model.gradNorm();
      expect(norm).toBeGreaterThan(0);
      expect((await model.weights())['model.norm.weight']!.data).toEqual(before['model.norm.weight']!.data);
      expect((await model.step(ADAMW)).gradNorm).toBe(norm);
      await expect(model.gradNorm()).rejects.toThrow(/gradNorm: no gradients/);
      const after = await model.weights();
      expect(after['model.embed_tokens.weight']!.data).not.toEqual(before['model.embed_tokens.weight']!.data);
      expect(Object.keys(after).sort()).toEqual(Object.keys(weights).sort());
    } finally {
      await model.dispose();
    }
    await model.dispose(); // idempotent
    await expect(model.forward(TOKENS, MASK, BATCH, SEQ)).rejects.toThrow(/forward: this DecoderModel \(cpu\) has been disposed/);
  });

  it('reads RLVR_BACKEND when no backend option is given', async () => {
    const lines: string[] = [];
    const model = await withEnv('RLVR_BACKEND', 'CPU', () => createDecoderModel({ config, weights, log: (l) => lines.push(l) }));
    await model.dispose();
    expect(model.backend).toBe('cpu');
    expect(lines).toEqual([expect.stringMatching(/backend cpu \(cpu from RLVR_BACKEND\)/)]);
  });

  it('bad backend names fail clearly, from the option or the env', async () => {
    await expect(createDecoderModel({ config, weights, backend: 'cuda' as never, log: null })).rejects.toThrow(new BackendUnavailableError('backend option="cuda": expected one of auto, webgpu, cpu'));
    await expect(withEnv('RLVR_BACKEND', 'gpu', () => createDecoderModel({ config, weights, log: null }))).rejects.toThrow('RLVR_BACKEND="gpu": expected one of auto, webgpu, cpu');
  });

  it('explicit webgpu without an adapter is an error, never a silent cpu; auto then says why it chose cpu', async () => {
    await withEnv('RLVR_DAWN_FLAGS', ABSENT, async () => {
      await expect(createDecoderModel({ config, weights, backend: 'webgpu', log: null })).rejects.toThrow(/backend webgpu requested \(option\) but /);
      const model = await createDecoderModel({ config, weights, backend: 'auto', log: null });
      await model.dispose();
      expect(model.backend).toBe('cpu');
      expect(model.reason).toMatch(/^no WebGPU adapter: /);
    });
  });

  it('adoptWeights: the cpu backend trains the caller’s Float32Arrays in place; without it they stay untouched', async () => {
    const fresh = () => Object.fromEntries(Object.entries(weights).map(([n, t]) => [n, { shape: [...t.shape], data: Float32Array.from(t.data) }]));
    const name = 'model.layers.0.self_attn.q_proj.weight';
    const trainOnce = async (given: ReturnType<typeof fresh>, adoptWeights: boolean): Promise<Float32Array> => {
      const model = await createDecoderModel({ config, weights: given, backend: 'cpu', cpuEngine: 'eager', log: null, threads: 1, adoptWeights });
      try {
        const logits = await model.forward(TOKENS, MASK, BATCH, SEQ);
        await model.backward(Float32Array.from(logits, (x, i) => 0.01 * Math.sin(i) * x));
        await model.step(ADAMW);
        return (await model.weights())[name]!.data as Float32Array;
      } finally {
        await model.dispose();
      }
    };
    const adopted = fresh();
    const stepped = await trainOnce(adopted, true);
    expect(stepped).not.toEqual(weights[name]!.data);
    // The model's storage is the caller's array: the step's update is visible through it.
    expect(adopted[name]!.data).toEqual(stepped);
    const copied = fresh();
    expect(await trainOnce(copied, false)).toEqual(stepped);
    expect(copied[name]!.data).toEqual(weights[name]!.data);
  });

  it('liveTensors: the cpu backend’s own parameter and moment arrays, updated in place by a step; null under LoRA', async () => {
    const model = await createDecoderModel({ config, weights, backend: 'cpu', cpuEngine: 'eager', log: null, threads: 1 });
    const lora = await createDecoderModel({
      config,
      weights,
      backend: 'cpu',
      log: null,
      threads: 1,
      lora: { settings: { rank: 2, alpha: 4, dropout: 0, targetModules: ['q_proj'], useRslora: false }, seed: 1 },
    });
    try {
      const name = 'model.layers.0.self_attn.q_proj.weight';
      const before = model.liveTensors()!;
      expect(before.optimizerState.step).toBe(0);
      expect(before.optimizerState.m[name]!.data.every((x) => x === 0)).toBe(true);
      const logits = await model.forward(TOKENS, MASK, BATCH, SEQ);
      await model.backward(Float32Array.from(logits, (x, i) => 0.01 * Math.sin(i) * x));
      await model.step(ADAMW);
      const after = model.liveTensors()!;
      // The same objects before and after the step: no copy, and the update landed in them.
      expect(after.weights[name]!.data).toBe(before.weights[name]!.data);
      expect(after.optimizerState.m[name]!.data).toBe(before.optimizerState.m[name]!.data);
      expect(after.weights[name]!.data).not.toEqual(weights[name]!.data);
      const copies = { weights: await model.weights(), state: await model.optimizerState() };
      expect(after.optimizerState.step).toBe(copies.state.step);
      for (const [n, t] of Object.entries(copies.weights)) {
        expect(after.weights[n]!.shape).toEqual(t.shape);
        expect(after.weights[n]!.data).toEqual(t.data);
        expect(after.optimizerState.m[n]!.data).toEqual(copies.state.m[n]!.data);
        expect(after.optimizerState.v[n]!.data).toEqual(copies.state.v[n]!.data);
      }
      // Restoring the model's own arrays (filled in place, as a resume does) keeps them: no copy.
      await model.setOptimizerState(after.optimizerState);
      const restored = model.liveTensors()!.optimizerState;
      expect(restored.m[name]!.data).toBe(before.optimizerState.m[name]!.data);
      expect(restored.v[name]!.data).toBe(before.optimizerState.v[name]!.data);
      expect(lora.liveTensors()).toBeNull();
    } finally {
      await model.dispose();
      await lora.dispose();
    }
  });

  it('bad weights fail with the tensor named', async () => {
    const bad = { ...weights };
    delete bad['model.layers.1.mlp.up_proj.weight'];
    await expect(createDecoderModel({ config, weights: bad, backend: 'cpu', log: null })).rejects.toThrow(/model\.layers\.1\.mlp\.up_proj\.weight/);
  });
});

describe('cpuEngineChoice', () => {
  const saved = process.env.RLVR_CPU_ENGINE;
  afterEach(() => {
    if (saved === undefined) delete process.env.RLVR_CPU_ENGINE;
    else process.env.RLVR_CPU_ENGINE = saved;
  });

  it('takes the option, else RLVR_CPU_ENGINE, else auto; a bad value names its source', () => {
    delete process.env.RLVR_CPU_ENGINE;
    expect(cpuEngineChoice(undefined)).toBe('auto');
    process.env.RLVR_CPU_ENGINE = 'compiled';
    expect(cpuEngineChoice(undefined)).toBe('compiled');
    expect(cpuEngineChoice('eager')).toBe('eager');
    process.env.RLVR_CPU_ENGINE = 'fast';
    expect(() => cpuEngineChoice(undefined)).toThrow('RLVR_CPU_ENGINE: expected eager, compiled or auto, got "fast"');
    expect(() => cpuEngineChoice('turbo' as never)).toThrow('cpuEngine option: expected eager, compiled or auto, got "turbo"');
  });
});
