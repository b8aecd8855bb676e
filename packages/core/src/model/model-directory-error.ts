/**
 * The error of a model directory's files (config.json, weights, shard indexes) and the JSON reader that
 * raises it, shared by the directory reader and the sharded safetensors reader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CoreError } from '../errors.js';

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

/** Parse a JSON object file; errors name the file and what it should hold. */
export function readJsonObject(path: string, what: string): Record<string, unknown> {
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
