import { SamplerError } from '../errors.js';
import { CACHE_CHUNK, DecodeCache } from './decode-cache.js';

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

  test('grows in chunks up to the limit, keeping every filled slot in place', () => {
    const g2 = { numLayers: 1, numKvHeads: 2, headDim: 2 };
    const two = { length: 1, keys: [new Float32Array(4)], values: [new Float32Array(4)] };
    const steps = CACHE_CHUNK + 2;
    const cache = DecodeCache.fromPrefills('shared', g2, [two], [0, 0], steps);
    expect(cache.capacity).toBe(CACHE_CHUNK);
    // Token t of row r, head h: key (100r + 10h + t, −that), value (that, 0.5 · that).
    const at = (r: number, h: number, t: number): number => 100 * r + 10 * h + t;
    for (let t = 0; t < steps; t++) {
      const k = new Float32Array(8);
      const v = new Float32Array(8);
      for (let r = 0; r < 2; r++) {
        for (let h = 0; h < 2; h++) {
          const x = at(r, h, t);
          k.set([x, -x], (r * 2 + h) * 2);
          v.set([x, 0.5 * x], (r * 2 + h) * 2);
        }
      }
      cache.advance([k], [v]);
    }
    expect(cache.capacity).toBe(steps);
    const cap = cache.capacity;
    for (let r = 0; r < 2; r++) {
      for (let h = 0; h < 2; h++) {
        for (let t = 0; t < steps; t++) {
          const x = at(r, h, t);
          const rh = r * 2 + h;
          // Keys [B, kvH, D, capacity]; values [B, kvH, capacity, D].
          expect([cache.keys[0]![rh * 2 * cap + t], cache.keys[0]![(rh * 2 + 1) * cap + t]]).toEqual([x, -x]);
          expect([cache.values[0]![(rh * cap + t) * 2], cache.values[0]![(rh * cap + t) * 2 + 1]]).toEqual([x, 0.5 * x]);
        }
      }
    }
  });

  test('slots: a prompt-major grid as wide as the largest group; every row in exactly one slot', () => {
    const one = { length: 1, keys: [new Float32Array(2)], values: [new Float32Array(2)] };
    const cache = DecodeCache.fromPrefills('shared', g, [one, one, one], [2, 0, 2, 2, 0], 1);
    const { slotRow, rowSlot, perPrompt } = cache.slots();
    expect(perPrompt).toBe(3);
    // Prompt 0: rows 1, 4; prompt 1: none (unused slots name row 0); prompt 2: rows 0, 2, 3.
    expect(Array.from(slotRow, Number)).toEqual([1, 4, 0, 0, 0, 0, 0, 2, 3]);
    expect(Array.from(rowSlot, Number)).toEqual([6, 0, 7, 8, 1]);
  });
});
