import { SamplerError } from '../errors.js';
import { DecodeCache } from './decode-cache.js';

describe('DecodeCache (shared layout)', () => {
  const g = { numLayers: 1, numKvHeads: 1, headDim: 2 };
  const prefill = { length: 1, keys: [new Float32Array([1, 2])], values: [new Float32Array([3, 4])] };

  test('takes one generated token per slot and refuses one more than it was sized for, by class', () => {
    const cache = DecodeCache.fromPrefills('shared', g, [prefill], [0], 1);
    cache.advance([new Float32Array([5, 6])], [new Float32Array([7, 8])]);
    expect(cache.length).toBe(1);
    // Values [B, kvH, capacity, D]; keys transposed [B, kvH, D, capacity] (capacity 1: the same order).
    expect(Array.from(cache.values[0]!)).toEqual([7, 8]);
    expect(Array.from(cache.keys[0]!)).toEqual([5, 6]);
    let error: unknown;
    try {
      cache.advance([new Float32Array([9, 9])], [new Float32Array([9, 9])]);
    } catch (e) {
      error = e;
    }
    expect(SamplerError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/DecodeCache\.advance: the generated-token KV cache is full \(1 slots, the `generated` given to fromPrefills\)/);
    expect(cache.length).toBe(1);
  });
});
