/**
 * The model part of a LoRA run's checkpoint: the adapters in PEFT's layout (adapter_config.json and
 * adapter_model.safetensors, the step in its metadata) instead of config.json and model.safetensors;
 * the base model stays where it is, its path recorded. Read back, the checkpoint's `weights` are the
 * adapter tensors and its model config the base model's.
 */
import { join } from 'node:path';
import { MODEL_FILES, parseDecoderConfig, type DecoderConfig, type NamedTensors } from '@rlvr/core';
import { readFileSync } from 'node:fs';
import {
  type AdapterInfo,
  isAdapterDirectory,
  readAdapterDirectory,
  writeAdapterDirectory,
} from './adapter-directory.js';
import { AdapterError } from './adapter-error.js';

/** What a LoRA checkpoint records about its adapters besides their tensors. */
export type AdapterCheckpoint = AdapterInfo;

/** Write the adapters of `step` into the checkpoint's (temporary) directory `dir`. */
export function writeAdapterCheckpoint(
  dir: string,
  step: number,
  adapter: AdapterCheckpoint,
  tensors: NamedTensors,
): void {
  writeAdapterDirectory(dir, adapter, tensors, { step: String(step) });
}

/** Whether the checkpoint directory `dir` holds adapters (a LoRA run's) rather than a whole model. */
export function isAdapterCheckpoint(dir: string): boolean {
  return isAdapterDirectory(dir);
}

/** A LoRA checkpoint's model part: the base's config, the adapter tensors and their settings. */
export function readAdapterCheckpoint(dir: string): {
  config: DecoderConfig;
  weights: NamedTensors;
  adapter: AdapterCheckpoint;
} {
  const { tensors, ...adapter } = readAdapterDirectory(dir);
  const configPath = join(adapter.baseModel, MODEL_FILES.config);
  let config: DecoderConfig;
  try {
    config = parseDecoderConfig(JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>);
  } catch (error) {
    throw new AdapterError(dir, `its base model ${configPath} cannot be read: ${(error as Error).message}`);
  }
  return { config, weights: tensors, adapter };
}
