/**
 * A LoRA adapter applied to its base model: the base directory (given, or the adapter's recorded
 * `base_model_name_or_path`), and the merged weights W + scale·B·A that `rlvr merge`, `rlvr eval` and
 * `rlvr generate` use, so nothing downstream needs to know about adapters.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODEL_FILES, readModelDirectory, type DecoderConfig, type NamedTensors } from '@rlvr/core';
import { LoraAdapters } from '@rlvr/kernels';
import { loadModelDir } from '@rlvr/sampler';
import { CliError } from '../cli/cli-error.js';
import { ADAPTER_FILES, isAdapterDirectory, readAdapterDirectory, type AdapterDirectory } from './adapter-directory.js';
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

/** Read `adapterDir` and its base (`base`, else the recorded one) and merge them. */
export async function mergeAdapter(adapterDir: string, base?: string): Promise<MergedAdapter> {
  const adapter = readAdapterDirectory(adapterDir);
  const baseDir = adapterBase(adapterDir, adapter, base);
  const model = readModelDirectory(baseDir);
  const lora = LoraAdapters.load(model.config, adapter.settings, adapter.tensors, (n) => new Float32Array(n));
  const merged = await lora.merge(model.weights);
  return { baseDir, config: model.config, configJson: model.configJson, weights: merged };
}

/**
 * The sampler's model and tokenizer of `dir`: a model directory as it is, or a LoRA adapter directory
 * as its base (`base`, else the recorded one) with the merged weights swapped in. `base` without an
 * adapter is refused.
 */
export async function loadModelOrAdapter(
  dir: string,
  base: string | undefined,
  options: Parameters<typeof loadModelDir>[1],
): Promise<Awaited<ReturnType<typeof loadModelDir>>> {
  if (!isAdapterDirectory(dir)) {
    if (base !== undefined) throw new CliError('--base', `${dir} is no LoRA adapter (no ${ADAPTER_FILES.config})`);
    return await loadModelDir(dir, options);
  }
  const merged = await mergeAdapter(dir, base);
  const loaded = await loadModelDir(merged.baseDir, options);
  try {
    await loaded.model.setWeights(merged.weights);
  } catch (error) {
    await loaded.model.release();
    throw error;
  }
  return loaded;
}
