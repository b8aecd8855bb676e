/**
 * A set of tensors stored as `save_pretrained` stores a model's weights: one `<stem>.safetensors` while
 * the tensors fit in one shard, else `<stem>-00001-of-0000N.safetensors` … plus
 * `<stem>.safetensors.index.json` (`{"metadata": {"total_size": data bytes}, "weight_map": {tensor: file}}`,
 * keys sorted, two-space indent). Tensors are assigned in the given order: a shard is closed when the next
 * tensor would take it past the limit, and a tensor larger than the limit gets a shard of its own.
 *
 * Every file is written atomically, the shards before the index, and files of the other layout (a stale
 * single file or index, shards of another count) are removed only once the new set is complete. A set
 * rewritten in place and interrupted can therefore hold new shards beside old ones of the same names;
 * for all-or-nothing, write into a fresh directory and rename it into place, as checkpoints do.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { ModelDirectoryError, readJsonObject } from './model-directory-error.js';
import {
  SafetensorsError,
  openSafetensorsSync,
  validateSafetensors,
  writeSafetensors,
  type NamedTensor,
  type NamedTensors,
  type SafetensorsContent,
  type SafetensorsMetadata,
  type WriteDtype,
} from './safetensors.js';

/** `save_pretrained`'s default `max_shard_size` ("5GB", decimal). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

/** The single file and the index file of a set named `stem` (e.g. `model`). */
export function shardedFileNames(stem: string): { single: string; index: string } {
  return { single: `${stem}.safetensors`, index: `${stem}.safetensors.index.json` };
}

const pad5 = (n: number): string => String(n).padStart(5, '0');

/** True for a shard file name of `stem` (`<stem>-NNNNN-of-NNNNN.safetensors`). */
function isShardOf(stem: string, file: string): boolean {
  const rest = file.startsWith(`${stem}-`) ? file.slice(stem.length + 1) : '';
  return /^\d{5}-of-\d{5}\.safetensors$/.test(rest);
}

/** Tensor names per shard for a limit of `maxShardBytes` bytes of F32 data per shard (see the module comment). */
export function planShards(tensors: NamedTensors, maxShardBytes: number): string[][] {
  if (!Number.isSafeInteger(maxShardBytes) || maxShardBytes < 1) {
    throw new SafetensorsError(`maxShardBytes must be a positive integer, got ${maxShardBytes}`);
  }
  const shards: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = tensor.data.length * 4;
    if (bytes > maxShardBytes) {
      shards.push([name]);
      continue;
    }
    if (size + bytes > maxShardBytes) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(name);
    size += bytes;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  return shards;
}

/** Options of {@link writeSafetensorsSharded}. */
export interface WriteShardedOptions {
  /** Metadata stored in every file's header. */
  metadata?: SafetensorsMetadata;
  /** Most data bytes per shard (in the stored dtype); default {@link DEFAULT_MAX_SHARD_BYTES}. */
  maxShardBytes?: number;
  /** The stored dtype: F32 (default) or BF16 (rounded to nearest even, as real checkpoints ship). */
  dtype?: WriteDtype;
}

/**
 * Write `tensors` into `dir` as the set `stem` (see the module comment), each file streamed and atomic;
 * invalid tensors are refused before any file is written. Returns the paths written, index last.
 */
export function writeSafetensorsSharded(
  dir: string,
  stem: string,
  tensors: NamedTensors,
  options: WriteShardedOptions = {},
): string[] {
  validateSafetensors(tensors, options.metadata, options.dtype);
  // planShards counts 4 bytes an element; a BF16 file stores 2, so twice the limit in F32 terms.
  const bytesScale = options.dtype === 'BF16' ? 2 : 1;
  const plan = planShards(tensors, (options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES) * bytesScale);
  const { single, index } = shardedFileNames(stem);
  if (plan.length === 1) {
    const path = join(dir, single);
    writeSafetensors(path, tensors, options.metadata, options.dtype);
    removeStale(dir, stem, new Set([single]));
    return [path];
  }
  const weightMap: [string, string][] = [];
  const paths = plan.map((names, i) => {
    const file = `${stem}-${pad5(i + 1)}-of-${pad5(plan.length)}.safetensors`;
    const path = join(dir, file);
    writeSafetensors(path, Object.fromEntries(names.map((n) => [n, tensors[n]!])), options.metadata, options.dtype);
    for (const name of names) weightMap.push([name, file]);
    return path;
  });
  const totalSize = Object.values(tensors).reduce((n, t) => n + (t.data.length * 4) / bytesScale, 0);
  weightMap.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const indexPath = join(dir, index);
  const json = { metadata: { total_size: totalSize }, weight_map: Object.fromEntries(weightMap) };
  writeFileAtomic(indexPath, `${JSON.stringify(json, null, 2)}\n`);
  removeStale(dir, stem, new Set([index, ...weightMap.map(([, file]) => file)]));
  return [...paths, indexPath];
}

/** Remove the files of set `stem` in `dir` that the set just written (`keep`) does not use. */
function removeStale(dir: string, stem: string, keep: ReadonlySet<string>): void {
  const { single, index } = shardedFileNames(stem);
  for (const file of readdirSync(dir)) {
    if (keep.has(file)) continue;
    if (file === single || file === index || isShardOf(stem, file)) rmSync(join(dir, file), { force: true });
  }
}

/**
 * Read the set `stem` of `dir`: `<stem>.safetensors` if present, else every shard its index lists, each
 * tensor read alone (files of any size). `metadata` merges the files' header metadata. Errors name the
 * file at fault; `what` says what the set holds, for the error when there is none.
 */
export function readSafetensorsSharded(dir: string, stem: string, what = `${stem} tensors`): SafetensorsContent {
  const tensors: NamedTensors = {};
  const metadata = visitSafetensorsSharded(dir, stem, (name, tensor) => (tensors[name] = tensor), what);
  return { tensors, metadata };
}

/**
 * {@link readSafetensorsSharded} one tensor at a time: `visit` gets each tensor as it is read and nothing
 * keeps it afterwards, so a caller that copies it into place (e.g. a model's parameters) holds one
 * tensor's f32 copy at most. Returns the merged metadata; errors as {@link readSafetensorsSharded}'s.
 */
export function visitSafetensorsSharded(
  dir: string,
  stem: string,
  visit: (name: string, tensor: NamedTensor) => void,
  what = `${stem} tensors`,
): SafetensorsMetadata {
  const { single, index } = shardedFileNames(stem);
  const singlePath = join(dir, single);
  if (existsSync(singlePath)) {
    const reader = openSafetensorsSync(singlePath);
    try {
      for (const name of reader.names) visit(name, reader.read(name));
      return { ...reader.metadata };
    } finally {
      reader.close();
    }
  }
  const indexPath = join(dir, index);
  if (!existsSync(indexPath)) {
    throw new ModelDirectoryError(`${dir}: no ${what} (expected ${single} or ${index})`, singlePath);
  }
  const map = readJsonObject(indexPath, 'the safetensors shard index').weight_map;
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
  const metadata: SafetensorsMetadata = {};
  for (const [file, names] of byShard) {
    const shardPath = join(dir, file);
    if (!existsSync(shardPath)) {
      throw new ModelDirectoryError(`${indexPath}: shard ${file} (holding ${names[0]}) does not exist`, shardPath);
    }
    const reader = openSafetensorsSync(shardPath);
    try {
      Object.assign(metadata, reader.metadata);
      for (const name of names) {
        if (!reader.info(name)) {
          throw new ModelDirectoryError(
            `${shardPath}: the index puts ${name} here, but the shard has no such tensor`,
            shardPath,
          );
        }
        visit(name, reader.read(name));
      }
    } finally {
      reader.close();
    }
  }
  return metadata;
}
