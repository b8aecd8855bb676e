/** How a training config asks the kernels for LoRA: settings from `lora.*`, A's seed derived from `seed`. */
import { resolve } from 'node:path';
import type { NamedTensors } from '@rlvr/core';
import type { DecoderModel, LoraModelOptions, LoraSettings } from '@rlvr/kernels';
import { loraEnabled, type TrainConfig } from '../config/index.js';
import { deriveSeed } from '../tasks/index.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import type { AdapterCheckpoint } from './lora-checkpoint.js';

// Seed stream of the adapters' init (see deriveSeed): apart from sampling's and evaluation's.
const LORA_INIT_STREAM = 0x10a4;

/** The config's LoRA settings, or null when `lora.rank` is 0 or null. */
export function loraSettingsOf(config: TrainConfig): LoraSettings | null {
  if (!loraEnabled(config)) return null;
  const l = config.lora;
  return {
    rank: l.rank!,
    alpha: l.alpha,
    dropout: l.dropout,
    targetModules: l.targetModules.includes('all-linear')
      ? 'all-linear'
      : (l.targetModules as Exclude<(typeof l.targetModules)[number], 'all-linear'>[]),
    useRslora: l.useRslora,
  };
}

/** The kernels' LoRA option of a run: fresh adapters (seeded init), or a checkpoint's `adapters`; undefined without LoRA. */
export function loraModelOptions(config: TrainConfig, adapters?: NamedTensors): LoraModelOptions | undefined {
  const settings = loraSettingsOf(config);
  if (settings === null) return undefined;
  return {
    settings,
    seed: deriveSeed(config.seed, LORA_INIT_STREAM),
    init: config.lora.init,
    ...(adapters ? { adapters } : {}),
  };
}

/**
 * The adapters a resumed run continues from: the checkpoint's when the run trains LoRA; a checkpoint
 * of the other kind (adapters for a full run, a whole model for a LoRA run) is refused naming it.
 */
export function resumedAdapters(
  config: TrainConfig,
  checkpoint: { dir: string; weights: NamedTensors; adapter?: unknown } | undefined,
): NamedTensors | undefined {
  if (!checkpoint) return undefined;
  const lora = loraEnabled(config);
  if (lora !== (checkpoint.adapter !== undefined)) {
    throw new CheckpointError(
      checkpoint.dir,
      lora
        ? 'holds a whole model, but the run trains LoRA adapters (lora.rank is set); resume it without lora.rank'
        : 'holds LoRA adapters, but the run trains every weight (lora.rank is null); resume it with its lora settings',
    );
  }
  return lora ? checkpoint.weights : undefined;
}

/** A LoRA checkpoint's adapter record: the settings, A's init and the base model's absolute path. */
export function adapterRecord(config: TrainConfig, modelDir: string): AdapterCheckpoint | undefined {
  const settings = loraSettingsOf(config);
  return settings === null ? undefined : { settings, init: config.lora.init, baseModel: resolve(modelDir) };
}

/**
 * The KL reference of a LoRA run whose reference is its initial policy: the policy's logprobs with the
 * adapters off, i.e. the frozen base weights it already holds (disposing it leaves the policy alone).
 */
export function baseModelReference(policy: DecoderModel): Pick<DecoderModel, 'tokenLogprobs' | 'dispose'> {
  return {
    tokenLogprobs: (tokens, mask, batch, seq, options) =>
      policy.tokenLogprobs(tokens, mask, batch, seq, { ...options, adapters: false }),
    dispose: async () => undefined,
  };
}

/** One line saying what a LoRA policy trains, e.g. `LoRA r=16 α=32 on q_proj, v_proj: 1,638,400 adapter parameters, base weights frozen`. */
export async function describeLora(policy: DecoderModel): Promise<string> {
  const s = policy.lora;
  if (s === null) return 'training every weight';
  const adapters = (await policy.adapters()) ?? {};
  const count = Object.values(adapters).reduce((n, t) => n + t.data.length, 0);
  const modules = s.targetModules === 'all-linear' ? 'all-linear' : s.targetModules.join(', ');
  return `LoRA r=${s.rank} α=${s.alpha}${s.useRslora ? ' (rsLoRA)' : ''} on ${modules}: ${count.toLocaleString('en-US')} adapter parameters, base weights frozen`;
}
