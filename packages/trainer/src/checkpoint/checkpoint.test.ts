import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initWeights, parseDecoderConfig, readModelDirectory, type NamedTensors } from '@rlvr/core';
import { createDecoderModel, type DecoderModel, type OptimizerState, type PolicyBatch } from '@rlvr/kernels';
import { StorageError } from '../errors.js';
import { useTempDir } from '../testing/temp-dir.js';
import { thrownBy } from '../testing/thrown.js';
import { CheckpointError, NonFiniteCheckpointError } from './checkpoint-error.js';
import {
  checkpointDir,
  latestCheckpoint,
  listCheckpoints,
  newestValidCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointOptimizerState,
  type CheckpointState,
} from './checkpoint.js';
import { checkpointBytes, requireFreeSpace } from './free-space.js';

// The kernels' optimizer state must be storable as it is.
const _compatible: (state: OptimizerState) => CheckpointOptimizerState = (state) => state;
void _compatible;

const config = parseDecoderConfig({
  model_type: 'qwen2',
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  intermediate_size: 24,
  vocab_size: 23,
  max_position_embeddings: 32,
  tie_word_embeddings: false,
});

const tempDir = useTempDir('rlvr-checkpoint-');

function copyTensors(tensors: NamedTensors): NamedTensors {
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { shape: [...t.shape], data: t.data.slice() }]));
}

/** A small state with moments that are not zero, so that a mix-up of m and v would show. */
function state(seed: number): CheckpointState {
  const weights = initWeights(config, seed, 0.2);
  const m = copyTensors(weights);
  const v = copyTensors(weights);
  for (const t of Object.values(v)) for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! * t.data[i]!;
  return {
    modelConfig: config,
    weights,
    optimizerState: { step: seed, m, v },
    rng: { sampler: [seed, 1, 2, 3], data: { epoch: 0 } },
    dataCursor: { epoch: 1, position: seed },
    config: { weighting: { name: 'sqrt-r' }, seed },
  };
}

function expectSameTensors(actual: NamedTensors, expected: NamedTensors): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, t] of Object.entries(expected)) {
    expect(actual[name]!.shape).toEqual(t.shape);
    // Bit-for-bit: checkpoints store F32 exactly.
    expect(Buffer.from(actual[name]!.data.buffer, actual[name]!.data.byteOffset, actual[name]!.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
  }
}

describe('write, read, list', () => {
  test('round trip: weights and moments bit-exact, rng, cursor, config; the directory is a loadable model', async () => {
    const runDir = join(tempDir(), 'round-trip');
    const tokenizer = join(tempDir(), 'tokenizer.json');
    await writeFile(tokenizer, '{"model": {}}');
    const saved = state(3);
    const path = writeCheckpoint(runDir, 3, saved, { copyFiles: [tokenizer], extraModelConfig: { eos_token_id: 2 } });
    expect(path).toBe(checkpointDir(runDir, 3));
    expect(readdirSync(path).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'state.json', 'tokenizer.json', 'train-config.json']);
    const loaded = readCheckpoint(path);
    expect(loaded.step).toBe(3);
    expect(loaded.modelConfig).toEqual(config);
    expectSameTensors(loaded.weights, saved.weights);
    expect(loaded.optimizerState.step).toBe(3);
    expectSameTensors(loaded.optimizerState.m, saved.optimizerState.m);
    expectSameTensors(loaded.optimizerState.v, saved.optimizerState.v);
    expect(loaded.rng).toEqual(saved.rng);
    expect(loaded.dataCursor).toEqual(saved.dataCursor);
    expect(loaded.config).toEqual(saved.config);
    expect(readModelDirectory(path).configJson.eos_token_id).toBe(2);
    expect(await readFile(join(path, 'tokenizer.json'), 'utf8')).toBe('{"model": {}}');
  });

  test('above the shard size, weights and moments are written as shards with their index and read back bit-exactly', () => {
    const runDir = join(tempDir(), 'sharded');
    const saved = state(4);
    const path = writeCheckpoint(runDir, 4, saved, { maxShardBytes: 2048 });
    const files = readdirSync(path).sort();
    const shards = (stem: string) => files.filter((f) => new RegExp(`^${stem}-\\d{5}-of-\\d{5}\\.safetensors$`).test(f));
    // 2048 B per shard: the weights (≈ 10 kB) and the moments (twice that) need several each.
    expect(shards('model').length).toBeGreaterThan(2);
    expect(shards('optimizer').length).toBeGreaterThan(shards('model').length);
    expect(files).toEqual(['config.json', 'model.safetensors.index.json', 'optimizer.safetensors.index.json', 'state.json', 'train-config.json', ...shards('model'), ...shards('optimizer')].sort());
    const loaded = readCheckpoint(path);
    expectSameTensors(loaded.weights, saved.weights);
    expectSameTensors(loaded.optimizerState.m, saved.optimizerState.m);
    expectSameTensors(loaded.optimizerState.v, saved.optimizerState.v);
    expect(loaded.optimizerState.step).toBe(4);
    // The weights are a model directory that the loader reads as any sharded Hugging Face checkpoint.
    expectSameTensors(readModelDirectory(path).weights, saved.weights);
  });

  test('a sharded checkpoint with a truncated shard is passed over for the previous one', async () => {
    const runDir = join(tempDir(), 'sharded-corrupt');
    for (const step of [1, 2]) writeCheckpoint(runDir, step, state(step), { maxShardBytes: 2048 });
    const name = readdirSync(checkpointDir(runDir, 2)).find((f) => f.startsWith('optimizer-00002-of-'))!;
    const shard = join(checkpointDir(runDir, 2), name);
    const bytes = await readFile(shard);
    await writeFile(shard, bytes.subarray(0, bytes.length - 4));
    const passed: string[] = [];
    const found = newestValidCheckpoint(runDir, (ref, reason) => passed.push(`${ref.step}: ${reason}`));
    expect(found?.step).toBe(1);
    expect(passed).toHaveLength(1);
    expect(passed[0]).toMatch(/^2: \S*optimizer-00002-of-\d{5}\.safetensors: tensor "\S+": data_offsets .* run past the end of the data/);
  });

  test('latest, list, prune; rewriting a step replaces it', () => {
    const runDir = join(tempDir(), 'list');
    expect(latestCheckpoint(runDir)).toBeNull();
    for (const step of [2, 10, 4]) writeCheckpoint(runDir, step, state(step));
    expect(listCheckpoints(runDir).map((c) => c.step)).toEqual([2, 4, 10]);
    expect(latestCheckpoint(runDir)).toEqual({ step: 10, dir: checkpointDir(runDir, 10) });
    writeCheckpoint(runDir, 10, state(11));
    expect(readCheckpoint(checkpointDir(runDir, 10)).optimizerState.step).toBe(11);
    expect(pruneCheckpoints(runDir, 2)).toEqual([2]);
    expect(listCheckpoints(runDir).map((c) => c.step)).toEqual([4, 10]);
    expect(() => pruneCheckpoints(runDir, 0)).toThrow(CheckpointError);
  });

  test('readers name the file at fault', async () => {
    const runDir = join(tempDir(), 'broken');
    const path = writeCheckpoint(runDir, 1, state(1));
    await writeFile(join(path, 'state.json'), '{"format": 99, "step": 1, "rng": {}}');
    expect(() => readCheckpoint(path)).toThrow(/state\.json: expected checkpoint format 1, got 99/);
    expect(() => readCheckpoint(join(tempDir(), 'nowhere'))).toThrow(/nowhere\/state\.json: cannot read: ENOENT/);
  });
});

describe('crash safety', () => {
  test('a failure mid-write leaves the previous checkpoint intact and no partial one', () => {
    const runDir = join(tempDir(), 'crash');
    writeCheckpoint(runDir, 1, state(1));
    const before = readCheckpoint(checkpointDir(runDir, 1));
    // A real failure half-way: the model files are written, then the optimizer file cannot be
    // encoded (a moment's data does not match its shape), so the writer throws mid-checkpoint.
    const bad = state(2);
    const name = Object.keys(bad.optimizerState.v)[0]!;
    bad.optimizerState.v[name] = { shape: [3, 3], data: new Float32Array(4) };
    expect(() => writeCheckpoint(runDir, 2, bad)).toThrow(/data has 4/);
    expect(existsSync(checkpointDir(runDir, 2))).toBe(false);
    expect(readdirSync(join(runDir, 'checkpoints'))).toEqual(['step-1']);
    expect(latestCheckpoint(runDir)?.step).toBe(1);
    const after = readCheckpoint(checkpointDir(runDir, 1));
    expectSameTensors(after.weights, before.weights);
    expectSameTensors(after.optimizerState.v, before.optimizerState.v);
  });

  test('a failed rewrite of an existing step keeps the old copy', () => {
    const runDir = join(tempDir(), 'crash-same-step');
    writeCheckpoint(runDir, 5, state(5));
    const bad = state(6);
    bad.optimizerState.m['model.norm.weight'] = { shape: [2], data: new Float32Array(3) };
    expect(() => writeCheckpoint(runDir, 5, bad)).toThrow(/model\.norm\.weight/);
    expect(readCheckpoint(checkpointDir(runDir, 5)).optimizerState.step).toBe(5);
  });

  test('leftovers of a killed writer are ignored by readers and removed by the next write', async () => {
    const runDir = join(tempDir(), 'leftover');
    writeCheckpoint(runDir, 1, state(1));
    // What a process killed before its rename leaves: a temporary directory, maybe without state.json,
    // and a step directory without state.json (a half-removed one, or copied in by hand).
    const leftover = join(runDir, 'checkpoints', '.tmp-step-2-999-abcd');
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, 'model.safetensors'), 'partial');
    await mkdir(join(runDir, 'checkpoints', 'step-7'));
    expect(latestCheckpoint(runDir)?.step).toBe(1);
    writeCheckpoint(runDir, 2, state(2));
    // A step directory without state.json is never a checkpoint (state.json is written first, renamed last).
    expect(readdirSync(join(runDir, 'checkpoints')).sort()).toEqual(['step-1', 'step-2']);
    expect(latestCheckpoint(runDir)?.step).toBe(2);
  });

  test('a prune killed mid-removal leaves only leftovers that the next prune or write removes', async () => {
    const runDir = join(tempDir(), 'pruned');
    for (const step of [1, 2, 3]) writeCheckpoint(runDir, step, state(step));
    const parent = join(runDir, 'checkpoints');
    // What a kill during the removal leaves: the renamed-aside copy, part of its files gone, and (from
    // older versions, which removed in place) a step directory that lost its state.json.
    await mkdir(join(parent, '.pruned-step-1-999-abcd'));
    await writeFile(join(parent, '.pruned-step-1-999-abcd', 'optimizer.safetensors'), 'partial');
    await mkdir(join(parent, 'step-0'));
    await writeFile(join(parent, 'step-0', 'model.safetensors'), 'partial');
    expect(listCheckpoints(runDir).map((c) => c.step)).toEqual([1, 2, 3]);
    expect(pruneCheckpoints(runDir, 2)).toEqual([1]);
    expect(readdirSync(parent).sort()).toEqual(['step-2', 'step-3']);
    await mkdir(join(parent, '.pruned-step-2-999-abcd'));
    writeCheckpoint(runDir, 4, state(4));
    expect(readdirSync(parent).sort()).toEqual(['step-2', 'step-3', 'step-4']);
  });

  test('newestValidCheckpoint passes over a corrupt newest checkpoint and says why', async () => {
    const runDir = join(tempDir(), 'corrupt');
    for (const step of [1, 2]) writeCheckpoint(runDir, step, state(step));
    await writeFile(join(checkpointDir(runDir, 2), 'model.safetensors'), 'truncated');
    const passed: string[] = [];
    const found = newestValidCheckpoint(runDir, (ref, reason) => passed.push(`${ref.step}: ${reason}`));
    expect(found?.step).toBe(1);
    expect(passed).toHaveLength(1);
    expect(passed[0]).toMatch(/^2: .*model\.safetensors/);
    // A verifier's refusal counts too (the trainer checks weight magnitudes this way).
    expect(
      newestValidCheckpoint(
        runDir,
        () => undefined,
        () => 'too large',
      ),
    ).toBeNull();
  });

  test('a file the storage cannot read is a StorageError naming it, not a malformed checkpoint', async () => {
    const dir = join(tempDir(), 'unreadable', 'checkpoints', 'step-1');
    await mkdir(join(dir, 'state.json'), { recursive: true });
    expect(() => readCheckpoint(dir)).toThrow(/^cannot read \S+state\.json: is a directory \(EISDIR\); the checkpoint was not loaded$/);
    expect(StorageError.isInstance(thrownBy(() => readCheckpoint(dir), Error))).toBe(true);
  });

  test('a checkpoint larger than the free space is refused before writing, naming both sizes', () => {
    const runDir = join(tempDir(), 'space');
    const bytes = checkpointBytes(state(1).weights, state(1).optimizerState, []);
    expect(bytes).toBeGreaterThan(3 * Object.values(state(1).weights).reduce((n, t) => n + t.data.byteLength, 0));
    expect(() => requireFreeSpace(runDir.slice(0, runDir.lastIndexOf('/')), Number.MAX_SAFE_INTEGER, 'nothing written')).toThrow(
      /no space left on the device \(ENOSPC\); [\d.]+ MiB free, about [\d.]+ MiB needed; nothing written/,
    );
  });

  test('SIGKILL during a large write: the previous checkpoint is what a resume finds', async () => {
    const runDir = join(tempDir(), 'killed');
    const script = fileURLToPath(new URL('./__fixtures__/crash-writer.ts', import.meta.url));
    // 128 MB per tensor file (three files): long enough to be killed mid-write on any machine here.
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@rlvr/source', script, runDir, '128'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    // Kill as soon as the step-2 temporary directory holds a file: the writer is then mid-checkpoint.
    const parent = join(runDir, 'checkpoints');
    const midWrite = () => existsSync(parent) && readdirSync(parent).some((e) => e.startsWith('.tmp-step-2-') && readdirSync(join(parent, e)).length > 0);
    const deadline = Date.now() + 60_000;
    while (!midWrite() && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stderr).toBe('');
    expect(stdout).toBe('ready\n');
    expect(latestCheckpoint(runDir)?.step).toBe(1);
    expect(existsSync(checkpointDir(runDir, 2))).toBe(false);
    const survivor = readCheckpoint(checkpointDir(runDir, 1));
    expect(survivor.weights.big!.data.every((x) => x === 1)).toBe(true);
    expect(survivor.optimizerState.step).toBe(1);
    // The next write clears the dead writer's leftovers.
    writeCheckpoint(runDir, 2, state(2));
    expect(readdirSync(parent).sort()).toEqual(['step-1', 'step-2']);
  });

  test('NaN or ∞ in weights or moments: typed error naming the tensor, nothing written', () => {
    const runDir = join(tempDir(), 'nan');
    const bad = state(1);
    bad.weights['model.norm.weight']!.data[3] = NaN;
    let caught: unknown;
    try {
      writeCheckpoint(runDir, 4, bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonFiniteCheckpointError);
    expect((caught as NonFiniteCheckpointError).tensor).toBe('weights/model.norm.weight');
    expect((caught as NonFiniteCheckpointError).index).toBe(3);
    expect((caught as Error).message).toBe('step 4: refusing to write a checkpoint: weights/model.norm.weight[3] is NaN');
    const inf = state(1);
    inf.optimizerState.v['lm_head.weight']!.data[0] = Infinity;
    expect(() => writeCheckpoint(runDir, 4, inf)).toThrow('optimizer.v/lm_head.weight[0] is Infinity');
    expect(existsSync(runDir)).toBe(false);
  });
});

describe('resume through a real DecoderModel (cpu backend)', () => {
  const tokens = Int32Array.from([1, 5, 7, 2, 9, 3, 4, 4, 8, 1]);
  const mask = new Int32Array(10).fill(1);
  const step = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 };

  async function trainStep(model: DecoderModel, advantages: number[]): Promise<void> {
    const { logprob } = await model.tokenLogprobs(tokens, mask, 2, 5);
    const batch: PolicyBatch = { tokens, attentionMask: mask, batch: 2, seq: 5, lossMask: [0, 1, 1, 1, 0, 1, 1, 1], advantages, oldLogp: logprob };
    await model.policyLoss(batch, { epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean' });
    await model.step(step);
  }

  test('checkpoint after 2 steps in shards, restore into a fresh model: step 3 gives bit-identical weights', async () => {
    const runDir = join(tempDir(), 'resume');
    const open = async (weights: NamedTensors) => await createDecoderModel({ config, weights, backend: 'cpu', log: null, threads: 1 });
    const straight = await open(initWeights(config, 5, 0.2));
    try {
      await trainStep(straight, [1, 1, 1, 1, -1, -1, -1, -1]);
      await trainStep(straight, [-0.5, -0.5, -0.5, -0.5, 0.5, 0.5, 0.5, 0.5]);
      // Shards of at most 4 kB: the resume reads weights and moments back from many files.
      const written = writeCheckpoint(
        runDir,
        2,
        {
          modelConfig: config,
          weights: await straight.weights(),
          optimizerState: await straight.optimizerState(),
          rng: {},
          dataCursor: { epoch: 0, position: 2 },
          config: {},
        },
        { maxShardBytes: 4096 },
      );
      expect(readdirSync(written)).toEqual(expect.arrayContaining(['model.safetensors.index.json', 'optimizer.safetensors.index.json']));
      const saved = readCheckpoint(latestCheckpoint(runDir)!.dir);
      const resumed = await open(saved.weights);
      try {
        await resumed.setOptimizerState(saved.optimizerState);
        await trainStep(straight, [0.25, 0.25, 0.25, 0.25, -1, -1, -1, -1]);
        await trainStep(resumed, [0.25, 0.25, 0.25, 0.25, -1, -1, -1, -1]);
        expectSameTensors(await resumed.weights(), await straight.weights());
        expectSameTensors((await resumed.optimizerState()).v, (await straight.optimizerState()).v);
        expect((await resumed.optimizerState()).step).toBe(3);
      } finally {
        await resumed.dispose();
      }
    } finally {
      await straight.dispose();
    }
  });
});
