/**
 * LoRA's input dropout as a pure function of (key, site, element): each element is kept when a 32-bit
 * hash of the three is at least p·2³², and kept values are scaled by 1/(1 − p) (inverted dropout, as
 * torch.nn.Dropout). No generator state, so a re-run forward and a resumed run draw the same masks.
 */

/** The keep mask (1 = kept) of `n` elements under dropout `p` and (`key`, `salt`). */
export function dropoutMask(n: number, p: number, key: number, salt: number): Uint8Array {
  const mask = new Uint8Array(n);
  const threshold = p * 4294967296;
  // The "lowbias32" finaliser, inlined: a call per element costs more than the hash itself.
  let seed = ((key >>> 0) ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
  seed ^= seed >>> 16;
  seed = Math.imul(seed, 0x7feb352d);
  seed ^= seed >>> 15;
  for (let i = 0; i < n; i++) {
    let h = (seed ^ Math.imul(i, 0x846ca68b)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b);
    h ^= h >>> 16;
    mask[i] = h >>> 0 >= threshold ? 1 : 0;
  }
  return mask;
}

/** x ⊙ mask / (1 − p): a fresh array of x's kind (forward), or in place with `inPlace` (the backward's dx). */
export function applyDropoutMask<T extends Float32Array | Float64Array>(
  x: T,
  mask: Uint8Array,
  p: number,
  inPlace = false,
): T {
  const out = inPlace ? x : new (x.constructor as new (n: number) => T)(x.length);
  const keep = 1 / (1 - p);
  for (let i = 0; i < x.length; i++) out[i] = mask[i] === 1 ? x[i]! * keep : 0;
  return out;
}
