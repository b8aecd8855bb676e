// Causal self-attention forward with grouped-query heads and a padding mask (f32).
//
// Algorithm: one invocation per (batch, head, query) row, r indexing lse's [batch, numHeads, seq]
// layout. Query head h reads kv head g = h / (numHeads / numKvHeads) (HF repeat_kv). The row loops
// over keys j = 0..i, skipping padded keys (mask[b, j] = 0), with an online softmax: a running max m,
// a running sum l = Σ exp(s_j − m) and an unnormalised accumulator acc = Σ exp(s_j − m)·v_j, both
// rescaled by exp(m_old − m_new) when the max grows; o = acc / l, lse = m + log(l). No workgroup
// memory, no barriers (slow on llvmpipe); the query and the accumulator sit in private arrays of
// MAX_HEAD_DIM floats whose loops are bounded by the override HEAD_DIM, so a driver that unrolls them
// keeps both in registers.
// Numerics: s_j = (q·k_j)·(1/√HEAD_DIM), a sequential f32 dot product; the first allowed key starts the
// running max, so no −∞ arithmetic happens and masking never makes NaN. A row with no allowed key
// (left padding, a fully padded sequence) writes o = 0 and lse = −∞. NaN/∞ in q, k, v propagate.

struct Params {
  batch: u32,
  seq: u32,
  num_heads: u32,
  num_kv_heads: u32,
}

override WG: u32 = 64u;
override HEAD_DIM: u32 = 64u;
const MAX_HEAD_DIM: u32 = 128u;

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<u32>;
@group(0) @binding(4) var<storage, read_write> o: array<f32>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// −∞ from a runtime value (a constant −∞ is a shader-creation error in WGSL).
fn neg_inf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat(gid, nwg);
  if (r >= p.batch * p.num_heads * p.seq) {
    return;
  }
  let i = r % p.seq;
  let bh = r / p.seq;
  let h = bh % p.num_heads;
  let b = bh / p.num_heads;
  let g = h / (p.num_heads / p.num_kv_heads);
  let scale = 1.0 / sqrt(f32(HEAD_DIM));
  let qo = ((b * p.seq + i) * p.num_heads + h) * HEAD_DIM;

  var qv: array<f32, MAX_HEAD_DIM>;
  var acc: array<f32, MAX_HEAD_DIM>;
  for (var e = 0u; e < HEAD_DIM; e++) {
    qv[e] = q[qo + e];
    acc[e] = 0.0;
  }
  var m = 0.0;
  var l = 0.0;
  var seen = false;
  for (var j = 0u; j <= i; j++) {
    if (mask[b * p.seq + j] == 0u) {
      continue;
    }
    let ko = ((b * p.seq + j) * p.num_kv_heads + g) * HEAD_DIM;
    var dot = 0.0;
    for (var e = 0u; e < HEAD_DIM; e++) {
      dot += qv[e] * k[ko + e];
    }
    let s = dot * scale;
    if (!seen) {
      seen = true;
      m = s;
      l = 1.0;
      for (var e = 0u; e < HEAD_DIM; e++) {
        acc[e] = v[ko + e];
      }
    } else if (s > m) {
      let c = exp(m - s);
      m = s;
      l = l * c + 1.0;
      for (var e = 0u; e < HEAD_DIM; e++) {
        acc[e] = acc[e] * c + v[ko + e];
      }
    } else {
      let w = exp(s - m);
      l += w;
      for (var e = 0u; e < HEAD_DIM; e++) {
        acc[e] += w * v[ko + e];
      }
    }
  }
  if (!seen) {
    for (var e = 0u; e < HEAD_DIM; e++) {
      o[qo + e] = 0.0;
    }
    lse[r] = neg_inf();
    return;
  }
  for (var e = 0u; e < HEAD_DIM; e++) {
    o[qo + e] = acc[e] / l;
  }
  lse[r] = m + log(l);
}
