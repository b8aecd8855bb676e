/**
 * A LoRA graph's weight update scans only arrays it has not validated: the frozen base it already holds
 * is not scanned again, while a new base array, a changed shape, and every array of a full graph (a
 * full fine-tune updates them in place) still are. A real tiny decoder graph on ONNX Runtime. The
 * observable: a NaN written into an array the graph validated goes unnoticed exactly when that array
 * is skipped.
 */
import { ModelWeightsError, type NamedTensors } from '@rlvr/core';
import { CausalLm, type CausalLmLora } from './causal-lm.js';
import { FrozenBase } from './frozen-base.js';
import { tinyModel } from '../testing/tiny-model.js';

const tiny = tinyModel({ std: 0.3 });
const Q = 'model.layers.0.self_attn.q_proj.weight';
const EMBED = 'model.embed_tokens.weight';

/** Rank-2 adapters on layer 0's q_proj, B filled with `b` (A fixed). */
function adapters(b: number): CausalLmLora {
  const [out, inp] = tiny.weights[Q]!.shape as [number, number];
  const a = Float32Array.from({ length: 2 * inp }, (_, i) => Math.sin(i) * 0.1);
  return {
    spec: { rank: 2, scale: 2, adapters: { [Q]: { a: 'q.lora_A', b: 'q.lora_B' } } },
    adapters: { 'q.lora_A': { shape: [2, inp], data: a }, 'q.lora_B': { shape: [out, 2], data: new Float32Array(out * 2).fill(b) } },
  };
}

/** A copy of the tiny model's weights: arrays the test may write into. */
function ownWeights(): NamedTensors {
  return Object.fromEntries(Object.entries(tiny.weights).map(([n, t]) => [n, { shape: [...t.shape], data: t.data.slice() }]));
}

test('FrozenBase names the arrays recorded under the same name with the same shape, and nothing else', () => {
  const base = ownWeights();
  const frozen = new FrozenBase();
  expect(frozen.unchanged(base).size).toBe(0);
  frozen.record(base);
  expect([...frozen.unchanged(base)].sort()).toEqual(Object.keys(base).sort());
  const copy = { shape: base[Q]!.shape, data: base[Q]!.data.slice() };
  const reshaped = { shape: [...base[Q]!.shape].reverse(), data: base[Q]!.data };
  const moved = { ...base, [Q]: copy, [EMBED]: reshaped, 'model.norm.weight': base[Q]! };
  const unchanged = frozen.unchanged(moved);
  for (const name of [Q, EMBED, 'model.norm.weight']) expect(unchanged.has(name)).toBe(false);
  expect(unchanged.size).toBe(Object.keys(base).length - 3);
});

test('LoRA graph: a second setWeights with the same base objects and new adapters does not rescan the base; a new bad array is refused', async () => {
  const base = ownWeights();
  const lm = await CausalLm.fromWeights(tiny.config, base, { weightMode: 'inputs', lora: adapters(0) });
  try {
    // Written in place after validation: a frozen base fed again is not scanned, so this goes unnoticed.
    base[EMBED]!.data[5] = NaN;
    await lm.setWeights(base, adapters(0.01).adapters);
    expect(lm.weightInputs['q.lora_B']![0]).toBeCloseTo(0.01);
    expect(lm.weightInputs[EMBED]).toBe(base[EMBED]!.data);

    // A new array is scanned in full: non-finite, wrong shape, or missing, each named; the old feeds stay.
    const nonFinite = { ...base, [Q]: { shape: base[Q]!.shape, data: base[Q]!.data.map((x, i) => (i === 7 ? Infinity : x)) } };
    await expect(lm.setWeights(nonFinite, adapters(0.02).adapters)).rejects.toThrow(/q_proj\.weight: 1 non-finite value\(s\), first at flat index 7/);
    const wrongShape = { ...base, [Q]: { shape: [3, 3], data: new Float32Array(9) } };
    await expect(lm.setWeights(wrongShape, adapters(0.02).adapters)).rejects.toThrow(ModelWeightsError);
    const { [Q]: _, ...missing } = base;
    await expect(lm.setWeights(missing, adapters(0.02).adapters)).rejects.toThrow(/q_proj\.weight: missing/);
    expect(lm.weightInputs[Q]).toBe(base[Q]!.data);
    expect(lm.weightInputs['q.lora_B']![0]).toBeCloseTo(0.01);

    // The same object under a new shape is not the validated tensor: scanned again, and the NaN is found.
    const embed = base[EMBED]!;
    const reshaped = { ...base, [EMBED]: { shape: [...embed.shape].reverse(), data: embed.data } };
    await expect(lm.setWeights(reshaped, adapters(0.02).adapters)).rejects.toThrow(/embed_tokens\.weight: shape/);
    // A fresh copy of the same values is a new array: scanned, and the NaN written earlier is refused.
    const fresh = { ...base, [EMBED]: { shape: embed.shape, data: embed.data.slice() } };
    await expect(lm.setWeights(fresh, adapters(0.02).adapters)).rejects.toThrow(/embed_tokens\.weight: 1 non-finite value\(s\), first at flat index 5/);
  } finally {
    await lm.release();
  }
});

test('LoRA graph: the first load scans every base value', async () => {
  const base = ownWeights();
  base['model.norm.weight']!.data[0] = NaN;
  await expect(CausalLm.fromWeights(tiny.config, base, { weightMode: 'inputs', lora: adapters(0) })).rejects.toThrow(/model\.norm\.weight: 1 non-finite/);
});

test('full graph (a full fine-tune updates its arrays in place): the same objects are scanned at every setWeights', async () => {
  const weights = ownWeights();
  const lm = await CausalLm.fromWeights(tiny.config, weights, { weightMode: 'inputs' });
  try {
    await lm.setWeights(weights);
    weights[EMBED]!.data[5] = NaN;
    await expect(lm.setWeights(weights)).rejects.toThrow(/embed_tokens\.weight: 1 non-finite value\(s\), first at flat index 5/);
  } finally {
    await lm.release();
  }
});
