import fc from 'fast-check';
import { SeededRandom } from '@rlvr/core';
import { argmax, drawToken, keepsAll, keptTokens, logSoftmax } from './distribution.js';
import { findStop } from './stop.js';
import { resolveOptions } from './options.js';
import { GenerationError } from '../errors.js';

const logitsArb = fc
  .array(fc.float({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 })
  // A few exact ties make the tie-breaking rule matter.
  .map((xs) => xs.map((x, i) => (i % 7 === 3 ? xs[0]! : Math.fround(x))));

/** Probabilities computed independently of logSoftmax (plain exp / sum in f64). */
function probs(logits: number[], temperature: number): number[] {
  const e = logits.map((l) => Math.exp(l / temperature));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** Most likely first, ties by lower id: the order every truncation refers to. */
function order(p: number[]): number[] {
  return p.map((_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
}

describe('next-token distribution (property tests)', () => {
  it('logSoftmax(logits, T) = log(exp(l/T) / Σ exp(l/T))', () => {
    fc.assert(
      fc.property(logitsArb, fc.double({ min: 0.05, max: 5, noNaN: true }), (logits, t) => {
        const lp = logSoftmax(Float32Array.from(logits), t);
        const p = probs(Array.from(Float32Array.from(logits)), t);
        p.forEach((pi, i) => expect(Math.exp(lp[i]!)).toBeCloseTo(pi, 12));
      }),
    );
  });

  it('top-k keeps exactly the k most likely tokens', () => {
    fc.assert(
      fc.property(logitsArb, fc.integer({ min: 1, max: 45 }), (logits, k) => {
        const lp = logSoftmax(Float32Array.from(logits));
        const kept = keptTokens(lp, { topK: k, topP: 1, minP: 0 });
        const expected = order(Array.from(lp)).slice(0, k);
        expect(kept).toEqual(expected);
        const keptSet = new Set(kept);
        const minKept = Math.min(...kept.map((i) => lp[i]!));
        for (let i = 0; i < lp.length; i++) if (!keptSet.has(i)) expect(lp[i]!).toBeLessThanOrEqual(minKept);
      }),
    );
  });

  it('top-p keeps the shortest most-likely-first prefix reaching p (after top-k, renormalised)', () => {
    fc.assert(
      fc.property(logitsArb, fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 0, max: 10 }), (logits, p, k) => {
        const lp = logSoftmax(Float32Array.from(logits));
        const kept = keptTokens(lp, { topK: k, topP: p, minP: 0 });
        const pool = order(Array.from(lp)).slice(0, k > 0 ? k : undefined);
        const poolMass = pool.reduce((s, i) => s + Math.exp(lp[i]!), 0);
        // With nothing to truncate (p = 1, no top-k) nothing is ranked: every id is kept, in id order.
        if (keepsAll({ topK: k, topP: p, minP: 0 })) expect(kept).toEqual(Array.from(lp.keys()));
        else expect(kept).toEqual(pool.slice(0, kept.length));
        const mass = (ids: number[]): number => ids.reduce((s, i) => s + Math.exp(lp[i]!), 0) / poolMass;
        expect(mass(kept)).toBeGreaterThanOrEqual(Math.min(p, 1) - 1e-12);
        expect(mass(kept.slice(0, -1))).toBeLessThan(p);
      }),
    );
  });

  it('min-p keeps exactly the tokens with probability ≥ minP · max probability', () => {
    fc.assert(
      fc.property(logitsArb, fc.double({ min: 0, max: 0.99, noNaN: true }), (logits, minP) => {
        const lp = logSoftmax(Float32Array.from(logits));
        const p = Array.from(lp, Math.exp);
        const pmax = Math.max(...p);
        const kept = new Set(keptTokens(lp, { topK: 0, topP: 1, minP }));
        // Compare in log space as the implementation does; skip values within rounding of the threshold.
        p.forEach((pi, i) => {
          if (Math.abs(pi - minP * pmax) < 1e-12) return;
          expect(kept.has(i)).toBe(pi >= minP * pmax);
        });
      }),
    );
  });

  it('drawToken only returns kept tokens, with the renormalised probabilities (chi-square)', () => {
    const lp = logSoftmax(Float32Array.from([2, 1.5, 1, 0.2, -1, 0.8]), 0.7);
    const kept = keptTokens(lp, { topK: 4, topP: 1, minP: 0 });
    const rng = new SeededRandom(11);
    const n = 20000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const t = drawToken(lp, kept, rng);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...kept].sort());
    const mass = kept.reduce((s, i) => s + Math.exp(lp[i]!), 0);
    const chi2 = kept.reduce((s, i) => {
      const e = (n * Math.exp(lp[i]!)) / mass;
      return s + ((counts.get(i) ?? 0) - e) ** 2 / e;
    }, 0);
    expect(chi2).toBeLessThan(16.27); // χ²(3 df) at p = 0.001
  });

  it('drawToken without truncation (kept = null) samples the full distribution (chi-square)', () => {
    expect(keepsAll({ topK: 0, topP: 1, minP: 0 })).toBe(true);
    expect(keepsAll({ topK: 0, topP: 0.99, minP: 0 })).toBe(false);
    const lp = logSoftmax(Float32Array.from([0.5, -1, 2, 0, 1.2, -3, 0.1]), 1.3);
    const rng = new SeededRandom(12);
    const n = 20000;
    const counts = new Array<number>(lp.length).fill(0);
    for (let i = 0; i < n; i++) counts[drawToken(lp, null, rng)]!++;
    const chi2 = counts.reduce((s, c, i) => s + (c - n * Math.exp(lp[i]!)) ** 2 / (n * Math.exp(lp[i]!)), 0);
    expect(chi2).toBeLessThan(22.46); // χ²(6 df) at p = 0.001
  });

  it('argmax takes the lowest index among ties', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax(Float32Array.from([9, 1, 2, 9, 0]), 1, 4)).toBe(2);
  });
});

/** The truncations as first written: rank the whole vocabulary with one comparison sort, then cut. The reference for the partial selection. */
function fullSortKept(logprobs: Float64Array, topK: number, topP: number, minP: number): number[] {
  const order = Array.from({ length: logprobs.length }, (_, i) => i).sort((a, b) => logprobs[b]! - logprobs[a]! || a - b);
  let kept = topK > 0 ? order.slice(0, topK) : order;
  if (topP < 1) {
    let mass = 0;
    for (const id of kept) mass += Math.exp(logprobs[id]!);
    let cumulative = 0;
    let count = 0;
    while (count < kept.length) {
      cumulative += Math.exp(logprobs[kept[count]!]!) / mass;
      count++;
      if (cumulative >= topP) break;
    }
    kept = kept.slice(0, count);
  }
  if (minP > 0) {
    const threshold = logprobs[kept[0]!]! + Math.log(minP);
    kept = kept.filter((id) => logprobs[id]! >= threshold);
  }
  return kept;
}

describe('partial selection (top-k heap, top-p above the crossing value) equals ranking the whole vocabulary', () => {
  // Vocabularies up to 600 tokens drawn from few distinct values (many ties), a few -∞ (masked logits), and p = 1 - tiny.
  const tiedLogitsArb = fc
    .tuple(fc.array(fc.float({ min: -6, max: 6, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 600 }), fc.integer())
    .map(([values, n, seed]) => {
      const rng = new SeededRandom(seed >>> 0);
      return Array.from({ length: n }, () => (rng.next() < 0.03 ? -Infinity : values[Math.floor(rng.next() * values.length)]!));
    })
    .filter((xs) => xs.some((x) => x > -Infinity));
  const pArb = fc.oneof(fc.double({ min: 0.001, max: 1, noNaN: true }), fc.constant(1 - 1e-15), fc.constant(1));

  it.each([
    ['random logits', logitsArb],
    ['tied logits and -∞', tiedLogitsArb],
  ])('%s: same ids in the same order for top-k, top-p, both, and with min-p', (_, arb) => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 700 }), pArb, fc.constantFrom(0, 0, 0.05, 0.5), (logits, k, p, minP) => {
        const lp = logSoftmax(Float64Array.from(logits));
        // Without top-k and top-p nothing is ranked: min-p's survivors come in id order.
        const unranked = k === 0 && p >= 1;
        const expected = unranked ? fullSortKept(lp, 0, 1, minP).sort((a, b) => a - b) : fullSortKept(lp, k, p, minP);
        expect(keptTokens(lp, { topK: k, topP: p, minP })).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('the same RNG stream draws the same tokens from the partial and the full ranking', () => {
    const rng = new SeededRandom(3);
    const logits = Float32Array.from({ length: 2048 }, () => Math.round((rng.next() - 0.5) * 16 * 4) / 4); // quarter steps: many ties
    const lp = logSoftmax(logits, 0.8);
    for (const [topK, topP] of [
      [50, 1],
      [0, 0.9],
      [200, 0.95],
      [1, 1],
      [2048, 0.5],
    ] as const) {
      const fast = new SeededRandom(9);
      const slow = new SeededRandom(9);
      const kept = keptTokens(lp, { topK, topP, minP: 0 });
      const reference = fullSortKept(lp, topK, topP, 0);
      expect(kept).toEqual(reference);
      for (let i = 0; i < 200; i++) expect(drawToken(lp, kept, fast)).toBe(drawToken(lp, reference, slow));
    }
  });
});

describe('stop strings and options', () => {
  it('findStop finds the earliest of several stop strings, ignoring empty ones', () => {
    expect(findStop('abc</answer>xyz<|x', ['<|x', '</answer>', ''])).toBe(3);
    expect(findStop('abc', ['abcd'])).toBe(-1);
  });

  it('resolveOptions fills defaults, maps temperature 0 to greedy and names a bad option', () => {
    expect(resolveOptions({})).toEqual({ groupSize: 1, maxNewTokens: 64, temperature: 1, topK: 0, topP: 1, minP: 0, stop: [], seed: 0, greedy: false });
    expect(resolveOptions({ temperature: 0 }).greedy).toBe(true);
    expect(() => resolveOptions({ topP: 0 })).toThrow(new GenerationError('topP = 0 is invalid; expected a number in (0, 1] (1 = off)'));
    expect(() => resolveOptions({ groupSize: 2.5 })).toThrow(/groupSize = 2\.5/);
    expect(() => resolveOptions({ temperature: Number.NaN })).toThrow(/temperature = NaN/);
    expect(() => resolveOptions({ minP: 1 })).toThrow(/minP = 1/);
    expect(() => resolveOptions({ stop: ['a', 3 as unknown as string] })).toThrow(/stop: expected an array of strings/);
  });
});
