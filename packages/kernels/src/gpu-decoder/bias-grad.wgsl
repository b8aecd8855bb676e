// Bias gradient: db[j] = Σ_r dy[r, j] for dy [rows, n] row-major; one invocation per column, summing
// its rows in order. A bias is added to every row in the forward, so its gradient is the column sum
// (the matmul kernel has no reduction epilogue). Numerics: rows f32 additions in sequence, each ≤ u
// relative, so |err| ≤ rows·u·Σ_r |dy[r, j]| against the reference's f64 sum rounded once.

struct Params {
  rows: u32,
  n: u32,
  pad0: u32,
  pad1: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> db: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * WG;
  if (j >= p.n) {
    return;
  }
  var acc = 0.0;
  for (var r = 0u; r < p.rows; r = r + 1u) {
    acc = acc + dy[r * p.n + j];
  }
  db[j] = acc;
}
