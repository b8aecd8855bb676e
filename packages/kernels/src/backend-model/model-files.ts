/**
 * A DecoderModel from, and back to, a Hugging Face model directory (config.json + model.safetensors or
 * sharded weights; see @rlvr/core's model-directory), so a user's local Llama/Qwen2 checkpoint loads
 * without conversion and a trained policy saves in the same format.
 */
import { readModelDirectory, writeModelDirectory, type WriteModelDirectoryOptions } from '@rlvr/core';
import { type CreateDecoderModelOptions, type DecoderModel, createDecoderModel } from './backend-model.js';

/** Load `dir`'s config and weights (errors name the file or tensor) and build the model on the selected backend, which owns the read weights (no copy). */
export async function loadDecoderModel(
  dir: string,
  options: Omit<CreateDecoderModelOptions, 'config' | 'weights' | 'adoptWeights'> = {},
): Promise<DecoderModel> {
  const { config, weights } = readModelDirectory(dir);
  // The weights were read for this model alone, so it adopts them instead of holding a second copy.
  return await createDecoderModel({ ...options, config, weights, adoptWeights: true });
}

/** Save the model's current weights and config into `dir` (each file written atomically); returns the paths. */
export async function saveDecoderModel(
  model: DecoderModel,
  dir: string,
  options: WriteModelDirectoryOptions = {},
): Promise<{ config: string; weights: string }> {
  return writeModelDirectory(dir, model.config, await model.weights(), options);
}
