/**
 * How a sampler opens a model or LoRA adapter directory, decided in one place (`rlvr generate` and
 * `rlvr eval` use it): on the CPU the adapters run in the graph on the base's weights, on WebGPU the
 * sampler gets W + scale·B·A; either way the sampler is handed the weights read once and does not read
 * the base's weights file again. Real files, a real tiny model, a real ONNX Runtime session.
 */
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_FILES, readModelDirectory } from '@rlvr/core';
import { LoraAdapters, type LoraSettings } from '@rlvr/kernels';
import { loadModelDir } from '@rlvr/sampler';
import { tinyModel, writeModelDir } from '@rlvr/sampler/testing';
import { CliError } from '../cli/cli-error.js';
import { writeAdapterDirectory } from './adapter-directory.js';
import { loadModelOrAdapter, samplerModel } from './sampler-model.js';

const tiny = tinyModel({ std: 0.3, seed: 2 });
const SETTINGS: LoraSettings = { rank: 2, alpha: 6, dropout: 0, targetModules: ['q_proj', 'v_proj'], useRslora: false };
let root: string;
let baseDir: string;
let adapterDir: string;
let adapters: LoraAdapters<Float32Array>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rlvr-sampler-model-'));
  baseDir = join(root, 'base');
  writeModelDir(baseDir, tiny);
  adapters = LoraAdapters.init(tiny.config, SETTINGS, 3, (n) => new Float32Array(n));
  // B is zero at init; give it values so that merged and base weights differ.
  for (const t of adapters.targets) adapters.params[t.b]!.data.forEach((_, i, b) => (b[i] = 0.05 * Math.cos(i + 1)));
  adapterDir = join(root, 'adapter');
  writeAdapterDirectory(adapterDir, { settings: SETTINGS, init: 'kaiming', baseModel: baseDir }, adapters.params);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('a model directory loads as it is: the sampler reads its own weights; --base without an adapter is refused', async () => {
  const source = samplerModel(baseDir, undefined);
  expect(source).toMatchObject({ dir: baseDir, adapter: false });
  expect(await source.loadOptions('cpu')).toEqual({});
  expect(await source.loadOptions('webgpu')).toEqual({});
  expect(() => samplerModel(baseDir, baseDir)).toThrow(CliError);
  expect(() => samplerModel(baseDir, baseDir)).toThrow(/--base.*is no LoRA adapter \(no adapter_config\.json\)/);
});

test('an adapter on the CPU: weights as inputs, the base read once and the adapters in the graph; on WebGPU: the merged weights W + scale·B·A', async () => {
  const source = samplerModel(adapterDir, undefined);
  expect(source).toMatchObject({ dir: baseDir, adapter: true });
  const base = readModelDirectory(baseDir).weights;

  const cpu = await source.loadOptions('cpu');
  expect(cpu.weightMode).toBe('inputs');
  expect(cpu.lora?.spec).toMatchObject({ rank: 2, scale: 3 });
  expect(Object.keys(cpu.lora!.spec.adapters).sort()).toEqual(adapters.targets.map((t) => t.base.weight).sort());
  for (const [name, t] of Object.entries(base)) expect(cpu.weights![name]!.data).toEqual(t.data);

  const gpu = await source.loadOptions('webgpu');
  expect(gpu.lora).toBeUndefined();
  expect(gpu.weightMode).toBeUndefined(); // the caller's: `auto` is initializers on WebGPU
  // W + scale·B·A, entry by entry in f64 from the files' own tensors; the merged weights are f32.
  const [q] = adapters.targets;
  const a = adapters.params[q!.a]!.data;
  const b = adapters.params[q!.b]!.data;
  const w = base[q!.base.weight]!.data;
  const merged = gpu.weights![q!.base.weight]!.data;
  const k = q!.base.in;
  let worst = 0;
  for (let o = 0; o < q!.base.out; o++) {
    for (let i = 0; i < k; i++) {
      const expected = w[o * k + i]! + 3 * (b[o * 2]! * a[i]! + b[o * 2 + 1]! * a[k + i]!);
      worst = Math.max(worst, Math.abs(merged[o * k + i]! - expected));
    }
  }
  expect(worst).toBeLessThan(1e-6);
  expect(Math.max(...merged.map((x, i) => Math.abs(x - w[i]!)))).toBeGreaterThan(1e-3);
  expect(gpu.weights!['model.norm.weight']!.data).toEqual(base['model.norm.weight']!.data);

  // With the weights handed over, loading never reads the base's weights file again: emptied, it still loads.
  truncateSync(join(baseDir, MODEL_FILES.weights), 0);
  try {
    for (const options of [cpu, { ...gpu, weightMode: 'inputs' as const }]) {
      const loaded = await loadModelDir(source.dir, options);
      try {
        expect(loaded.model.weightInputs[q!.base.weight]).toBe(options.weights![q!.base.weight]!.data);
        expect(loaded.model.lora !== null).toBe(options.lora !== undefined);
      } finally {
        await loaded.model.release();
      }
    }
  } finally {
    writeModelDir(baseDir, tiny);
  }
});

test('loadModelOrAdapter runs an adapter on the CPU in the graph: its logits are the merged weights’ to f32 rounding', async () => {
  const loaded = await loadModelOrAdapter(adapterDir, undefined, {});
  const merged = await loadModelDir(baseDir, {
    weightMode: 'inputs',
    weights: (await samplerModel(adapterDir, undefined).loadOptions('webgpu')).weights!,
  });
  try {
    expect(loaded.model.weightMode).toBe('inputs');
    expect(loaded.model.lora).not.toBeNull();
    const ids = loaded.tokenizer.encode('The quick brown fox');
    const [x, y] = [await loaded.model.prefill(ids), await merged.model.prefill(ids)];
    let worst = 0;
    x.logits.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - y.logits[i]!))));
    // x·Wᵀ + s·(x·Aᵀ)·Bᵀ and x·(W + s·B·A)ᵀ: one sum rounded to f32 in two orders.
    expect(worst).toBeLessThan(1e-4);
  } finally {
    await loaded.model.release();
    await merged.model.release();
  }
});
