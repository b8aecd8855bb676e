// C[b] = op(A[b]) · op(B[b]), f32, row-major; op = identity or transpose (override TRANS_A/TRANS_B).
// A is M×K (K×M when TRANS_A), B is K×N (N×K when TRANS_B), C is M×N; batch b at offset b·stride.
//
// Each invocation computes a 4×4 block of C in registers and reads A and B straight from storage:
// no workgroup memory and no barriers, because barriers are what make shared-memory tiling slow on
// llvmpipe (deps.md §1: 4×4 register blocks + vec4 loads ran ~2.5× faster than a 64×64 shared tile).
// VEC4 (set by the host when K, the leading dimensions, offsets and batch strides are suitably
// multiples of 4) reads four consecutive values per load; otherwise every value is read separately
// from the same vec4 view.
//
// Sub-products: each operand is addressed as offX + b·strideX + row·ldX + col, where ldX is the row
// length of the stored matrix and offX the element offset of the bound window. So one dispatch can
// compute a block of C (rows and columns of a larger C, ldC = its full width) from windows of A and B
// when a tensor is larger than one storage binding; with `accumulate` ≠ 0 the block is added to C
// (the host splits K that way: later K chunks accumulate onto the first).

struct Params {
  M: u32,
  N: u32,
  K: u32,
  batch: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  ldA: u32,        // row length of the whole stored A: K (M when TRANS_A)
  ldB: u32,        // row length of the whole stored B: N (K when TRANS_B)
  ldC: u32,        // row length of the whole C (more than N for a block of its columns)
  offA: u32,       // element offset of the block's first A element in the bound A window
  offB: u32,
  offC: u32,
  accumulate: u32, // 1: C += product; 0: C = product
  pad0: u32,
  pad1: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override VEC4: bool = false;
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

// Tensors are padded to 16 bytes by the host, so a vec4 view of any tensor is in bounds.
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn scalarA(i: u32) -> f32 {
  return A[i >> 2u][i & 3u];
}

fn scalarB(i: u32) -> f32 {
  return B[i >> 2u][i & 3u];
}

// op(A)[row, k] within batch offset `off`.
fn loadA(off: u32, row: u32, k: u32) -> f32 {
  if (TRANS_A) {
    return scalarA(off + k * p.ldA + row);
  }
  return scalarA(off + row * p.ldA + k);
}

// op(B)[k, col] within batch offset `off`.
fn loadB(off: u32, k: u32, col: u32) -> f32 {
  if (TRANS_B) {
    return scalarB(off + col * p.ldB + k);
  }
  return scalarB(off + k * p.ldB + col);
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  let b = gid.z;
  if (c0 >= p.N || r0 >= p.M || b >= p.batch) {
    return;
  }
  let offA = p.offA + b * p.strideA;
  let offB = p.offB + b * p.strideB;
  let offC = p.offC + b * p.strideC;
  // Edge blocks clamp their rows and columns so every load stays in bounds without a branch in the
  // inner loop; the duplicated results are dropped by the guarded stores below.
  let r = min(vec4<u32>(r0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.M - 1u));
  let c = min(vec4<u32>(c0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.N - 1u));

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  if (VEC4) {
    for (var k = 0u; k < p.K; k += 4u) {
      // a_i = op(A)[r_i, k..k+3]
      var a0: vec4<f32>;
      var a1: vec4<f32>;
      var a2: vec4<f32>;
      var a3: vec4<f32>;
      if (TRANS_A) {
        // Aᵀ rows are contiguous in r: load At[k+t, r0..r0+3] and transpose the 4×4 block.
        let base = (offA + k * p.ldA + r0) >> 2u;
        let m4 = p.ldA >> 2u;
        let at = transpose(mat4x4<f32>(A[base], A[base + m4], A[base + 2u * m4], A[base + 3u * m4]));
        a0 = at[0];
        a1 = at[1];
        a2 = at[2];
        a3 = at[3];
      } else {
        a0 = A[(offA + r.x * p.ldA + k) >> 2u];
        a1 = A[(offA + r.y * p.ldA + k) >> 2u];
        a2 = A[(offA + r.z * p.ldA + k) >> 2u];
        a3 = A[(offA + r.w * p.ldA + k) >> 2u];
      }
      if (TRANS_B) {
        // Columns j of bt hold op(B)[k..k+3, c_j]; a · bt gives the four dot products at once.
        let bt = mat4x4<f32>(
          B[(offB + c.x * p.ldB + k) >> 2u],
          B[(offB + c.y * p.ldB + k) >> 2u],
          B[(offB + c.z * p.ldB + k) >> 2u],
          B[(offB + c.w * p.ldB + k) >> 2u],
        );
        acc0 += a0 * bt;
        acc1 += a1 * bt;
        acc2 += a2 * bt;
        acc3 += a3 * bt;
      } else {
        // Columns t of bm hold op(B)[k+t, c0..c0+3]; bm · a is Σ_t a[t] · B[k+t, c0..c0+3].
        let base = (offB + k * p.ldB + c0) >> 2u;
        let n4 = p.ldB >> 2u;
        let bm = mat4x4<f32>(B[base], B[base + n4], B[base + 2u * n4], B[base + 3u * n4]);
        acc0 += bm * a0;
        acc1 += bm * a1;
        acc2 += bm * a2;
        acc3 += bm * a3;
      }
    }
  } else {
    for (var k = 0u; k < p.K; k++) {
      let bv = vec4<f32>(loadB(offB, k, c.x), loadB(offB, k, c.y), loadB(offB, k, c.z), loadB(offB, k, c.w));
      acc0 += loadA(offA, r.x, k) * bv;
      acc1 += loadA(offA, r.y, k) * bv;
      acc2 += loadA(offA, r.z, k) * bv;
      acc3 += loadA(offA, r.w, k) * bv;
    }
  }

  let acc = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + i;
    if (row < p.M) {
      for (var j = 0u; j < 4u; j++) {
        if (c0 + j < p.N) {
          let o = offC + row * p.ldC + c0 + j;
          if (p.accumulate != 0u) {
            C[o] += acc[i][j];
          } else {
            C[o] = acc[i][j];
          }
        }
      }
    }
  }
}
