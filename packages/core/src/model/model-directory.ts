/**
 * A Hugging Face model directory as this project reads and writes it: `config.json` plus the weights as
 * `model.safetensors` or, for larger checkpoints, shards listed in `model.safetensors.index.json`
 * (`weight_map`: tensor name → shard file). Tokenizer files live beside them but belong to the sampler.
 * Writes are atomic per file (temporary name, fsync, rename), weights before config, so a directory
 * interrupted mid-write still holds the previous complete pair or no config at all (for single-file
 * weights; sharded weights rewritten in place may mix shards, see safetensors-sharded.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { CoreError } from '../errors.js';
import { type DecoderConfig, decoderConfigToJson, parseDecoderConfig } from './config.js';
import { ModelDirectoryError, readJsonObject } from './model-directory-error.js';
import { type NamedTensors, type SafetensorsMetadata, type WriteDtype } from './safetensors.js';
import { readSafetensorsSharded, writeSafetensorsSharded } from './safetensors-sharded.js';

export { ModelDirectoryError } from './model-directory-error.js';

/** File names inside a model directory. */
export const MODEL_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  index: 'model.safetensors.index.json',
} as const;

/** What {@link readModelDirectory} returns. */
export interface ModelDirectory {
  /** The validated decoder configuration. */
  config: DecoderConfig;
  /** The raw config.json object (keys this project does not use are kept for the caller). */
  configJson: Record<string, unknown>;
  /** Every tensor of the weight file(s), converted to Float32, by Hugging Face name. */
  weights: NamedTensors;
}

/** Read and validate a model directory's config and weights; errors name the file. */
export function readModelDirectory(dir: string): ModelDirectory {
  const configPath = join(dir, MODEL_FILES.config);
  const configJson = readJsonObject(configPath, 'the model configuration');
  let config: DecoderConfig;
  try {
    config = parseDecoderConfig(configJson);
  } catch (error) {
    if (error instanceof CoreError) throw new ModelDirectoryError(`${configPath}: ${error.message}`, configPath);
    throw error;
  }
  return { config, configJson, weights: readSafetensorsSharded(dir, 'model', 'weights').tensors };
}

/** Options of {@link writeModelDirectory}. */
export interface WriteModelDirectoryOptions {
  /** Extra config.json keys kept next to the decoder's (e.g. `bos_token_id`); the decoder's keys win. */
  extraConfig?: Record<string, unknown>;
  /** String metadata stored in the safetensors header (e.g. the command that produced the weights). */
  metadata?: SafetensorsMetadata;
  /** Most weight bytes per safetensors file; above it the weights are sharded as `save_pretrained` shards them (default 5 GB). */
  maxShardBytes?: number;
  /** The weights' stored dtype: F32 (default) or BF16, as a bf16 checkpoint ships (config.json's torch_dtype says which). */
  dtype?: WriteDtype;
}

/**
 * Write `config.json` and the F32 weights (`model.safetensors`, or shards and their index above
 * `maxShardBytes`) into `dir` (created if needed), each file streamed and atomic, weights first. Returns
 * the config's path and the weights' (the single file or the index).
 */
export function writeModelDirectory(
  dir: string,
  config: DecoderConfig,
  weights: NamedTensors,
  options: WriteModelDirectoryOptions = {},
): { config: string; weights: string } {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, MODEL_FILES.config);
  const weightsPath = writeSafetensorsSharded(dir, 'model', weights, {
    metadata: { format: 'pt', ...options.metadata },
    maxShardBytes: options.maxShardBytes,
    ...(options.dtype ? { dtype: options.dtype } : {}),
  }).at(-1)!;
  writeFileAtomic(
    configPath,
    `${JSON.stringify({ ...options.extraConfig, ...decoderConfigToJson(config), ...(options.dtype === 'BF16' ? { torch_dtype: 'bfloat16' } : {}) }, null, 2)}\n`,
  );
  return { config: configPath, weights: weightsPath };
}
