/**
 * A LoRA adapter applied to its base model: the base directory (given, or the adapter's recorded
 * `base_model_name_or_path`), and either the merged weights W + scale·B·A (`rlvr merge`, samplers on
 * WebGPU) or the adapters run inside the sampler's graph on the base weights (`rlvr eval` and
 * `rlvr generate` on the CPU: one copy of the base, no merged copy).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODEL_FILES, readModelDirectory, type DecoderConfig, type NamedTensors } from '@rlvr/core';
import { LoraAdapters } from '@rlvr/kernels';
import { loadModelDir, type CausalLmLora } from '@rlvr/sampler';
import { CliError } from '../cli/cli-error.js';
import { ADAPTER_FILES, isAdapterDirectory, readAdapterDirectory, type AdapterDirectory } from './adapter-directory.js';
import { AdapterError } from './adapter-error.js';
import { samplerLora } from './sampler-lora.js';

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
  const baseDir = adapterBase(adapterDir, adapter, base);
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

/** An adapter for a sampler that runs it inside its graph on the base weights, read once. */
export interface AdapterInGraph {
  /** The base model's directory. */
  baseDir: string;
  /** The base model's weights, which the sampler takes as its graph inputs. */
  baseWeights: NamedTensors;
  /** The adapters' graph inputs and arrays. */
  lora: CausalLmLora;
  /** The merged weights, for a sampler that cannot run adapters (weights not as inputs). */
  merged: () => Promise<NamedTensors>;
}

/**
 * Read `adapterDir` and its base for a sampler that runs the adapters in its graph: one copy of the
 * base weights, no merged one (a Llama-3.2-1B adapter's evaluation holds 4.9 GB of weights, not 9.9).
 */
export function readAdapterInGraph(adapterDir: string, base?: string): AdapterInGraph {
  const { baseDir, model, lora } = readAdapted(adapterDir, base);
  return {
    baseDir,
    baseWeights: model.weights,
    lora: samplerLora({ targets: lora.targets, adapters: lora.params, scale: lora.scale }),
    merged: async () => await lora.merge(model.weights),
  };
}

/**
 * The sampler's model and tokenizer of `dir`: a model directory as it is, or a LoRA adapter directory
 * as its base (`base`, else the recorded one) with the adapters run in the graph (merged weights on
 * WebGPU). `base` without an adapter is refused.
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
  const adapted = readAdapterInGraph(dir, base);
  // On the CPU the graph runs the adapters on the base weights as its inputs; WebGPU takes merged weights.
  if (options?.device !== 'webgpu') {
    return await loadModelDir(adapted.baseDir, {
      ...options,
      weightMode: 'inputs',
      weights: adapted.baseWeights,
      lora: adapted.lora,
    });
  }
  const loaded = await loadModelDir(adapted.baseDir, options);
  try {
    await loaded.model.setWeights(await adapted.merged());
  } catch (error) {
    await loaded.model.release();
    throw error;
  }
  return loaded;
}
