/** The error bound of the WGSL RoPE against the f64 reference. */

/**
 * Tolerance of a RoPE output element against the f64 reference: 4u·g·(|a| + |b|) + 1e-30 for the pair
 * (a, b) it mixes, u = 2⁻²⁴, g the cos/sin gain (YaRN's attention factor, else 1). Why: c and s are
 * rounded once to f32 (relative u each), the two products and the sum add ≤ 2 roundings, so
 * |err| ≤ 3u·(|a·c| + |b·s|) + u·|out| ≤ 4u·g·(|a| + |b|) as |c|, |s| ≤ g.
 * A wrong pairing, sign or position gives errors of order |a| + |b| itself.
 */
export function ropeTolerance(x: Float32Array, headDim: number, gain = 1): Float64Array {
  const half = headDim / 2;
  const tol = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += headDim) {
    for (let i = 0; i < half; i++) {
      const t = 4 * 2 ** -24 * gain * (Math.abs(x[o + i]!) + Math.abs(x[o + i + half]!)) + 1e-30;
      tol[o + i] = t;
      tol[o + i + half] = t;
    }
  }
  return tol;
}
