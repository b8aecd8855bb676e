// SwiGLU gating, element-wise over flat [tokens, intermediate]: h = silu(g)·up, silu(g) = g·σ(g).
//   `forward`:  h = silu(g)·up
//   `backward`: dgate = dh·up·σ(g)·(1 + g·(1 − σ(g))),  dup = dh·silu(g)
// One invocation per element (1-D index folded over x and y of the grid); no barriers.
// Numerics: f32. σ and 1 − σ are both formed from e = exp(−|g|) ∈ (0, 1] (σ = 1/(1+e) or e/(1+e)), so
// neither overflows nor cancels; exp's accuracy (Vulkan: 3 + 2|x| ulp) bounds the error. Gates below
// −120 are treated as −∞: silu and its derivative are 0 by the limit (|g|·e^g < 1e−50 there, below f32),
// which also avoids −∞·0 = NaN. NaN propagates (the comparison is false for NaN).

struct Params {
  n: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> gate: array<f32>;
@group(0) @binding(1) var<storage, read> up: array<f32>;
@group(0) @binding(2) var<storage, read> dh: array<f32>; // forward: unused
@group(0) @binding(3) var<storage, read_write> out0: array<f32>; // h, or dgate
@group(0) @binding(4) var<storage, read_write> out1: array<f32>; // dup (backward only)
@group(0) @binding(5) var<uniform> p: Params;

// (σ(g), 1 − σ(g)) without overflow or cancellation.
fn sig(g: f32) -> vec2<f32> {
  let e = exp(-abs(g));
  let d = 1.0 + e;
  if (g >= 0.0) {
    return vec2<f32>(1.0 / d, e / d);
  }
  return vec2<f32>(e / d, 1.0 / d);
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  let g = gate[i];
  var silu = 0.0;
  if (!(g < -120.0)) {
    silu = g * sig(g).x;
  }
  out0[i] = silu * up[i];
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  let g = gate[i];
  var silu = 0.0;
  var dsilu = 0.0;
  if (!(g < -120.0)) {
    let s = sig(g);
    silu = g * s.x;
    dsilu = s.x * (1.0 + g * s.y);
  }
  out0[i] = dh[i] * up[i] * dsilu;
  out1[i] = dh[i] * silu;
}
