// AdamW (PyTorch torch.optim.AdamW, non-amsgrad) over one flat parameter, in place on param, m, v:
//   p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//   p ← p − stepSize · m / (sqrt(v) / bc2Sqrt + eps),  stepSize = lr/(1 − β1^t), bc2Sqrt = sqrt(1 − β2^t)
// One invocation per element, no barriers. The step-dependent scalars (decay, 1 − β1, 1 − β2,
// stepSize, bc2Sqrt) are computed on the host in f64 and passed as f32 bits in the uniform block, so
// the shader does no pow. Numerics: f32, a handful of roundings per element per step (sqrt and
// division a few ulp each in Vulkan). NaN/∞ gradients propagate into m, v and p, as in the reference.

struct Params {
  n: u32,
  decay: u32,     // f32 bits: 1 − lr·wd
  beta1: u32,     // f32 bits
  omb1: u32,      // f32 bits: 1 − β1
  beta2: u32,     // f32 bits
  omb2: u32,      // f32 bits: 1 − β2
  stepSize: u32,  // f32 bits: lr / (1 − β1^t)
  bc2Sqrt: u32,   // f32 bits: sqrt(1 − β2^t)
  eps: u32,       // f32 bits
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  let g = grad[i];
  let pd = param[i] * bitcast<f32>(p.decay);
  let mi = bitcast<f32>(p.beta1) * m[i] + bitcast<f32>(p.omb1) * g;
  let vi = bitcast<f32>(p.beta2) * v[i] + bitcast<f32>(p.omb2) * (g * g);
  m[i] = mi;
  v[i] = vi;
  param[i] = pd - bitcast<f32>(p.stepSize) * mi / (sqrt(vi) / bitcast<f32>(p.bc2Sqrt) + bitcast<f32>(p.eps));
}
