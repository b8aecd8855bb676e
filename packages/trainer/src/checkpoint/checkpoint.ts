/**
 * Checkpoints of a run: `RUN_DIR/checkpoints/step-N/` holding
 *   config.json + model.safetensors   the policy as a Hugging Face model directory (loadable as a model),
 *                                     (a LoRA run: adapter_config.json + adapter_model.safetensors, PEFT's layout),
 *   optimizer.safetensors             AdamW moments as `m.<param>` / `v.<param>`, the step count in the metadata,
 *   train-config.json                 the run's configuration,
 *   state.json                        RNG states, data cursor and step (written last),
 * plus any files the caller asks to copy in (e.g. the tokenizer). Above the shard size (default 5 GB)
 * the weights and the moments are each split as `save_pretrained` splits weights:
 * `<stem>-00001-of-0000N.safetensors` … plus `<stem>.safetensors.index.json` (stem `model` or `optimizer`).
 *
 * Atomicity: everything is written into a temporary sibling directory (`.tmp-step-N-…`), each file
 * fsynced, and the directory is then renamed to `step-N`. A crash at any moment leaves either the
 * complete new checkpoint or none, and the previous checkpoints are never touched. Temporary
 * directories left by a crashed writer are ignored by the readers and removed by the next write
 * (one writer per run directory). Pruning renames a checkpoint aside (`.pruned-step-N-…`) before
 * removing it, so a crash mid-removal leaves only a hidden leftover, which the next write or prune
 * removes, never a half-empty `step-N`.
 *
 * Size: every tensor file is streamed tensor by tensor and read back tensor by tensor, so a checkpoint
 * of any size (a model whose weights or moments exceed 2 GiB) is written and resumed without one
 * buffer of the whole file.
 *
 * Storage: the free space is checked against the checkpoint's size before writing, and every file-system
 * failure is a `StorageError` naming the path, the operation and that the checkpoint was not written
 * (the partial copy is removed; the earlier checkpoints are untouched).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import {
  readModelDirectory,
  shardedFileNames,
  visitSafetensorsSharded,
  writeFileAtomic,
  writeModelDirectory,
  writeSafetensorsSharded,
  type DecoderConfig,
  type NamedTensor,
  type NamedTensors,
} from '@rlvr/core';
import { StorageError, errnoCode, type StorageOperation } from '../errors.js';
import { RUN_FILES } from '../metrics/run-layout.js';
import { CheckpointError, NonFiniteCheckpointError } from './checkpoint-error.js';
import { checkpointBytes, requireFreeSpace } from './free-space.js';
import {
  type AdapterCheckpoint,
  isAdapterCheckpoint,
  readAdapterCheckpoint,
  writeAdapterCheckpoint,
} from '../lora/lora-checkpoint.js';

/** A JSON value (RNG states, data cursor and config are stored as JSON). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** AdamW state as @rlvr/kernels' `DecoderModel.optimizerState()` returns it. */
export interface CheckpointOptimizerState {
  /** Steps taken. */
  step: number;
  /** First moments by parameter name. */
  m: NamedTensors;
  /** Second moments by parameter name. */
  v: NamedTensors;
}

/** Everything a checkpoint holds. */
export interface CheckpointState {
  /** The decoder's configuration (written as config.json). */
  modelConfig: DecoderConfig;
  /** The policy's parameters by Hugging Face name. */
  weights: NamedTensors;
  /** AdamW's state. */
  optimizerState: CheckpointOptimizerState;
  /** RNG states by name (e.g. `{"sampler": …, "data": …}`), as their owners serialise them. */
  rng: Record<string, JsonValue>;
  /** Where the data order stands (e.g. a PromptCursor state). */
  dataCursor: JsonValue;
  /** The run's configuration. */
  config: JsonValue;
  /**
   * A LoRA run's adapter settings: the checkpoint then holds `weights` (the adapters' A and B) in PEFT's
   * layout (lora/lora-checkpoint.ts) instead of a model directory, and `modelConfig` is the base's.
   */
  adapter?: AdapterCheckpoint;
}

/** Options of {@link writeCheckpoint}. */
export interface WriteCheckpointOptions {
  /** Files copied into the checkpoint by base name (e.g. tokenizer.json), so it is a complete model directory. */
  copyFiles?: readonly string[];
  /** Extra config.json keys (e.g. `eos_token_id`). */
  extraModelConfig?: Record<string, unknown>;
  /** Most tensor bytes per safetensors file of the weights and of the moments; default 5 GB (`save_pretrained`'s). */
  maxShardBytes?: number;
}

/** A checkpoint found on disk. */
export interface CheckpointRef {
  /** Its step. */
  step: number;
  /** Its directory. */
  dir: string;
}

const FORMAT = 1;
const FILES = { optimizer: 'optimizer', trainConfig: 'train-config.json', state: 'state.json' } as const;
const STEP_DIR = /^step-(\d+)$/;
const TEMP_PREFIX = '.tmp-step-';
const PRUNED_PREFIX = '.pruned-step-';

/** `RUN_DIR/checkpoints`. */
export function checkpointsDir(runDir: string): string {
  return join(runDir, RUN_FILES.checkpoints);
}

/** `RUN_DIR/checkpoints/step-N`. */
export function checkpointDir(runDir: string, step: number): string {
  return join(checkpointsDir(runDir), `step-${step}`);
}

function requireFiniteTensors(step: number, prefix: string, tensors: NamedTensors): void {
  for (const [name, tensor] of Object.entries(tensors)) {
    const data = tensor.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new NonFiniteCheckpointError(step, `${prefix}/${name}`, i, data[i]!);
    }
  }
}

/** fsync a directory so a rename inside it is durable; platforms that cannot open directories skip it. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory handle; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function optimizerTensors(state: CheckpointOptimizerState): NamedTensors {
  const out: NamedTensors = {};
  for (const [name, tensor] of Object.entries(state.m)) out[`m.${name}`] = tensor;
  for (const [name, tensor] of Object.entries(state.v)) out[`v.${name}`] = tensor;
  return out;
}

/**
 * Write the checkpoint of `step` atomically (see the module comment); returns its directory.
 * Throws {@link NonFiniteCheckpointError} before writing anything if a weight or moment is NaN/∞.
 * An existing checkpoint of the same step is replaced only once the new one is complete.
 */
export function writeCheckpoint(
  runDir: string,
  step: number,
  state: CheckpointState,
  options: WriteCheckpointOptions = {},
): string {
  if (!Number.isInteger(step) || step < 0) {
    throw new CheckpointError(runDir, `expected a step that is an integer ≥ 0, got ${step}`);
  }
  requireFiniteTensors(step, 'weights', state.weights);
  requireFiniteTensors(step, 'optimizer.m', state.optimizerState.m);
  requireFiniteTensors(step, 'optimizer.v', state.optimizerState.v);
  const parent = checkpointsDir(runDir);
  const final = checkpointDir(runDir, step);
  const consequence = `the checkpoint of step ${step} was not written (the earlier checkpoints are untouched)`;
  asStorage(parent, 'create', consequence, () => {
    mkdirSync(parent, { recursive: true });
    removeLeftovers(parent);
  });
  const copyFiles = options.copyFiles ?? [];
  requireFreeSpace(parent, checkpointBytes(state.weights, state.optimizerState, copyFiles), consequence);
  const tmp = join(parent, `${TEMP_PREFIX}${step}-${process.pid}-${randomBytes(4).toString('hex')}`);
  asStorage(tmp, 'create', consequence, () => mkdirSync(tmp));
  try {
    if (state.adapter) writeAdapterCheckpoint(tmp, step, state.adapter, state.weights);
    else {
      writeModelDirectory(tmp, state.modelConfig, state.weights, {
        extraConfig: options.extraModelConfig,
        metadata: { step: String(step) },
        maxShardBytes: options.maxShardBytes,
      });
    }
    writeSafetensorsSharded(tmp, FILES.optimizer, optimizerTensors(state.optimizerState), {
      metadata: { step: String(state.optimizerState.step) },
      maxShardBytes: options.maxShardBytes,
    });
    writeFileAtomic(join(tmp, FILES.trainConfig), `${JSON.stringify(state.config, null, 2)}\n`);
    for (const file of copyFiles) copyFileSync(file, join(tmp, basename(file)));
    // Written last: a directory with state.json is complete, whatever happened to the rename.
    writeFileAtomic(
      join(tmp, FILES.state),
      `${JSON.stringify({ format: FORMAT, step, rng: state.rng, dataCursor: state.dataCursor }, null, 2)}\n`,
    );
    fsyncDir(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw storageError(error, tmp, 'write', consequence);
  }
  asStorage(final, 'rename', consequence, () => {
    if (existsSync(final)) {
      // Replace in two renames; between them only the new complete copy and the old one (under a
      // temporary name, removed by the next write if we crash here) exist.
      const old = `${tmp}-old`;
      renameSync(final, old);
      renameSync(tmp, final);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, final);
    }
  });
  fsyncDir(parent);
  return final;
}

/** What a failed system call was doing, in {@link StorageError}'s words. */
function operationOf(error: unknown, fallback: StorageOperation): StorageOperation {
  const syscall = (error as { syscall?: unknown }).syscall;
  if (syscall === 'mkdir') return 'create';
  if (syscall === 'rename') return 'rename';
  if (syscall === 'rmdir' || syscall === 'unlink' || syscall === 'rm') return 'remove';
  if (syscall === 'open' || syscall === 'write' || syscall === 'copyfile' || syscall === 'fsync') return 'write';
  return fallback;
}

/** A file-system error as a {@link StorageError} naming the file it hit (others unchanged). */
function storageError(error: unknown, path: string, operation: StorageOperation, consequence: string): unknown {
  if (errnoCode(error) === undefined || StorageError.isInstance(error)) return error;
  const hit = (error as { path?: unknown }).path;
  return new StorageError(typeof hit === 'string' ? hit : path, operationOf(error, operation), error, consequence);
}

/** Run `action`; a file-system error becomes a {@link StorageError} (see {@link storageError}). */
function asStorage<T>(path: string, operation: StorageOperation, consequence: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw storageError(error, path, operation, consequence);
  }
}

/**
 * Remove what crashed writers and prunes left in `checkpoints/`: temporary and pruned copies, and
 * `step-N` directories without state.json (written last, so such a directory is never a checkpoint).
 */
function removeLeftovers(parent: string): void {
  for (const entry of readdirSync(parent)) {
    const path = join(parent, entry);
    const leftover =
      entry.startsWith(TEMP_PREFIX) ||
      entry.startsWith(PRUNED_PREFIX) ||
      (STEP_DIR.test(entry) && !existsSync(join(path, FILES.state)));
    if (leftover) rmSync(path, { recursive: true, force: true });
  }
}

/** A checkpoint read back. */
export interface LoadedCheckpoint extends CheckpointState {
  /** Its step. */
  step: number;
  /** Its directory. */
  dir: string;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // A missing file is an incomplete checkpoint; anything else (EACCES, EIO) is the storage's fault.
    if (errnoCode(error) !== undefined && errnoCode(error) !== 'ENOENT') {
      throw new StorageError(path, 'read', error, 'the checkpoint was not loaded');
    }
    throw new CheckpointError(path, `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(path, `not valid JSON: ${(error as Error).message}`);
  }
}

/** Read a checkpoint directory written by {@link writeCheckpoint}; errors name the file at fault. */
export function readCheckpoint(dir: string): LoadedCheckpoint {
  const statePath = join(dir, FILES.state);
  const saved = readJson(statePath) as { format?: unknown; step?: unknown; rng?: unknown; dataCursor?: unknown };
  if (saved.format !== FORMAT) {
    throw new CheckpointError(statePath, `expected checkpoint format ${FORMAT}, got ${JSON.stringify(saved.format)}`);
  }
  if (typeof saved.step !== 'number' || !Number.isInteger(saved.step)) {
    throw new CheckpointError(statePath, `expected an integer "step", got ${JSON.stringify(saved.step)}`);
  }
  if (typeof saved.rng !== 'object' || saved.rng === null || Array.isArray(saved.rng)) {
    throw new CheckpointError(statePath, 'expected an object "rng"');
  }
  const model = isAdapterCheckpoint(dir) ? readAdapterCheckpoint(dir) : readModelDirectory(dir);
  const optimizerState = readOptimizerState(dir);
  return {
    step: saved.step,
    dir,
    modelConfig: model.config,
    weights: model.weights,
    optimizerState,
    rng: saved.rng as Record<string, JsonValue>,
    dataCursor: (saved.dataCursor ?? null) as JsonValue,
    config: readJson(join(dir, FILES.trainConfig)) as JsonValue,
    ...('adapter' in model ? { adapter: model.adapter } : {}),
  };
}

/**
 * The AdamW moments of checkpoint `dir`, one tensor at a time: `visit` gets each as it is read
 * (`m.<param>` as moment `m`), and nothing keeps it afterwards. Returns the step count from the
 * metadata; errors name the file at fault.
 */
export function visitOptimizerState(
  dir: string,
  visit: (moment: 'm' | 'v', name: string, tensor: NamedTensor) => void,
): number {
  const files = shardedFileNames(FILES.optimizer);
  const path = join(dir, existsSync(join(dir, files.single)) ? files.single : files.index);
  const metadata = visitSafetensorsSharded(
    dir,
    FILES.optimizer,
    (name, tensor) => {
      if (name.startsWith('m.')) visit('m', name.slice(2), tensor);
      else if (name.startsWith('v.')) visit('v', name.slice(2), tensor);
      else throw new CheckpointError(path, `unexpected tensor "${name}"; expected m.<param> and v.<param>`);
    },
    'AdamW moments',
  );
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0) {
    throw new CheckpointError(
      path,
      `expected the AdamW step count in the metadata, got ${JSON.stringify(metadata.step)}`,
    );
  }
  return step;
}

/** The AdamW state of checkpoint `dir` as whole sets (see {@link visitOptimizerState}). */
export function readOptimizerState(dir: string): CheckpointOptimizerState {
  const moments: Record<'m' | 'v', NamedTensors> = { m: {}, v: {} };
  const step = visitOptimizerState(dir, (moment, name, tensor) => (moments[moment][name] = tensor));
  return { step, ...moments };
}

/** Every complete checkpoint of a run, oldest first (temporary directories and incomplete ones are ignored). */
export function listCheckpoints(runDir: string): CheckpointRef[] {
  const parent = checkpointsDir(runDir);
  if (!existsSync(parent)) return [];
  const found: CheckpointRef[] = [];
  const entries = asStorage(parent, 'read', 'no checkpoint was read', () => readdirSync(parent));
  for (const entry of entries) {
    const match = STEP_DIR.exec(entry);
    if (match === null) continue;
    const dir = join(parent, entry);
    if (existsSync(join(dir, FILES.state))) found.push({ step: Number(match[1]), dir });
  }
  return found.sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint of a run, or null when there is none. */
export function latestCheckpoint(runDir: string): CheckpointRef | null {
  return listCheckpoints(runDir).at(-1) ?? null;
}

/** Remove all but the newest `keep` checkpoints (config `checkpoint.keep`); returns the steps removed. */
export function pruneCheckpoints(runDir: string, keep: number): number[] {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new CheckpointError(runDir, `expected keep to be an integer ≥ 1, got ${keep}`);
  }
  const all = listCheckpoints(runDir);
  const removed = all.slice(0, Math.max(0, all.length - keep));
  const parent = checkpointsDir(runDir);
  for (const ref of removed) {
    // Aside first: a crash during the removal then leaves a hidden leftover, not a broken step-N.
    const aside = join(parent, `${PRUNED_PREFIX}${ref.step}-${process.pid}-${randomBytes(4).toString('hex')}`);
    asStorage(ref.dir, 'rename', `checkpoint step ${ref.step} was kept`, () => renameSync(ref.dir, aside));
  }
  asStorage(parent, 'remove', 'pruned checkpoints are left as hidden .pruned-step-* directories', () =>
    removeLeftovers(parent),
  );
  return removed.map((ref) => ref.step);
}

/**
 * The newest checkpoint of `runDir` that reads back completely and passes `verify` (which returns why a
 * checkpoint is unusable, or null), or null; `onInvalid` hears about each newer one passed over.
 */
export function newestValidCheckpoint(
  runDir: string,
  onInvalid: (ref: CheckpointRef, reason: string) => void,
  verify: (checkpoint: LoadedCheckpoint) => string | null = () => null,
): LoadedCheckpoint | null {
  for (const ref of listCheckpoints(runDir).reverse()) {
    let loaded: LoadedCheckpoint;
    try {
      loaded = readCheckpoint(ref.dir);
      requireFiniteTensors(ref.step, 'weights', loaded.weights);
      requireFiniteTensors(ref.step, 'optimizer.m', loaded.optimizerState.m);
      requireFiniteTensors(ref.step, 'optimizer.v', loaded.optimizerState.v);
    } catch (error) {
      // Any reader's refusal (truncated safetensors, bad JSON, a NaN) makes this one unusable.
      onInvalid(ref, error instanceof Error ? error.message : String(error));
      continue;
    }
    const reason = verify(loaded);
    if (reason === null) return loaded;
    onInvalid(ref, reason);
  }
  return null;
}
