// Token embedding, f32, row-major: table [vocab, hidden], ids [tokens] (u32), out/dout [tokens, hidden].
//   `gather`:  out[t, j] = table[ids[t], j] — one invocation per (token, column); a bit-exact copy.
//   `scatter`: dtable[v, j] (+)= Σ_{t: ids[t] = v} dout[t, j], deterministic and without float atomics:
//     the host builds a CSR index (unique ids sorted ascending, offsets, and each id's positions in
//     ascending order), and one invocation per (unique id, column) sums its rows in position order.
//     Rows of ids that do not occur are not touched (zero-initialised by the caller, or accumulated).
// Numerics: the scatter sum is a sequential f32 sum over one id's occurrences (error ≤ γ_count·Σ|dout|);
// the result is bit-reproducible run to run. Ids are validated on the host (< vocab).

struct Params {
  count: u32,  // gather: tokens; scatter: unique ids
  hidden: u32,
  pad0: u32,
  pad1: u32,
}

override WG: u32 = 64u;
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<storage, read> src: array<f32>;      // gather: table; scatter: dout
@group(0) @binding(1) var<storage, read> ids: array<u32>;      // gather: ids; scatter: unique ids
@group(0) @binding(2) var<storage, read> offsets: array<u32>;  // scatter: CSR offsets [unique + 1]
@group(0) @binding(3) var<storage, read> positions: array<u32>; // scatter: positions grouped by id
@group(0) @binding(4) var<storage, read_write> dst: array<f32>; // gather: out; scatter: dtable
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count * p.hidden) {
    return;
  }
  let t = i / p.hidden;
  let j = i - t * p.hidden;
  dst[i] = src[ids[t] * p.hidden + j];
}

@compute @workgroup_size(WG)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count * p.hidden) {
    return;
  }
  let u = i / p.hidden;
  let j = i - u * p.hidden;
  var acc = 0.0;
  for (var k = offsets[u]; k < offsets[u + 1u]; k++) {
    acc += src[positions[k] * p.hidden + j];
  }
  let o = ids[u] * p.hidden + j;
  if (ACCUMULATE) {
    dst[o] += acc;
  } else {
    dst[o] = acc;
  }
}
