// Residual add, element-wise over flat arrays of n elements, one invocation per element; two entry
// points sharing the uniforms and the indexing:
//   main:     y = a + b (the forward's residual stream; y distinct from a and b).
//   add_into: y += b in place (a backward summing two branches into one gradient). WebGPU forbids
//             binding one buffer range writable and read-only in the same dispatch, so the in-place
//             form reads and writes y itself and leaves binding 0 (a) out of its auto layout.
// Numerics: one correctly rounded f32 addition (Vulkan requires it), which is exactly the reference's
// f64 sum rounded once to f32 — the GPU result is bit-exact. NaN/±∞ follow IEEE.
// The backward of y = a + b needs no kernel: da = db = dy (residualAddBackwardGpu copies buffers when
// the caller needs separate tensors; usually dy is simply passed on to both branches).

struct Params {
  n: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn element(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = element(gid, nwg);
  if (i >= p.n) {
    return;
  }
  y[i] = a[i] + b[i];
}

@compute @workgroup_size(WG)
fn add_into(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = element(gid, nwg);
  if (i >= p.n) {
    return;
  }
  y[i] = y[i] + b[i];
}
