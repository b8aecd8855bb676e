/**
 * A LoRA adapter applied to its base model: the base directory (given, or the adapter's recorded
 * `base_model_name_or_path`), the base and adapters read, and the merged weights W + scale·B·A
 * (`rlvr merge`; how a sampler runs an adapter is decided in sampler-model.ts).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODEL_FILES, readModelDirectory, type DecoderConfig, type NamedTensors } from '@rlvr/core';
import { LoraAdapters } from '@rlvr/kernels';
import { ADAPTER_FILES, readAdapterDirectory, type AdapterDirectory } from './adapter-directory.js';
import { AdapterError } from './adapter-error.js';

/** The base model directory of an adapter: `base` when given, else the recorded one; it must hold a config.json. */
export function adapterBase(adapterDir: string, adapter: AdapterDirectory, base?: string): string {
  const dir = base ?? adapter.baseModel;
  const configPath = join(adapterDir, ADAPTER_FILES.config);
  if (dir === '') {
    throw new AdapterError(configPath, 'base_model_name_or_path is empty; name the base model directory (--base)');
  }
  if (!existsSync(join(dir, MODEL_FILES.config))) {
    throw new AdapterError(
      configPath,
      `${base === undefined ? 'base_model_name_or_path' : '--base'} ${JSON.stringify(dir)} is not a local model directory (no config.json); ${base === undefined ? 'name one with --base' : 'expected config.json and model.safetensors'}`,
    );
  }
  return resolve(dir);
}

/** An adapter merged into its base model. */
export interface MergedAdapter {
  /** The base model's directory (its tokenizer files belong to the merged model too). */
  baseDir: string;
  /** The base model's configuration and raw config.json. */
  config: DecoderConfig;
  configJson: Record<string, unknown>;
  /** The merged weights by Hugging Face name. */
  weights: NamedTensors;
}

/** `adapterDir`'s adapters and its base model (`base`, else the recorded one), both read. */
function readAdapted(adapterDir: string, base?: string) {
  const adapter = readAdapterDirectory(adapterDir);
  return readAdaptedBase(adapter, adapterBase(adapterDir, adapter, base));
}

/** The base model of an adapter already read (its directory from {@link adapterBase}), read, and the adapters on it. */
export function readAdaptedBase(adapter: AdapterDirectory, baseDir: string) {
  const model = readModelDirectory(baseDir);
  const lora = LoraAdapters.load(model.config, adapter.settings, adapter.tensors, (n) => new Float32Array(n));
  return { baseDir, model, lora };
}

/** Read `adapterDir` and its base (`base`, else the recorded one) and merge them. */
export async function mergeAdapter(adapterDir: string, base?: string): Promise<MergedAdapter> {
  const { baseDir, model, lora } = readAdapted(adapterDir, base);
  const merged = await lora.merge(model.weights);
  return { baseDir, config: model.config, configJson: model.configJson, weights: merged };
}
