// Token embedding, f32, row-major: table [vocab, hidden], ids [tokens] (u32), out/dout [tokens, hidden].
//   `gather`:  out[t, j] = table[ids[t], j] — one invocation per (token, column); a bit-exact copy.
//   `scatter`: dtable[v, j] (+)= Σ_{t: ids[t] = v} dout[t, j], deterministic and without float atomics:
//     the host builds a CSR index (unique ids sorted ascending, offsets, and each id's positions in
//     ascending order), and one invocation per (unique id, column) sums its rows in position order.
//     Rows of ids that do not occur are not touched (zero-initialised by the caller, or accumulated).
// Numerics: the scatter sum is a sequential f32 sum over one id's occurrences (error ≤ γ_count·Σ|dout|);
// the result is bit-reproducible run to run. Ids are validated on the host (< vocab).
// A table larger than one storage binding is bound as row windows [row0, row0 + rows), one dispatch
// each: `gather` copies only the tokens whose id falls in the window, `scatter` handles the unique ids
// first … first + count − 1 (those in the window; the host finds them, the ids being sorted).

struct Params {
  count: u32,  // gather: tokens; scatter: unique ids of this window
  hidden: u32,
  row0: u32,   // first table row of the bound window
  rows: u32,   // gather: table rows in the window
  first: u32,  // scatter: index of the window's first unique id
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

override WG: u32 = 64u;
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<storage, read> src: array<f32>;      // gather: table window; scatter: dout
@group(0) @binding(1) var<storage, read> ids: array<u32>;      // gather: ids; scatter: unique ids
@group(0) @binding(2) var<storage, read> offsets: array<u32>;  // scatter: CSR offsets [unique + 1]
@group(0) @binding(3) var<storage, read> positions: array<u32>; // scatter: positions grouped by id
@group(0) @binding(4) var<storage, read_write> dst: array<f32>; // gather: out; scatter: dtable window
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count * p.hidden) {
    return;
  }
  let t = i / p.hidden;
  let j = i - t * p.hidden;
  // Ids below row0 wrap around to large u32 values, so one comparison tests both ends of the window.
  let r = ids[t] - p.row0;
  if (r >= p.rows) {
    return;
  }
  dst[i] = src[r * p.hidden + j];
}

@compute @workgroup_size(WG)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count * p.hidden) {
    return;
  }
  let local = i / p.hidden;
  let j = i - local * p.hidden;
  let u = p.first + local;
  var acc = 0.0;
  for (var k = offsets[u]; k < offsets[u + 1u]; k++) {
    acc += src[positions[k] * p.hidden + j];
  }
  let o = (ids[u] - p.row0) * p.hidden + j;
  if (ACCUMULATE) {
    dst[o] += acc;
  } else {
    dst[o] = acc;
  }
}
