// RMSNorm backward from dy [rows, hidden], x, weight and the forward's saved rstd [rows]:
//   dx = s·(dy⊙w) − x·s³·(Σ_j dy_j w_j x_j)/hidden        (entry `backward_dx`, one invocation per row)
//   dweight_j = Σ_rows dy[r,j]·x[r,j]·s_r                   (entry `backward_dw`, one invocation per column)
// No workgroup memory, no barriers, no atomics: the column reduction loops over rows in order, so
// dweight is deterministic. Numerics: f32; each sum is sequential (error ≤ γ_n · Σ|terms|).
// With ACCUMULATE, dweight is added to what the buffer holds (gradient accumulation, tied weights).

struct Params {
  rows: u32,
  hidden: u32,
  pad0: u32,
  pad1: u32,
}

override WG: u32 = 64u;
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn backward_dx(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat(gid, nwg);
  if (r >= p.rows) {
    return;
  }
  let o = r * p.hidden;
  let s = rstd[r];
  var gx = 0.0;
  for (var j = 0u; j < p.hidden; j++) {
    gx += dy[o + j] * w[j] * x[o + j];
  }
  let c = s * s * s * gx / f32(p.hidden);
  for (var j = 0u; j < p.hidden; j++) {
    out[o + j] = s * dy[o + j] * w[j] - x[o + j] * c;
  }
}

@compute @workgroup_size(WG)
fn backward_dw(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = flat(gid, nwg);
  if (j >= p.hidden) {
    return;
  }
  var acc = 0.0;
  for (var r = 0u; r < p.rows; r++) {
    let i = r * p.hidden + j;
    acc += dy[i] * x[i] * rstd[r];
  }
  if (ACCUMULATE) {
    out[j] += acc;
  } else {
    out[j] = acc;
  }
}
