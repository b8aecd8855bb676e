/**
 * LoRA end to end on the cpu backend: a run trains PEFT-layout adapters, checkpoints them (no copy of
 * the base), resumes bit for bit, and its checkpoint is a model for `rlvr generate`, `rlvr eval` and
 * `rlvr merge` — through the real sampler, verifiers and kernels on a tiny model the test writes.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelDirectory, readSafetensorsSync } from '@rlvr/core';
import { runTraining } from '../src/loop/run-training.js';
import { CheckpointError } from '../src/checkpoint/index.js';
import { ConfigError } from '../src/config/index.js';
import { runCli } from '../src/cli/run-cli.js';
import { captureIo } from '../src/testing/capture-io.js';
import type { MetricsRecord } from '../src/metrics/index.js';
import { metricsOf, timeless, trainingTinyConfig, tinyRun } from './tiny-run.js';

let run: ReturnType<typeof tinyRun>;
beforeAll(() => {
  run = tinyRun();
});
afterAll(() => run.cleanup());

const LORA = { rank: 4, alpha: 8, dropout: 0.1, targetModules: ['all-linear' as const] };

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('rlvr train with lora', () => {
  const straight = (): string => join(run.root, 'lora-straight');
  const stepDir = (runDir: string, step: number): string => join(runDir, 'checkpoints', `step-${step}`);

  it('2 steps + checkpoint + resume equal 3 straight steps, bit for bit; checkpoints hold PEFT-layout adapters only', async () => {
    const split = join(run.root, 'lora-split');
    // 2 prompts × 2 samples of 8 tokens: every step still trains (sqrt-r, zeroVariance reinforce).
    const c3 = trainingTinyConfig(run.modelDir, {
      maxSteps: 3,
      lora: LORA,
      checkpoint: { interval: 2 },
      sampling: { groupSize: 2, promptsPerStep: 2, maxNewTokens: 8 },
    });
    const lines: string[] = [];
    await runTraining({ config: c3, runDir: straight(), log: (line) => lines.push(line) });
    // The sampler runs the adapters in its graph on the policy's own frozen base: no copy of the weights.
    expect(lines.find((l) => l.startsWith('memory: '))).toMatch(/^memory: sampler weights shared with the policy, policy weights /);
    await runTraining({ config: { ...c3, maxSteps: 2 }, runDir: split });
    await runTraining({ config: c3, runDir: split, resume: true });
    expect(metricsOf(split).map(timeless)).toEqual(metricsOf(straight()).map(timeless));
    const steps = metricsOf(straight()).filter((r) => r.kind === 'step');
    expect(steps.every((r) => r.kind === 'step' && r.gradNorm > 0)).toBe(true);
    for (const file of ['adapter_model.safetensors', 'optimizer.safetensors']) {
      const a = readFileSync(join(stepDir(straight(), 3), file));
      expect([file, readFileSync(join(stepDir(split, 3), file)).equals(a)]).toEqual([file, true]);
    }

    // PEFT's layout: adapter_config.json and adapter_model.safetensors, no copy of the base model.
    const dir = stepDir(straight(), 3);
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors', 'tokenizer.json']));
    expect(files).not.toContain('model.safetensors');
    expect(files).not.toContain('config.json');
    const adapterConfig = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(adapterConfig).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 4,
      lora_alpha: 8,
      lora_dropout: 0.1,
      bias: 'none',
      use_rslora: false,
      base_model_name_or_path: run.modelDir,
      target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    });
    const { tensors } = readSafetensorsSync(join(dir, 'adapter_model.safetensors'));
    expect(Object.keys(tensors)).toHaveLength(2 * 7 * 2);
    expect(tensors['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight']!.shape).toEqual([4, 32]);
    expect(tensors['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight']!.shape).toEqual([32, 4]);
    // B moved away from its zero init.
    expect(tensors['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight']!.data.some((x) => x !== 0)).toBe(true);
    // AdamW state for the adapters only.
    const optimizer = Object.keys(readSafetensorsSync(join(dir, 'optimizer.safetensors')).tensors);
    expect(optimizer.sort()).toEqual(
      Object.keys(tensors)
        .flatMap((n) => [`m.${n}`, `v.${n}`])
        .sort(),
    );
  }, 180_000);

  it('rlvr merge writes W + scale·B·A as a full model, and generate samples the same from the adapter and the merged model', async () => {
    const adapter = stepDir(straight(), 3);
    const out = join(run.root, 'merged');
    const merged = await cli('merge', '--adapter', adapter, '--out', out);
    expect(merged.err).toBe('');
    expect(merged.code).toBe(0);
    const base = readModelDirectory(run.modelDir).weights;
    const model = readModelDirectory(out);
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(true);
    // One entry of one Linear by hand: W[o, i] + (α/r)·Σ_j B[o, j]·A[j, i].
    const { tensors } = readSafetensorsSync(join(adapter, 'adapter_model.safetensors'));
    const a = tensors['base_model.model.model.layers.0.mlp.up_proj.lora_A.weight']!.data;
    const b = tensors['base_model.model.model.layers.0.mlp.up_proj.lora_B.weight']!.data;
    const w = base['model.layers.0.mlp.up_proj.weight']!.data;
    const o = 5;
    const i = 7;
    let delta = 0;
    for (let j = 0; j < 4; j++) delta += b[o * 4 + j]! * a[j * 32 + i]!;
    expect(delta).not.toBe(0);
    expect(model.weights['model.layers.0.mlp.up_proj.weight']!.data[o * 32 + i]).toBeCloseTo(w[o * 32 + i]! + 2 * delta, 6);
    expect(Array.from(model.weights['model.norm.weight']!.data)).toEqual(Array.from(base['model.norm.weight']!.data));

    const args = ['--prompt', 'Using the numbers', '-n', '3', '--max-new-tokens', '8', '--seed', '5', '--json'];
    const fromAdapter = await cli('generate', '--model', adapter, ...args);
    const fromMerged = await cli('generate', '--model', out, ...args);
    const fromBase = await cli('generate', '--model', run.modelDir, ...args);
    expect(fromAdapter.code).toBe(0);
    // The adapter runs in the sampler's graph (x·Wᵀ + s·(x·Aᵀ)·Bᵀ), the merged model rounds W + s·B·A
    // first: the same f32 sums in another order, so the same tokens and logprobs a few ulps apart.
    const samples = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { tokens: number[]; logprobs: number[] });
    const [adapted, mergedSamples] = [samples(fromAdapter.out), samples(fromMerged.out)];
    expect(adapted.map((x) => x.tokens)).toEqual(mergedSamples.map((x) => x.tokens));
    const gap = Math.max(...adapted.flatMap((x, k) => x.logprobs.map((l, t) => Math.abs(l - mergedSamples[k]!.logprobs[t]!))));
    expect(gap).toBeLessThan(2e-5);
    expect(fromAdapter.out).not.toBe(fromBase.out);

    // An explicit --base is the same model; a --base for a plain model, or a missing base, is refused naming it.
    expect((await cli('generate', '--model', adapter, '--base', run.modelDir, ...args)).out).toBe(fromAdapter.out);
    const notAdapter = await cli('generate', '--model', out, '--base', run.modelDir, ...args);
    expect(notAdapter.code).toBe(2);
    expect(notAdapter.err).toContain('--base');
    const noBase = await cli('merge', '--adapter', adapter, '--base', join(run.root, 'nowhere'), '--out', join(run.root, 'never'));
    expect(noBase.code).toBe(3);
    expect(noBase.err).toContain('--base');
    expect(existsSync(join(run.root, 'never'))).toBe(false);
  }, 120_000);

  it('rlvr eval accepts the LoRA checkpoint and scores it like its merged model', async () => {
    const dataset = join(run.root, 'held-out.jsonl');
    writeFileSync(dataset, '{"target": 24, "nums": [3, 5, 7]}\n{"target": 10, "nums": [2, 8, 4]}\n');
    const args = ['--task', 'countdown', '--dataset', dataset, '--n', '2', '--max-new-tokens', '8', '--seed', '3'];
    const adapter = await cli('eval', '--model', stepDir(straight(), 3), ...args);
    const merged = await cli('eval', '--model', join(run.root, 'merged'), ...args);
    expect(adapter.err).toBe(merged.err);
    expect(adapter.code).toBe(0);
    const record = (out: string): Record<string, unknown> => timeless(JSON.parse(out) as MetricsRecord);
    expect(record(adapter.out)).toEqual(record(merged.out));
  }, 120_000);

  it('kl.beta > 0: the reference is the frozen base (the policy with its adapters off): KL exactly 0 before the first update, > 0 after', async () => {
    const runDir = join(run.root, 'lora-kl');
    const config = trainingTinyConfig(run.modelDir, {
      lora: LORA,
      kl: { beta: 0.05 },
      sampling: { groupSize: 2, promptsPerStep: 2, maxNewTokens: 8 },
    });
    const lines: string[] = [];
    await runTraining({ config, runDir, log: (line) => lines.push(line) });
    // r · (in + out) summed over 2 layers of q (32 → 32), k, v (32 → 16), o (32 → 32), gate, up (32 → 64), down (64 → 32).
    expect(lines).toContain('LoRA r=4 α=8 on all-linear: 4,096 adapter parameters, base weights frozen');
    const kl = metricsOf(runDir).flatMap((r) => (r.kind === 'step' ? [r.kl] : []));
    expect(kl[0]).toBe(0);
    expect(kl[1]).toBeGreaterThan(0);
  }, 240_000);

  it('a LoRA run directory does not resume as a full run, naming the checkpoint', async () => {
    const c3 = trainingTinyConfig(run.modelDir, { maxSteps: 4 });
    await expect(runTraining({ config: c3, runDir: straight(), resume: true })).rejects.toThrow(CheckpointError);
    await expect(runTraining({ config: c3, runDir: straight(), resume: true })).rejects.toThrow(/holds LoRA adapters/);
  }, 240_000);
});

describe('lora config', () => {
  it('refuses bad values naming the key, and LoRA on the webgpu backend', () => {
    const refused = (lora: object, extra: object = {}): string => {
      try {
        trainingTinyConfig(run.modelDir, { lora, ...extra });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ rank: -1 })).toContain('lora.rank');
    expect(refused({ rank: 4, dropout: 1 })).toContain('lora.dropout');
    expect(refused({ rank: 4, targetModules: ['qkv_proj'] })).toContain('lora.targetModules');
    expect(refused({ rank: 4, init: 'pissa' })).toContain('lora.init');
    expect(refused({ rank: 4 }, { backend: 'webgpu' })).toMatch(/lora\.rank.*cpu backend only/);
    // Off by default and with rank 0.
    expect(trainingTinyConfig(run.modelDir).lora.rank).toBeNull();
    expect(() => trainingTinyConfig(run.modelDir, { lora: { rank: 0 } })).not.toThrow();
  });
});
