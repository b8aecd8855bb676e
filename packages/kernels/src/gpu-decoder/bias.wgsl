// Row-broadcast bias add, in place: y[r, j] += bias[j] for y [rows, n] row-major; one invocation per
// element. The decoder's Linear layers need y = x·Wᵀ + b and the matmul kernel has no epilogue, while
// the residual kernel only adds equal-sized arrays (and may not alias its output), hence this kernel.
// Numerics: one correctly rounded f32 add, exactly what the reference's addBias does.

struct Params {
  rows: u32,
  n: u32,
  pad0: u32,
  pad1: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.rows * p.n) {
    return;
  }
  y[i] = y[i] + bias[i % p.n];
}
