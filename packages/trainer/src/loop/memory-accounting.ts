/**
 * What a run holds in memory, copy by copy, from the model's config and the run's settings: the bytes
 * of each f32 tensor set the cpu backend, the sampler and the KL term keep for the whole run. Printed
 * as one `memory` line when a run opens, so a user sees what a model will take before the first step.
 */
import { parameterCount, type DecoderConfig } from '@rlvr/core';
import { loraTargets, type LoraSettings } from '@rlvr/kernels';

/** Bytes of each tensor set a run keeps (all f32: 4 bytes an element). */
export interface MemoryCopies {
  /** The sampler's weights (its ONNX Runtime session's initializers or fed inputs). */
  samplerWeights: number;
  /** The policy's weights; under LoRA the frozen base. */
  policyWeights: number;
  /** LoRA's A and B (0 without LoRA). */
  loraAdapters: number;
  /** One gradient per trained parameter (the weights, or under LoRA the adapters). */
  gradients: number;
  /** AdamW's first and second moments of the trained parameters. */
  adamMoments: number;
  /** A KL reference model's own weights (0 when kl.beta is 0 or the reference is the LoRA base). */
  klReference: number;
  /** The sampler reads the policy's own arrays as its graph inputs (samplerWeights is then 0). */
  samplerShared?: boolean;
}

/** The sets of {@link MemoryCopies} in the order the memory line prints them, with their labels. */
const LABELS: [Exclude<keyof MemoryCopies, 'samplerShared'>, string][] = [
  ['samplerWeights', 'sampler weights'],
  ['policyWeights', 'policy weights'],
  ['loraAdapters', 'LoRA adapters'],
  ['gradients', 'gradients'],
  ['adamMoments', 'AdamW moments'],
  ['klReference', 'KL reference'],
];

const F32 = 4;

/** Elements of LoRA's A and B for `config` under `settings`: rank × (in + out) per wrapped Linear. */
export function loraParameterCount(config: DecoderConfig, settings: LoraSettings): number {
  return loraTargets(config, settings).reduce((n, t) => n + settings.rank * (t.base.in + t.base.out), 0);
}

/**
 * The copies of a run on `config`: LoRA `settings` or null (every weight trained), whether the KL term
 * loads a reference model of its own, and whether the sampler reads the policy's own arrays (no copy).
 */
export function memoryCopies(
  config: DecoderConfig,
  lora: LoraSettings | null,
  klReferenceModel: boolean,
  samplerShared = false,
): MemoryCopies {
  const weights = parameterCount(config) * F32;
  const adapters = lora === null ? 0 : loraParameterCount(config, lora) * F32;
  const trained = lora === null ? weights : adapters;
  return {
    samplerWeights: samplerShared ? 0 : weights,
    ...(samplerShared ? { samplerShared } : {}),
    policyWeights: weights,
    loraAdapters: adapters,
    gradients: trained,
    adamMoments: 2 * trained,
    klReference: klReferenceModel ? weights : 0,
  };
}

/** Their sum. */
export function memoryTotal(copies: MemoryCopies): number {
  return LABELS.reduce((n, [key]) => n + copies[key], 0);
}

/** `bytes` in GB (decimal) with 2 decimals, or MB below 0.1 GB. */
function formatBytes(bytes: number): string {
  return bytes >= 1e8 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * The `memory` line: each nonzero copy and the total, e.g. `memory: sampler weights 1.98 GB, … = 7.90 GB`;
 * a sampler that reads the policy's arrays is `sampler weights shared with the policy`.
 */
export function memoryLine(copies: MemoryCopies): string {
  const parts = LABELS.filter(([key]) => copies[key] > 0).map(([key, label]) => `${label} ${formatBytes(copies[key])}`);
  if (copies.samplerShared) parts.unshift('sampler weights shared with the policy');
  return `memory: ${parts.join(', ')} = ${formatBytes(memoryTotal(copies))} (f32; activations and ONNX Runtime's buffers besides)`;
}
