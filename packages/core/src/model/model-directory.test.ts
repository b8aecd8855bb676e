import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWeights, parseDecoderConfig } from './config.js';
import { MODEL_FILES, ModelDirectoryError, readModelDirectory, writeModelDirectory } from './model-directory.js';
import { readSafetensorsSync, writeSafetensors } from './safetensors.js';

const config = parseDecoderConfig({
  model_type: 'llama',
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  intermediate_size: 24,
  vocab_size: 11,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
});
const weights = initWeights(config, 3);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-model-dir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(work: () => unknown): ModelDirectoryError {
  try {
    work();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelDirectoryError);
    return e as ModelDirectoryError;
  }
  throw new Error('expected a ModelDirectoryError');
}

describe('writeModelDirectory / readModelDirectory', () => {
  it('round-trips config, extra config keys, metadata and every tensor bit for bit, leaving no temporary files', () => {
    writeModelDirectory(join(dir, 'm'), config, weights, { extraConfig: { eos_token_id: 2, hidden_size: 999 }, metadata: { command: 'rlvr pretrain' } });
    expect(readdirSync(join(dir, 'm')).sort()).toEqual([MODEL_FILES.config, MODEL_FILES.weights]);
    const read = readModelDirectory(join(dir, 'm'));
    expect(read.config).toEqual(config);
    // The decoder's own keys win over extras with the same name.
    expect(read.configJson.eos_token_id).toBe(2);
    expect(read.configJson.hidden_size).toBe(16);
    expect(Object.keys(read.weights).sort()).toEqual(Object.keys(weights).sort());
    for (const [name, t] of Object.entries(weights)) {
      expect(read.weights[name]!.shape).toEqual(t.shape);
      expect(Buffer.from(read.weights[name]!.data.buffer, read.weights[name]!.data.byteOffset, t.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
    }
    expect(readSafetensorsSync(join(dir, 'm', MODEL_FILES.weights)).metadata).toEqual({ format: 'pt', command: 'rlvr pretrain' });
  });

  it('reads sharded checkpoints through model.safetensors.index.json', () => {
    writeFileSync(
      join(dir, MODEL_FILES.config),
      JSON.stringify({
        model_type: 'llama',
        hidden_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        intermediate_size: 24,
        vocab_size: 11,
        rms_norm_eps: 1e-5,
        rope_theta: 10000,
        tie_word_embeddings: false,
      }),
    );
    const names = Object.keys(weights).sort();
    const half = Math.ceil(names.length / 2);
    const shards = [names.slice(0, half), names.slice(half)];
    const map: Record<string, string> = {};
    shards.forEach((list, k) => {
      const file = `model-0000${k + 1}-of-00002.safetensors`;
      writeSafetensors(join(dir, file), Object.fromEntries(list.map((n) => [n, weights[n]!])));
      for (const n of list) map[n] = file;
    });
    writeFileSync(join(dir, MODEL_FILES.index), JSON.stringify({ metadata: {}, weight_map: map }));
    const read = readModelDirectory(dir);
    expect(Object.keys(read.weights).sort()).toEqual(names);
    for (const n of names) expect(Array.from(read.weights[n]!.data)).toEqual(Array.from(weights[n]!.data));
  });

  it('names the file at fault: missing config, invalid JSON, bad config key, no weights, bad index, missing shard or tensor', () => {
    expect(errorOf(() => readModelDirectory(dir)).message).toMatch(/config\.json: missing/);
    writeFileSync(join(dir, MODEL_FILES.config), '{"model_type": ');
    expect(errorOf(() => readModelDirectory(dir)).message).toMatch(/config\.json: not valid JSON/);
    writeFileSync(join(dir, MODEL_FILES.config), JSON.stringify({ model_type: 'llama' }));
    expect(errorOf(() => readModelDirectory(dir)).message).toMatch(/config\.json: .*hidden_size/);
    writeModelDirectory(join(dir, 'ok'), config, weights);
    writeFileSync(join(dir, MODEL_FILES.config), readFileSync(join(dir, 'ok', MODEL_FILES.config)));
    const noWeights = errorOf(() => readModelDirectory(dir));
    expect(noWeights.message).toMatch(/no weights \(expected model\.safetensors or model\.safetensors\.index\.json\)/);
    writeFileSync(join(dir, MODEL_FILES.index), JSON.stringify({ weight_map: { 'lm_head.weight': '../elsewhere.safetensors' } }));
    expect(errorOf(() => readModelDirectory(dir)).message).toMatch(/weight_map\["lm_head\.weight"\] must be a file name/);
    writeFileSync(join(dir, MODEL_FILES.index), JSON.stringify({ weight_map: { 'lm_head.weight': 'gone.safetensors' } }));
    expect(errorOf(() => readModelDirectory(dir)).message).toMatch(/shard gone\.safetensors \(holding lm_head\.weight\) does not exist/);
    writeSafetensors(join(dir, 'a.safetensors'), { 'model.norm.weight': weights['model.norm.weight']! });
    writeFileSync(join(dir, MODEL_FILES.index), JSON.stringify({ weight_map: { 'lm_head.weight': 'a.safetensors' } }));
    const missing = errorOf(() => readModelDirectory(dir));
    expect(missing.message).toMatch(/a\.safetensors: the index puts lm_head\.weight here/);
    expect(missing.path).toBe(join(dir, 'a.safetensors'));
  });
});
