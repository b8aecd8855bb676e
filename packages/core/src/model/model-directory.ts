/**
 * A Hugging Face model directory as this project reads and writes it: `config.json` plus the weights as
 * `model.safetensors` or, for larger checkpoints, shards listed in `model.safetensors.index.json`
 * (`weight_map`: tensor name → shard file). Tokenizer files live beside them but belong to the sampler.
 * Writes are atomic per file (temporary name, fsync, rename), weights before config, so a directory
 * interrupted mid-write still holds the previous complete pair or no config at all.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { CoreError } from '../errors.js';
import { type DecoderConfig, decoderConfigToJson, parseDecoderConfig } from './config.js';
import { type NamedTensors, type SafetensorsMetadata, readSafetensorsSync, writeSafetensors } from './safetensors.js';

/** File names inside a model directory. */
export const MODEL_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  index: 'model.safetensors.index.json',
} as const;

/** A missing or malformed file of a model directory; `path` names it. */
export class ModelDirectoryError extends CoreError {
  override readonly name = 'ModelDirectoryError';
  /** Creates the error for the file at `path`. */
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

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
  const configJson = readJsonFile(configPath, 'the model configuration');
  let config: DecoderConfig;
  try {
    config = parseDecoderConfig(configJson);
  } catch (error) {
    if (error instanceof CoreError) throw new ModelDirectoryError(`${configPath}: ${error.message}`, configPath);
    throw error;
  }
  return { config, configJson, weights: readWeights(dir) };
}

/** The weights of `dir`: the single file if present, else every shard of the index. */
function readWeights(dir: string): NamedTensors {
  const single = join(dir, MODEL_FILES.weights);
  if (existsSync(single)) return readSafetensorsSync(single).tensors;
  const indexPath = join(dir, MODEL_FILES.index);
  if (!existsSync(indexPath)) {
    throw new ModelDirectoryError(
      `${dir}: no weights (expected ${MODEL_FILES.weights} or ${MODEL_FILES.index})`,
      single,
    );
  }
  const index = readJsonFile(indexPath, 'the safetensors shard index');
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new ModelDirectoryError(`${indexPath}: expected a "weight_map" object (tensor name → shard file)`, indexPath);
  }
  const byShard = new Map<string, string[]>();
  for (const [name, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) {
      throw new ModelDirectoryError(
        `${indexPath}: weight_map["${name}"] must be a file name in the directory, got ${JSON.stringify(file)}`,
        indexPath,
      );
    }
    byShard.set(file, [...(byShard.get(file) ?? []), name]);
  }
  const weights: NamedTensors = {};
  for (const [file, names] of byShard) {
    const shardPath = join(dir, file);
    if (!existsSync(shardPath)) {
      throw new ModelDirectoryError(`${indexPath}: shard ${file} (holding ${names[0]}) does not exist`, shardPath);
    }
    const { tensors } = readSafetensorsSync(shardPath);
    for (const name of names) {
      if (!tensors[name]) {
        throw new ModelDirectoryError(
          `${shardPath}: the index puts ${name} here, but the shard has no such tensor`,
          shardPath,
        );
      }
      weights[name] = tensors[name];
    }
  }
  return weights;
}

/** Parse a JSON object file; errors name the file and what it should hold. */
function readJsonFile(path: string, what: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ModelDirectoryError(`${path}: missing (${what})`, path);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelDirectoryError(`${path}: not valid JSON (${(error as Error).message})`, path);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelDirectoryError(`${path}: expected a JSON object (${what})`, path);
  }
  return value as Record<string, unknown>;
}

/** Options of {@link writeModelDirectory}. */
export interface WriteModelDirectoryOptions {
  /** Extra config.json keys kept next to the decoder's (e.g. `bos_token_id`); the decoder's keys win. */
  extraConfig?: Record<string, unknown>;
  /** String metadata stored in the safetensors header (e.g. the command that produced the weights). */
  metadata?: SafetensorsMetadata;
}

/**
 * Write `config.json` and `model.safetensors` (F32) into `dir` (created if needed), each atomically,
 * weights first. Returns the two paths.
 */
export function writeModelDirectory(
  dir: string,
  config: DecoderConfig,
  weights: NamedTensors,
  options: WriteModelDirectoryOptions = {},
): { config: string; weights: string } {
  mkdirSync(dir, { recursive: true });
  const weightsPath = join(dir, MODEL_FILES.weights);
  const configPath = join(dir, MODEL_FILES.config);
  writeSafetensors(weightsPath, weights, { format: 'pt', ...options.metadata });
  writeFileAtomic(
    configPath,
    `${JSON.stringify({ ...options.extraConfig, ...decoderConfigToJson(config) }, null, 2)}\n`,
  );
  return { config: configPath, weights: weightsPath };
}
