/**
 * Free space before a checkpoint: its size is known before a byte is written (tensors, moments and the
 * copied files), so a checkpoint that cannot fit is refused up front with both numbers, instead of
 * failing half-way with ENOSPC after filling the disk that the metrics file also needs.
 */
import { statSync, statfsSync } from 'node:fs';
import type { NamedTensors } from '@rlvr/core';
import { StorageError } from '../errors.js';

/** Room for config.json, state.json, train-config.json and the safetensors headers. */
const METADATA_BYTES = 256 * 1024;

const tensorBytes = (tensors: NamedTensors): number =>
  Object.values(tensors).reduce((n, t) => n + t.data.byteLength, 0);

/** Bytes a checkpoint takes: weights, both AdamW moments, the copied files and its small JSON files. */
export function checkpointBytes(
  weights: NamedTensors,
  moments: { m: NamedTensors; v: NamedTensors },
  copyFiles: readonly string[],
): number {
  let files = 0;
  for (const file of copyFiles) files += statSync(file).size;
  return tensorBytes(weights) + tensorBytes(moments.m) + tensorBytes(moments.v) + files + METADATA_BYTES;
}

/** Bytes available to this user on the file system holding `dir`, or undefined where it cannot be asked. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Throw a {@link StorageError} naming both sizes when `dir`'s file system has less than `bytes` free. */
export function requireFreeSpace(dir: string, bytes: number, consequence: string): void {
  const free = freeBytes(dir);
  if (free === undefined || free >= bytes) return;
  const cause = Object.assign(new Error(`only ${mib(free)} free, about ${mib(bytes)} needed`), { code: 'ENOSPC' });
  throw new StorageError(dir, 'write', cause, `${mib(free)} free, about ${mib(bytes)} needed; ${consequence}`);
}
