/**
 * How a sampler runs a model directory or a LoRA adapter directory (`rlvr generate`, `rlvr eval`), decided
 * here once. A model directory loads as it is. An adapter loads as its base, read once, and then either
 * runs inside the sampler's graph on the base weights (weights as graph inputs, no merged copy) where
 * the device reads inputs in place (the CPU), or as the merged weights W + scale·B·A where it does not
 * (WebGPU, which uploads inputs at every run and so takes weights as initializers). Either way the
 * sampler is handed the weights and does not read the base directory a second time.
 */
import type { LoadedModel, LoadModelOptions, SamplerDevice } from '@rlvr/sampler';
import { loadModelDir } from '@rlvr/sampler';
import { CliError } from '../cli/cli-error.js';
import { ADAPTER_FILES, isAdapterDirectory, readAdapterDirectory } from './adapter-directory.js';
import { adapterBase, readAdaptedBase } from './adapted-model.js';
import { samplerLora } from './sampler-lora.js';

/** What {@link SamplerModel.loadOptions} sets of {@link loadModelDir}'s options. */
export type SamplerWeightOptions = Pick<LoadModelOptions, 'weightMode' | 'weights' | 'lora'>;

/** A model or adapter directory, resolved for a sampler. */
export interface SamplerModel {
  /** The directory whose config.json and tokenizer files the sampler uses: the model's own, or the adapter's base. */
  dir: string;
  /** Whether the directory given was a LoRA adapter. */
  adapter: boolean;
  /** The weights of a sampler on `device`: none for a model directory (it reads its own), else the base read once, with the adapters in the graph or merged into it. */
  loadOptions(device: SamplerDevice): Promise<SamplerWeightOptions>;
}

/**
 * `dir` resolved for a sampler: a model directory, or a LoRA adapter directory on its base (`base`,
 * else the recorded `base_model_name_or_path`). The adapter's files and base directory are checked
 * now; the base's weights are read by `loadOptions`. `base` without an adapter is refused.
 */
export function samplerModel(dir: string, base: string | undefined): SamplerModel {
  if (!isAdapterDirectory(dir)) {
    if (base !== undefined) throw new CliError('--base', `${dir} is no LoRA adapter (no ${ADAPTER_FILES.config})`);
    return { dir, adapter: false, loadOptions: () => Promise.resolve({}) };
  }
  const adapter = readAdapterDirectory(dir);
  const baseDir = adapterBase(dir, adapter, base);
  return {
    dir: baseDir,
    adapter: true,
    async loadOptions(device) {
      const { model, lora } = readAdaptedBase(adapter, baseDir);
      if (device === 'webgpu') return { weights: await lora.merge(model.weights) };
      return {
        weightMode: 'inputs',
        weights: model.weights,
        lora: samplerLora({ targets: lora.targets, adapters: lora.params, scale: lora.scale }),
      };
    },
  };
}

/** The sampler's model and tokenizer of a model or LoRA adapter directory (see {@link samplerModel}) on `options.device`. */
export async function loadModelOrAdapter(
  dir: string,
  base: string | undefined,
  options: LoadModelOptions = {},
): Promise<LoadedModel> {
  const source = samplerModel(dir, base);
  return await loadModelDir(source.dir, { ...options, ...(await source.loadOptions(options.device ?? 'cpu')) });
}
