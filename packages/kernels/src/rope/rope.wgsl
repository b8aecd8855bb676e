// Rotary position embedding, Hugging Face rotate-half convention, forward and backward, f32.
// x, out: [tokens, heads, headDim] row-major; table: [tokens, headDim] with cos in the first half of
// each row and sin in the second half (computed on the host from the reference's f32-rounded angles,
// so large positions get HF's angle and an accurate cos/sin: the shader never evaluates sin/cos,
// whose Vulkan precision is only absolute 2⁻¹¹ on [−π, π]).
// One invocation per (token, head, i < headDim/2) pair: a = x_i, b = x_{i+d/2},
//   forward  out_i = a·c − b·s,  out_{i+d/2} = b·c + a·s
//   backward (BACKWARD = true, the transpose) dx_i = a·c + b·s, dx_{i+d/2} = b·c − a·s.
// Each output is two products and one add (≤ 2 roundings, or 1 with FMA contraction): no reduction.

struct Params {
  tokens: u32,
  heads: u32,
  halfDim: u32,
  groupsX: u32,
}

override BACKWARD: bool = false;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.y * (p.groupsX * WG) + gid.x;
  let pairs = p.tokens * p.heads * p.halfDim;
  if (idx >= pairs) {
    return;
  }
  let i = idx % p.halfDim;
  let th = idx / p.halfDim;
  let tok = th / p.heads;
  let o = th * 2u * p.halfDim;
  let c = table[tok * 2u * p.halfDim + i];
  var s = table[tok * 2u * p.halfDim + p.halfDim + i];
  if (BACKWARD) {
    s = -s;
  }
  let a = x[o + i];
  let b = x[o + i + p.halfDim];
  out[o + i] = a * c - b * s;
  out[o + i + p.halfDim] = b * c + a * s;
}
