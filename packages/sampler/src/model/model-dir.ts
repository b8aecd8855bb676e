/**
 * Loads a model directory: `config.json`, the tokenizer files ({@link SamplerTokenizer.load}), an optional
 * `generation_config.json` whose EOS ids (like config.json's) end generation, and either an ONNX export in the Optimum convention (`model.onnx`,
 * `onnx/model.onnx` as transformers.js lays it out, or `decoder_model_merged.onnx`) or safetensors
 * weights (`model.safetensors` or shards, read by @rlvr/core), from which the project's decoder graph
 * is built.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CoreError, MODEL_FILES, parseDecoderConfig, readModelDirectory, type NamedTensors } from '@rlvr/core';
import { ModelLoadError, TokenizerError } from '../errors.js';
import { readJsonFile, SamplerTokenizer } from '../tokenizer/tokenizer.js';
import { CausalLm, type CausalLmLora, type CausalLmOptions, type CausalLmWeightMode } from './causal-lm.js';

/** ONNX file names tried in order. */
export const ONNX_CANDIDATES = ['model.onnx', join('onnx', 'model.onnx'), 'decoder_model_merged.onnx'];

/** Options of {@link loadModelDir}. */
export interface LoadModelOptions extends CausalLmOptions {
  /** For safetensors directories: weights as graph inputs, initializers, or `auto` (default; see {@link CausalLm.fromWeights}). */
  weightMode?: CausalLmWeightMode;
  /**
   * For safetensors directories: these weights (validated against config.json) instead of reading the
   * directory's, e.g. a policy's own arrays, which weights as inputs then feed without a copy.
   */
  weights?: NamedTensors;
  /** For safetensors directories: LoRA adapters run inside the graph on top of the weights (see {@link CausalLm.fromWeights}). */
  lora?: CausalLmLora;
}

/** A loaded model directory. */
export interface LoadedModel {
  model: CausalLm;
  tokenizer: SamplerTokenizer;
  /** Which file the weights came from. */
  source: string;
}

/** Reads a JSON file, reporting problems as a {@link ModelLoadError} on that file. */
function readModelJson(file: string): Record<string, unknown> {
  try {
    return readJsonFile(file);
  } catch (error) {
    if (error instanceof TokenizerError) throw new ModelLoadError(file, error.message.slice(file.length + 2));
    throw error;
  }
}

/** EOS ids listed by a config (an integer or a list of integers). */
function eosIds(value: unknown): number[] {
  if (Number.isInteger(value)) return [value as number];
  if (Array.isArray(value)) return value.filter((v): v is number => Number.isInteger(v));
  return [];
}

/** Loads the tokenizer and the model of `dir`; every error names the file at fault. */
export async function loadModelDir(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  if (!existsSync(dir)) throw new ModelLoadError(dir, 'model directory not found');
  const configFile = join(dir, 'config.json');
  const config = readModelJson(configFile);
  let tokenizer = SamplerTokenizer.load(dir);
  const generationFile = join(dir, 'generation_config.json');
  const extraEos = [
    ...eosIds(config.eos_token_id),
    ...(existsSync(generationFile) ? eosIds(readModelJson(generationFile).eos_token_id) : []),
  ];
  if (extraEos.length > 0) tokenizer = tokenizer.withExtraEos(extraEos);

  const onnx = ONNX_CANDIDATES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (onnx) {
    if (options.lora) {
      throw new ModelLoadError(onnx, 'LoRA adapters in the graph need safetensors weights, not an ONNX export');
    }
    const maxPos = config.max_position_embeddings;
    const maxContext =
      Number.isSafeInteger(maxPos) && (maxPos as number) > 0 ? (maxPos as number) : Number.MAX_SAFE_INTEGER;
    return { model: await CausalLm.fromOnnxFile(onnx, maxContext, options), tokenizer, source: onnx };
  }
  const weightFiles = [MODEL_FILES.weights, MODEL_FILES.index];
  const weightsFile = weightFiles.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!weightsFile) {
    throw new ModelLoadError(dir, `no model file: expected one of ${[...ONNX_CANDIDATES, ...weightFiles].join(', ')}`);
  }
  try {
    const { weights: given, ...sessionOptions } = options;
    const { config: decoder, weights } = given
      ? { config: parseDecoderConfig(config), weights: given }
      : readModelDirectory(dir);
    const model = await CausalLm.fromWeights(decoder, weights, sessionOptions);
    return { model, tokenizer, source: weightsFile };
  } catch (error) {
    // Core's errors name the key or tensor; add the file they came from.
    if (CoreError.isInstance(error)) {
      throw new ModelLoadError(`${dir} (config.json / model.safetensors)`, error.message);
    }
    throw error;
  }
}
