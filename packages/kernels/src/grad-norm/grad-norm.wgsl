// Global gradient L2 norm over several buffers, and the in-place scale used for clipping.
//   `partial`: stage 1, one dispatch per gradient buffer: invocation k of `parts` sums g[i]² over the
//              strided slice i = k, k + parts, k + 2·parts, … < n (≤ chunk elements) and writes it to
//              partials[offset + k]. Strided (not contiguous) so that neighbouring invocations read
//              neighbouring addresses.
//   `finish`:  stage 2, one invocation sums the n partials in order and writes out[0] = sqrt(Σ).
//              The host sizes chunks so that there are at most ~16k partials.
//   `scale`:   g[i] *= scale (scale in the uniform block as f32 bits), one invocation per element.
// No workgroup memory, no barriers, no atomics: deterministic. Numerics: f32 accumulation; all terms
// are ≥ 0 so there is no cancellation and the relative error of Σ g² is ≤ (chunk + partials + 1)·u;
// squares overflow to +∞ only past |g| ≈ 1.8e19 (then the norm is ∞ and the host refuses to clip),
// squares below ≈ 1e−19 underflow, which is negligible next to any norm that matters.

struct Params {
  n: u32,
  parts: u32,
  offset: u32,
  scale: u32, // f32 bits (`scale` only)
}

override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read_write> g: array<f32>;        // partial: read; scale: updated
@group(0) @binding(1) var<storage, read_write> partials: array<f32>; // partial: written; finish: read
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // finish: out[0] = norm
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn partial(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = gid.x + gid.y * nwg.x * WG;
  if (k >= p.parts) {
    return;
  }
  var acc = 0.0;
  for (var i = k; i < p.n; i += p.parts) {
    let v = g[i];
    acc += v * v;
  }
  partials[p.offset + k] = acc;
}

@compute @workgroup_size(1)
fn finish() {
  var acc = 0.0;
  for (var k = 0u; k < p.n; k++) {
    acc += partials[k];
  }
  out[0] = sqrt(acc);
}

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) {
    return;
  }
  g[i] = g[i] * bitcast<f32>(p.scale);
}
