// RMSNorm (Llama/Qwen2): y = x · rstd · w with rstd = 1/sqrt(mean(x²) + eps), per row of [rows, hidden].
//
// Algorithm: one invocation per row for `forward` and `backward_dx` (a sequential loop over the row):
// no workgroup memory and no barriers, which is what is fast on llvmpipe, and rows = batch·seq tokens
// give thousands of invocations at training shapes. `backward_dw` is the column reduction
// dweight_j = Σ_r dy[r,j]·x[r,j]·rstd[r], done deterministically by one invocation per column looping
// over the rows in order (no atomics: the result is bit-reproducible run to run).
// Numerics: f32 throughout; mean(x²) and Σ g·x are plain sequential f32 sums (error ≤ γ_hidden times
// the sum of magnitudes); rstd is stored per row by `forward` and reused by the backward passes.
// NaN/∞ in a row propagate to that row's outputs, as in the reference.

struct Params {
  rows: u32,
  hidden: u32,
  eps: u32, // f32 bits
  pad: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat(gid, nwg);
  if (r >= p.rows) {
    return;
  }
  let o = r * p.hidden;
  var ss = 0.0;
  for (var j = 0u; j < p.hidden; j++) {
    let v = x[o + j];
    ss += v * v;
  }
  let s = 1.0 / sqrt(ss / f32(p.hidden) + bitcast<f32>(p.eps));
  rstd[r] = s;
  for (var j = 0u; j < p.hidden; j++) {
    y[o + j] = x[o + j] * s * w[j];
  }
}
