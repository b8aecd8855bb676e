// In-place accumulation a[i] += b[i] over n elements; one invocation per element. The backward sums
// several branches into one gradient (dn1 = dq·Wq + dk·Wk + dv·Wv, dx += RMSNorm's dx) and the residual
// kernel may not alias its output, hence this kernel. Numerics: one correctly rounded f32 add, exactly
// the reference's addInto on Float32 storage.

struct Params {
  n: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read_write> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  a[i] = a[i] + b[i];
}
