/**
 * LoRA's input dropout as a pure function of (key, site, element): each element is kept when a 32-bit
 * hash of the three is at least p·2³², and kept values are scaled by 1/(1 − p) (inverted dropout, as
 * torch.nn.Dropout). No generator state, so a re-run forward and a resumed run draw the same masks.
 */

/** A 32-bit avalanche mix (the "lowbias32" finaliser). */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** x with dropout p under (`key`, `salt`) applied, as a fresh array of x's kind. */
export function dropoutApply<T extends Float32Array | Float64Array>(x: T, p: number, key: number, salt: number): T {
  const out = new (x.constructor as new (n: number) => T)(x.length);
  const threshold = p * 4294967296;
  const keep = 1 / (1 - p);
  const base = mix((key >>> 0) ^ mix(salt + 0x9e3779b9));
  for (let i = 0; i < x.length; i++) out[i] = mix(base ^ i) >= threshold ? x[i]! * keep : 0;
  return out;
}

/** dx of {@link dropoutApply} under the same (`key`, `salt`), in place on `dy`. */
export function dropoutBackwardInPlace<T extends Float32Array | Float64Array>(
  dy: T,
  p: number,
  key: number,
  salt: number,
): T {
  const threshold = p * 4294967296;
  const keep = 1 / (1 - p);
  const base = mix((key >>> 0) ^ mix(salt + 0x9e3779b9));
  for (let i = 0; i < dy.length; i++) dy[i] = mix(base ^ i) >= threshold ? dy[i]! * keep : 0;
  return dy;
}
