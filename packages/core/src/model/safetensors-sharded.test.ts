import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWeights, parseDecoderConfig } from './config.js';
import { ModelDirectoryError, readModelDirectory, writeModelDirectory } from './model-directory.js';
import { SafetensorsError, readSafetensorsSync, type NamedTensors } from './safetensors.js';
import { DEFAULT_MAX_SHARD_BYTES, planShards, readSafetensorsSharded, visitSafetensorsSharded, writeSafetensorsSharded } from './safetensors-sharded.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-st-sharded-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ones = (n: number) => ({ shape: [n], data: new Float32Array(n).fill(1) });

function expectSame(actual: NamedTensors, expected: NamedTensors): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, t] of Object.entries(expected)) {
    expect(actual[name]!.shape).toEqual(t.shape);
    expect(Buffer.from(actual[name]!.data.buffer, actual[name]!.data.byteOffset, actual[name]!.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
  }
}

describe('planShards', () => {
  it('assigns in order as save_pretrained does: a shard closes before the tensor that would overflow it, an oversized tensor gets its own', () => {
    // Sizes 6, 10, 30, 2, 2 (× 4 bytes) with a limit of 10 (× 4): worked out by hand from the rule.
    const tensors = { layer_1: ones(6), layer_2: ones(10), layer_3: ones(30), layer_4: ones(2), layer_5: ones(2) };
    expect(planShards(tensors, 40)).toEqual([['layer_1'], ['layer_3'], ['layer_2'], ['layer_4', 'layer_5']]);
    expect(planShards(tensors, 200)).toEqual([['layer_1', 'layer_2', 'layer_3', 'layer_4', 'layer_5']]);
    expect(planShards({}, 40)).toEqual([[]]);
    expect(DEFAULT_MAX_SHARD_BYTES).toBe(5e9);
    expect(() => planShards(tensors, 0)).toThrow(SafetensorsError);
  });
});

describe('writeSafetensorsSharded / readSafetensorsSharded', () => {
  const config = parseDecoderConfig({
    model_type: 'qwen2',
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    intermediate_size: 24,
    vocab_size: 23,
    tie_word_embeddings: false,
  });
  const weights = initWeights(config, 7, 0.2);
  const total = Object.values(weights).reduce((n, t) => n + t.data.byteLength, 0);

  it("writes save_pretrained's layout (shards, sorted index with total_size) and reads it back bit for bit", () => {
    const paths = writeSafetensorsSharded(dir, 'model', weights, { metadata: { format: 'pt' }, maxShardBytes: 2048 });
    const plan = planShards(weights, 2048);
    expect(plan.length).toBeGreaterThan(2);
    const n = String(plan.length).padStart(5, '0');
    const shardFiles = plan.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${n}.safetensors`);
    expect(paths).toEqual([...shardFiles, 'model.safetensors.index.json'].map((f) => join(dir, f)));
    expect(readdirSync(dir).sort()).toEqual([...shardFiles, 'model.safetensors.index.json'].sort());
    const indexText = readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8');
    const index = JSON.parse(indexText) as { metadata: { total_size: number }; weight_map: Record<string, string> };
    expect(index.metadata).toEqual({ total_size: total });
    expect(Object.keys(index.weight_map)).toEqual(Object.keys(weights).sort());
    plan.forEach((names, i) => {
      for (const name of names) expect(index.weight_map[name]).toBe(shardFiles[i]);
      const shard = readSafetensorsSync(join(dir, shardFiles[i]!));
      expect(Object.keys(shard.tensors).sort()).toEqual([...names].sort());
      expect(shard.metadata).toEqual({ format: 'pt' });
    });
    expect(indexText).toBe(`${JSON.stringify(index, null, 2)}\n`);
    const back = readSafetensorsSharded(dir, 'model');
    expectSame(back.tensors, weights);
    expect(back.metadata).toEqual({ format: 'pt' });
  });

  it('visitSafetensorsSharded hands over each tensor as it is read, sharded or single, once each and bit for bit', () => {
    for (const maxShardBytes of [2048, DEFAULT_MAX_SHARD_BYTES]) {
      const sub = join(dir, String(maxShardBytes));
      mkdirSync(sub);
      writeSafetensorsSharded(sub, 'model', weights, { metadata: { step: '3' }, maxShardBytes });
      const seen: NamedTensors = {};
      const metadata = visitSafetensorsSharded(sub, 'model', (name, tensor) => {
        expect(seen[name]).toBeUndefined();
        seen[name] = tensor;
      });
      expectSame(seen, weights);
      expect(metadata).toEqual({ step: '3' });
    }
  });

  it('a model directory written sharded loads through readModelDirectory; rewriting it in the other layout removes the stale files', () => {
    writeModelDirectory(dir, config, weights, { maxShardBytes: 4096 });
    expect(readdirSync(dir)).toContain('model.safetensors.index.json');
    expectSame(readModelDirectory(dir).weights, weights);
    writeModelDirectory(dir, config, weights);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    writeModelDirectory(dir, config, weights, { maxShardBytes: 8192 });
    expect(readdirSync(dir).filter((f) => f.startsWith('model')).length).toBe(planShards(weights, 8192).length + 1);
    expect(readdirSync(dir)).not.toContain('model.safetensors');
    expectSame(readModelDirectory(dir).weights, weights);
  });

  it('refuses invalid tensors before writing any file, and names a set that is missing', () => {
    const bad = { ...weights, 'model.norm.weight': { shape: [3], data: new Float32Array(2) } };
    expect(() => writeSafetensorsSharded(dir, 'model', bad, { maxShardBytes: 1024 })).toThrow(/model\.norm\.weight.*3 elements but data has 2/);
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(join(dir, 'x'), '');
    let caught: unknown;
    try {
      readSafetensorsSharded(dir, 'optimizer', 'AdamW moments');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ModelDirectoryError);
    expect((caught as Error).message).toBe(`${dir}: no AdamW moments (expected optimizer.safetensors or optimizer.safetensors.index.json)`);
  });
});
