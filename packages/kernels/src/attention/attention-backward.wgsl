// Causal GQA attention backward (f32), from dO, q, k, v, the mask and the forward's lse; three entry
// points recorded in order, none with workgroup memory, barriers or atomics (deterministic):
//   `delta_from_o`     D_i = dO_i · o_i, one invocation per (batch, head, query) row (lse layout);
//   `delta_recompute`  D_i = Σ_j p_ij (dO_i · v_j), the same without o (recomputes p);
//   `backward_dq`      dq_i = (1/√d) Σ_j ds_ij k_j, one invocation per query row, j = 0..i allowed;
//   `backward_dkv`     dk_j = (1/√d) Σ_{h ∈ group(g)} Σ_{i ≥ j} ds_ij q_i and dv_j = Σ Σ p_ij dO_i,
//                      one invocation per (batch, key, kv head) row, looping over the query heads of
//                      its group and the queries at or after the key, in a fixed order.
// with p_ij = exp(s_ij − lse_i) recomputed from the scores (never stored), dp_ij = dO_i · v_j and
// ds_ij = p_ij (dp_ij − D_i). Padded keys get dk = dv = 0. A query row with no allowed key has
// lse = −∞; it visits no key in `backward_dq` (dq = 0) and, since every allowed key j ≤ i gives row i
// a finite lse, `backward_dkv` never reads a −∞ lse: zero gradients, never NaN.
// Numerics: sequential f32 dot products and sums; private arrays of MAX_HEAD_DIM floats with loops
// bounded by the override HEAD_DIM (register-resident where the driver unrolls them).

struct Params {
  batch: u32,
  seq: u32,
  num_heads: u32,
  num_kv_heads: u32,
}

override WG: u32 = 64u;
override HEAD_DIM: u32 = 64u;
const MAX_HEAD_DIM: u32 = 128u;

@group(0) @binding(0) var<storage, read> d_o: array<f32>;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<u32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> o: array<f32>;
@group(0) @binding(7) var<storage, read_write> delta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dq: array<f32>;
@group(0) @binding(9) var<storage, read_write> dk: array<f32>;
@group(0) @binding(10) var<storage, read_write> dv: array<f32>;
@group(0) @binding(11) var<uniform> p: Params;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn scale() -> f32 {
  return 1.0 / sqrt(f32(HEAD_DIM));
}

// Offset of row (b, t, head) in a [batch, seq, heads, HEAD_DIM] tensor.
fn row(b: u32, t: u32, heads: u32, head: u32) -> u32 {
  return ((b * p.seq + t) * heads + head) * HEAD_DIM;
}

@compute @workgroup_size(WG)
fn delta_from_o(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat(gid, nwg);
  if (r >= p.batch * p.num_heads * p.seq) {
    return;
  }
  let i = r % p.seq;
  let h = (r / p.seq) % p.num_heads;
  let b = r / (p.seq * p.num_heads);
  let qo = row(b, i, p.num_heads, h);
  var acc = 0.0;
  for (var e = 0u; e < HEAD_DIM; e++) {
    acc += d_o[qo + e] * o[qo + e];
  }
  delta[r] = acc;
}

@compute @workgroup_size(WG)
fn delta_recompute(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat(gid, nwg);
  if (r >= p.batch * p.num_heads * p.seq) {
    return;
  }
  let i = r % p.seq;
  let h = (r / p.seq) % p.num_heads;
  let b = r / (p.seq * p.num_heads);
  let g = h / (p.num_heads / p.num_kv_heads);
  let qo = row(b, i, p.num_heads, h);
  var qv: array<f32, MAX_HEAD_DIM>;
  var dov: array<f32, MAX_HEAD_DIM>;
  for (var e = 0u; e < HEAD_DIM; e++) {
    qv[e] = q[qo + e];
    dov[e] = d_o[qo + e];
  }
  let l = lse[r];
  var acc = 0.0;
  for (var j = 0u; j <= i; j++) {
    if (mask[b * p.seq + j] == 0u) {
      continue;
    }
    let ko = row(b, j, p.num_kv_heads, g);
    var s = 0.0;
    var dp = 0.0;
    for (var e = 0u; e < HEAD_DIM; e++) {
      s += qv[e] * k[ko + e];
      dp += dov[e] * v[ko + e];
    }
    acc += exp(s * scale() - l) * dp;
  }
  delta[r] = acc;
}

@compute @workgroup_size(WG)
fn backward_dq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat(gid, nwg);
  if (r >= p.batch * p.num_heads * p.seq) {
    return;
  }
  let i = r % p.seq;
  let h = (r / p.seq) % p.num_heads;
  let b = r / (p.seq * p.num_heads);
  let g = h / (p.num_heads / p.num_kv_heads);
  let qo = row(b, i, p.num_heads, h);
  let sc = scale();
  var qv: array<f32, MAX_HEAD_DIM>;
  var dov: array<f32, MAX_HEAD_DIM>;
  var acc: array<f32, MAX_HEAD_DIM>;
  for (var e = 0u; e < HEAD_DIM; e++) {
    qv[e] = q[qo + e];
    dov[e] = d_o[qo + e];
    acc[e] = 0.0;
  }
  let l = lse[r];
  let di = delta[r];
  for (var j = 0u; j <= i; j++) {
    if (mask[b * p.seq + j] == 0u) {
      continue;
    }
    let ko = row(b, j, p.num_kv_heads, g);
    var s = 0.0;
    var dp = 0.0;
    for (var e = 0u; e < HEAD_DIM; e++) {
      s += qv[e] * k[ko + e];
      dp += dov[e] * v[ko + e];
    }
    let ds = exp(s * sc - l) * (dp - di) * sc;
    for (var e = 0u; e < HEAD_DIM; e++) {
      acc[e] += ds * k[ko + e];
    }
  }
  for (var e = 0u; e < HEAD_DIM; e++) {
    dq[qo + e] = acc[e];
  }
}

@compute @workgroup_size(WG)
fn backward_dkv(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat(gid, nwg);
  if (r >= p.batch * p.seq * p.num_kv_heads) {
    return;
  }
  // r indexes k's [batch, seq, numKvHeads] rows.
  let g = r % p.num_kv_heads;
  let j = (r / p.num_kv_heads) % p.seq;
  let b = r / (p.num_kv_heads * p.seq);
  let ko = r * HEAD_DIM;
  let sc = scale();
  var kv: array<f32, MAX_HEAD_DIM>;
  var vv: array<f32, MAX_HEAD_DIM>;
  var dka: array<f32, MAX_HEAD_DIM>;
  var dva: array<f32, MAX_HEAD_DIM>;
  for (var e = 0u; e < HEAD_DIM; e++) {
    kv[e] = k[ko + e];
    vv[e] = v[ko + e];
    dka[e] = 0.0;
    dva[e] = 0.0;
  }
  if (mask[b * p.seq + j] != 0u) {
    let group = p.num_heads / p.num_kv_heads;
    for (var hh = 0u; hh < group; hh++) {
      let h = g * group + hh;
      for (var i = j; i < p.seq; i++) {
        let qo = row(b, i, p.num_heads, h);
        let li = (b * p.num_heads + h) * p.seq + i;
        var s = 0.0;
        var dp = 0.0;
        for (var e = 0u; e < HEAD_DIM; e++) {
          s += q[qo + e] * kv[e];
          dp += d_o[qo + e] * vv[e];
        }
        let pij = exp(s * sc - lse[li]);
        let ds = pij * (dp - delta[li]) * sc;
        for (var e = 0u; e < HEAD_DIM; e++) {
          dka[e] += ds * q[qo + e];
          dva[e] += pij * d_o[qo + e];
        }
      }
    }
  }
  for (var e = 0u; e < HEAD_DIM; e++) {
    dk[ko + e] = dka[e];
    dv[ko + e] = dva[e];
  }
}
