// The bias of a decoder Linear layer y = x·Wᵀ + b, apart from its matmul (the matmul kernel has no
// epilogue), over y, dy [rows, n] row-major; two entry points sharing the uniforms:
//   forward: y[r, j] += bias[j], in place, one invocation per element. Numerics: one correctly
//            rounded f32 add, exactly the reference's biasAddForward.
//   grad:    db[j] = Σ_r dy[r, j], one invocation per column summing its rows in order (a bias is added
//            to every row, so its gradient is the column sum). Numerics: rows f32 additions in
//            sequence, each ≤ u relative, so |err| ≤ rows·u·Σ_r |dy[r, j]| against the reference's f64
//            sum rounded once.
// Each entry point statically uses only its own bindings (0–1 forward, 2–3 grad), so each auto layout
// holds just those; a writable binding is never shared between the two.

struct Params {
  rows: u32,
  n: u32,
  pad0: u32,
  pad1: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> db: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn invocation(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocation(gid, nwg);
  if (i >= p.rows * p.n) {
    return;
  }
  y[i] = y[i] + bias[i % p.n];
}

@compute @workgroup_size(WG)
fn grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = invocation(gid, nwg);
  if (j >= p.n) {
    return;
  }
  var acc = 0.0;
  for (var r = 0u; r < p.rows; r = r + 1u) {
    acc = acc + dy[r * p.n + j];
  }
  db[j] = acc;
}
