/**
 * tools/scripts/real-shapes.ts, run as a user runs it: SmolLM2-135M's published config cut to one layer
 * (the real widths and vocabulary; the full shapes are for the benchmark) loads as a model directory
 * whose tensors are BF16, and its stand-in tokenizer spans the real tokenizer's ids with the special
 * tokens where config.json names them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSafetensorsSync, parameterCount, readModelDirectory } from '@rlvr/core';
import { SamplerTokenizer } from '@rlvr/sampler';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'rlvr-real-shapes-'));
  execFileSync(join(ROOT, 'node_modules/.bin/tsx'), ['--conditions=@rlvr/source', join(ROOT, 'tools/scripts/real-shapes.ts'), out, 'smollm2-135m', '--layers', '1'], { cwd: ROOT, stdio: 'pipe' });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('real-shapes.ts', () => {
  it('writes the published config (one layer) and BF16 weights at its shapes, which load', () => {
    const dir = join(out, 'smollm2-135m');
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ hidden_size: 576, num_hidden_layers: 1, vocab_size: 49152, torch_dtype: 'bfloat16' });
    const { config, weights } = readModelDirectory(dir);
    const reader = openSafetensorsSync(join(dir, 'model.safetensors'));
    try {
      expect(reader.info('model.embed_tokens.weight')).toEqual({ dtype: 'BF16', shape: [49152, 576], byteLength: 49152 * 576 * 2 });
    } finally {
      reader.close();
    }
    expect(Object.values(weights).reduce((n, t) => n + t.data.length, 0)).toBe(parameterCount(config));
    // Seeded normal draws (std 0.02): not constant, and finite.
    const embed = weights['model.embed_tokens.weight']!.data;
    expect(embed.every(Number.isFinite)).toBe(true);
    expect(new Set(embed.subarray(0, 100)).size).toBeGreaterThan(50);
  });

  it("has a tokenizer of the real tokenizer's length, its special tokens at config.json's ids, text round-tripping", () => {
    const tokenizer = SamplerTokenizer.load(join(out, 'smollm2-135m'));
    expect(tokenizer.vocabSize).toBe(49152);
    expect(tokenizer.eosTokenIds).toEqual([0]);
    expect(tokenizer.encode('<|im_start|>user')[0]).toBe(1);
    const text = 'Tom has 3 apples and buys 4 more.';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });
});
