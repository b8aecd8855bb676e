// Fused log-softmax + gather over the vocabulary, optionally with the policy-gradient loss and its
// gradient wrt the logits, f32, over logits [tokens, vocab]. Two layouts, picked by the host:
//  - `main` (row layout, the GPU kernel): one workgroup per row, one dispatch; the row is read once
//    (forward) or twice (backward), the second sweep right after the reduction.
//  - `partial` → `combine` → `grad` (split layout, for llvmpipe): each row is cut into chunks of
//    p.chunkLen elements, one (small) workgroup per chunk. `partial` writes each chunk's online
//    state to `stats`, `combine` (one invocation per row) merges a row's chunk states and does the
//    per-token work of `main`'s thread 0, `grad` sweeps each chunk again writing dlogits. Same reads
//    and writes of the logits as `main`, plus 16 bytes per chunk. Why: llvmpipe runs a workgroup's
//    invocations as 8-wide SIMD lanes on one thread, implements barriers as coroutine switches and
//    spreads workgroups over the cores. A workgroup of 8 is one SIMD vector, so its reduction's
//    barriers are nearly free, and many small workgroups keep both cores busy (and rebalance when
//    one is preempted); measured at 64 × 32,768, the split layout costs 20–35% less CPU time than
//    128 invocations per row. On a GPU it would be slower (tiny workgroups), so only software
//    adapters get it.
//
// Forward (all modes): each invocation walks its range sixteen values at a time (four quads: one vec4
// load each when VEC4, i.e. vocab % 4 == 0; else four scalars WG apart) keeping an online state
// (m, s, t): m = running max of z = logit · (1/temperature), s = Σ exp(z − m),
// t = Σ exp(z − m)·(z − m). Per sixteen values the max moves once: s and t are rescaled by
// exp(m − m') and t loses s·(m' − m), so every term stays relative to the max (logits of ±1e4 lose
// nothing to cancellation) and the cost is 1.0625 exp per logit with no divergent branch (llvmpipe
// runs invocations as SIMD lanes, where a branch costs both sides). One tree reduction in workgroup
// memory merges the WG states (log2 WG barriers; barriers are slow on llvmpipe, one reduction per
// row or chunk is cheap). Then
// lse = m + log s, logprob = (z_target − m) − log s and entropy H = log s − t/s (= lse − Σ p·z
// without subtracting two numbers of the size of the logits).
// −∞ logits (masked vocabulary) are detected by their bit pattern (no reliance on IEEE ∞ arithmetic)
// and skipped: p = 0, 0·log 0 := 0, zero gradient. A row of all −∞ has s = 0: logprob −∞, entropy 0,
// gradient 0. The running max starts at −1e38 (finite) so that empty states merge without ∞ − ∞.
// MODE 0: forward only, the row is read once.
// MODE 1: plus dlogits from upstream gLogprob, gEntropy (tokenIn[row·8 + 0..1]).
// MODE 2: plus the PG loss of this token (from tokenIn = oldLogp, advantage, mask, weight,
//   refLogp, samplerLogp) giving gLogprob and gEntropy = −entropyCoef·weight; per-token loss term and
//   statistics go to tokenOut, the host sums them.
// MODE 1/2 then sweep the row a second time (one more read, one write) recomputing
// p_j = exp((z_j − m) − log s): dlogits_j = (gl·(δ_j,tgt − p_j) − ge·p_j·(log p_j + H)) / temperature.

struct Params {
  tokens: u32,
  vocab: u32,
  groupsX: u32,
  flags: u32,
  temperature: u32,
  epsLow: u32,
  epsHigh: u32,
  beta: u32,
  tisCap: u32,
  entropyCoef: u32,
  negInf: u32,
  // Split layout: chunks per row and elements per chunk (a multiple of 4); unused by `main`.
  chunks: u32,
  chunkLen: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

// Bits of Params.flags (MODE 2): reference logprobs given, k3 estimator (else k1), truncated IS,
// on-policy (no oldLogp: the token's own logprob stands in for it, so the ratio is exactly 1).
const FLAG_REF: u32 = 1u;
const FLAG_K3: u32 = 2u;
const FLAG_TIS: u32 = 4u;
const FLAG_ON_POLICY: u32 = 8u;
const STRIDE: u32 = 8u;
const EMPTY_MAX: f32 = -1e38;

override MODE: u32 = 0u;
override WG: u32 = 128u;

override VEC4: bool = false;

// Tensors are padded to 16 bytes by the host, so the vec4 views are in bounds.
@group(0) @binding(0) var<storage, read> logits: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> targets: array<f32>;
@group(0) @binding(2) var<storage, read> tokenIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> tokenOut: array<f32>;
// Split layout only: chunk states [tokens · chunks] (m, s, t, 0), then per row (m, log s, H, empty)
// and (gLogprob, gEntropy, 0, 0).
@group(0) @binding(5) var<storage, read_write> stats: array<vec4<f32>>;
@group(0) @binding(6) var<uniform> p: Params;

var<workgroup> red: array<vec3<f32>, WG>;
var<workgroup> upstream: vec2<f32>;

fn isNegInf(x: f32) -> bool {
  return bitcast<u32>(x) == 0xff800000u;
}

fn negInf() -> f32 {
  // From the uniform: WGSL constant evaluation rejects −∞, so its bit pattern arrives at run time.
  return bitcast<f32>(p.negInf);
}

fn logit(i: u32) -> f32 {
  return logits[i >> 2u][i & 3u];
}

// Four logits of the row starting at `base` (element index `first` when VEC4, else first + k·WG),
// and which of them lie before `end`. VEC4: `first` and `end` are multiples of 4, so the quad is in
// or out as a whole; an out quad loads the row's last in-range quad instead (masked, never used).
struct Quad {
  x: vec4<f32>,
  inRow: vec4<bool>,
}

fn quad(base: u32, first: u32, end: u32) -> Quad {
  if (VEC4) {
    let inside = first < end;
    let x = logits[(base + select(end - 4u, first, inside)) >> 2u];
    return Quad(x, vec4<bool>(inside));
  }
  var x = vec4<f32>(0.0);
  var inRow = vec4<bool>(false);
  for (var k = 0u; k < 4u; k++) {
    let j = first + k * WG;
    if (j < end) {
      x[k] = logit(base + j);
      inRow[k] = true;
    }
  }
  return Quad(x, inRow);
}

// Fold four quads (sixteen values; lanes outside the row or −∞ are ignored) into the online state
// (m, s, t): the max moves once per sixteen, so 1.0625 exp per logit, and the loop around it runs a
// quarter as often (each loop iteration carries llvmpipe's execution-mask bookkeeping).
fn absorb(state: ptr<function, vec3<f32>>, q0: Quad, q1: Quad, q2: Quad, q3: Quad, invT: f32) {
  let v0 = q0.inRow & notNegInf(q0.x);
  let v1 = q1.inRow & notNegInf(q1.x);
  let v2 = q2.inRow & notNegInf(q2.x);
  let v3 = q3.inRow & notNegInf(q3.x);
  let z0 = select(vec4<f32>(EMPTY_MAX), q0.x * invT, v0);
  let z1 = select(vec4<f32>(EMPTY_MAX), q1.x * invT, v1);
  let z2 = select(vec4<f32>(EMPTY_MAX), q2.x * invT, v2);
  let z3 = select(vec4<f32>(EMPTY_MAX), q3.x * invT, v3);
  let mx = max(max(z0, z1), max(z2, z3));
  let m = (*state).x;
  let mNew = max(m, max(max(mx.x, mx.y), max(mx.z, mx.w)));
  let scale = exp(m - mNew);
  let d0 = z0 - vec4<f32>(mNew);
  let d1 = z1 - vec4<f32>(mNew);
  let d2 = z2 - vec4<f32>(mNew);
  let d3 = z3 - vec4<f32>(mNew);
  let e0 = select(vec4<f32>(0.0), exp(d0), v0);
  let e1 = select(vec4<f32>(0.0), exp(d1), v1);
  let e2 = select(vec4<f32>(0.0), exp(d2), v2);
  let e3 = select(vec4<f32>(0.0), exp(d3), v3);
  let s = (*state).y;
  let sumE = dot((e0 + e1) + (e2 + e3), vec4<f32>(1.0));
  let sumED = (dot(e0, d0) + dot(e1, d1)) + (dot(e2, d2) + dot(e3, d3));
  *state = vec3<f32>(mNew, s * scale + sumE, ((*state).z - s * (mNew - m)) * scale + sumED);
}

fn notNegInf(x: vec4<f32>) -> vec4<bool> {
  return bitcast<vec4<u32>>(x) != vec4<u32>(0xff800000u);
}

// Element index of lane k of the quad starting at `first`.
fn laneIndex(first: u32) -> vec4<u32> {
  if (VEC4) {
    return vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u);
  }
  return vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u) * WG;
}

fn f(bits: u32) -> f32 {
  return bitcast<f32>(bits);
}

// The PG loss of one token (see src/reference/pg-loss.ts); returns (gLogprob, gEntropy).
fn pgToken(row: u32, lp: f32, entropy: f32) -> vec2<f32> {
  let i = row * STRIDE;
  let o = row * STRIDE;
  let mask = tokenIn[i + 2u];
  if (mask == 0.0) {
    for (var k = 2u; k < STRIDE; k++) {
      tokenOut[o + k] = 0.0;
    }
    return vec2<f32>(0.0);
  }
  let oldLp = select(tokenIn[i], lp, (p.flags & FLAG_ON_POLICY) != 0u);
  let a = tokenIn[i + 1u];
  let tw = tokenIn[i + 3u];
  let r = exp(lp - oldLp);
  let rc = clamp(r, 1.0 - f(p.epsLow), 1.0 + f(p.epsHigh));
  let unclipped = r * a;
  let clippedTerm = rc * a;
  var pg = -unclipped;
  var dpg = -unclipped;
  var code = 0.0;
  if (clippedTerm < unclipped) {
    pg = -clippedTerm;
    dpg = 0.0;
    code = 1.0;
    if (a < 0.0 && r < 1.0 - f(p.epsLow)) {
      code += 2.0;
    }
    if (a > 0.0 && r > 1.0 + f(p.epsHigh)) {
      code += 4.0;
    }
  }
  if (r < 1.0 - f(p.epsLow) || r > 1.0 + f(p.epsHigh)) {
    code += 8.0;
  }
  var w = 1.0;
  if ((p.flags & FLAG_TIS) != 0u) {
    w = min(exp(oldLp - tokenIn[i + 5u]), f(p.tisCap));
  }
  var k = 0.0;
  var dk = 0.0;
  if ((p.flags & FLAG_REF) != 0u) {
    let delta = tokenIn[i + 4u] - lp;
    if ((p.flags & FLAG_K3) != 0u) {
      let e = exp(delta);
      k = e - delta - 1.0;
      dk = 1.0 - e;
    } else {
      k = -delta;
      dk = 1.0;
    }
  }
  let beta = f(p.beta);
  let coef = f(p.entropyCoef);
  tokenOut[o + 2u] = tw * (w * pg + beta * k) - coef * tw * entropy;
  tokenOut[o + 3u] = tw * (w * dpg + beta * dk);
  tokenOut[o + 4u] = code;
  tokenOut[o + 5u] = k;
  tokenOut[o + 6u] = w;
  tokenOut[o + 7u] = 0.0;
  return vec2<f32>(tw * (w * dpg + beta * dk), -coef * tw);
}

// Merge two online states (m, s, t).
fn merge(a: vec3<f32>, b: vec3<f32>) -> vec3<f32> {
  let mm = max(a.x, b.x);
  let e1 = exp(a.x - mm);
  let e2 = exp(b.x - mm);
  return vec3<f32>(mm, a.y * e1 + b.y * e2, (a.z - a.y * (mm - a.x)) * e1 + (b.z - b.y * (mm - b.x)) * e2);
}

// First element of invocation `lid` in a range starting at `start`: VEC4 takes 4·lid, 4·lid + 4·WG, …;
// else lid, lid + WG, lid + 2·WG, lid + 3·WG, then + 4·WG.
fn firstOf(start: u32, lid: u32) -> u32 {
  return start + select(lid, 4u * lid, VEC4);
}

// This invocation's online state over elements [start, end) of the row at `base`.
fn sweepState(base: u32, start: u32, end: u32, lid: u32, invT: f32) -> vec3<f32> {
  var state = vec3<f32>(EMPTY_MAX, 0.0, 0.0);
  let step = 4u * WG;
  for (var first = firstOf(start, lid); first < end; first += 4u * step) {
    let q0 = quad(base, first, end);
    let q1 = quad(base, first + step, end);
    let q2 = quad(base, first + 2u * step, end);
    let q3 = quad(base, first + 3u * step, end);
    absorb(&state, q0, q1, q2, q3, invT);
  }
  return state;
}

// Tree reduction of the workgroup's states (log2 WG barriers); every invocation gets the result.
fn reduceState(lid: u32, state: vec3<f32>) -> vec3<f32> {
  red[lid] = state;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width = width / 2u) {
    if (lid < width) {
      red[lid] = merge(red[lid], red[lid + width]);
    }
    workgroupBarrier();
  }
  return red[0];
}

// (m, log s, entropy) of a row's merged state; s = 0 (all −∞) gives entropy 0.
fn rowStats(st: vec3<f32>) -> vec3<f32> {
  let logS = log(st.y);
  return vec3<f32>(st.x, logS, select(logS - st.z / st.y, 0.0, st.y == 0.0));
}

// The per-token work once a row's state is known: logprob and entropy to tokenOut, then the upstream
// gradients (gLogprob, gEntropy) of MODE 1 (given) or MODE 2 (the PG loss of this token).
fn finishRow(row: u32, base: u32, st: vec3<f32>, invT: f32) -> vec2<f32> {
  let rs = rowStats(st);
  let xt = logit(base + u32(targets[row]));
  var lp = (xt * invT - rs.x) - rs.y;
  if (st.y == 0.0 || isNegInf(xt)) {
    lp = negInf();
  }
  tokenOut[row * STRIDE] = lp;
  tokenOut[row * STRIDE + 1u] = rs.z;
  if (MODE == 1u) {
    return vec2<f32>(tokenIn[row * STRIDE], tokenIn[row * STRIDE + 1u]);
  }
  if (MODE == 2u) {
    return pgToken(row, lp, rs.z);
  }
  return vec2<f32>(0.0);
}

// Second sweep over elements [start, end) of the row at `base`: dlogits from the row's
// (m, log s, H), emptiness and upstream gradients g.
fn gradSweep(base: u32, start: u32, end: u32, lid: u32, invT: f32, rs: vec3<f32>, empty: bool, g: vec2<f32>, tgt: u32) {
  for (var first = firstOf(start, lid); first < end; first += 4u * WG) {
    let q = quad(base, first, end);
    let idx = laneIndex(first);
    let finite = notNegInf(q.x);
    // log p_j = (z_j − m) − log s; masked lanes get p = 0 and no entropy term.
    let lpj = (q.x * invT - vec4<f32>(rs.x)) - vec4<f32>(rs.y);
    let pj = select(vec4<f32>(0.0), exp(lpj), finite);
    var d = -g.x * pj - select(vec4<f32>(0.0), g.y * pj * (lpj + vec4<f32>(rs.z)), finite);
    d += select(vec4<f32>(0.0), vec4<f32>(g.x), idx == vec4<u32>(tgt));
    d = select(d * invT, vec4<f32>(0.0), empty);
    if (VEC4) {
      dlogits[(base + first) >> 2u] = d;
    } else {
      for (var k = 0u; k < 4u; k++) {
        if (q.inRow[k]) {
          let i = base + idx[k];
          dlogits[i >> 2u][i & 3u] = d[k];
        }
      }
    }
  }
}

// Row layout: one workgroup per row.
@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.y * p.groupsX + wid.x;
  if (row >= p.tokens) {
    return;
  }
  let base = row * p.vocab;
  let invT = 1.0 / f(p.temperature);
  let st = reduceState(lid.x, sweepState(base, 0u, p.vocab, lid.x, invT));
  if (lid.x == 0u) {
    upstream = finishRow(row, base, st, invT);
  }
  if (MODE == 0u) {
    return;
  }
  let g = workgroupUniformLoad(&upstream);
  gradSweep(base, 0u, p.vocab, lid.x, invT, rowStats(st), st.y == 0.0, g, u32(targets[row]));
}

// Split layout: the chunk a `partial` or `grad` workgroup covers: its index row · chunks + c (≥
// tokens · chunks for the grid's spare workgroups), its row and its element range [start, end).
struct Chunk {
  job: u32,
  row: u32,
  start: u32,
  end: u32,
}

fn chunkOf(wid: vec3<u32>) -> Chunk {
  let job = wid.y * p.groupsX + wid.x;
  let start = (job % p.chunks) * p.chunkLen;
  return Chunk(job, job / p.chunks, start, min(p.vocab, start + p.chunkLen));
}

// Split layout, pass 1: the online state of chunk c of row r, to stats[r · chunks + c].
@compute @workgroup_size(WG, 1, 1)
fn partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = chunkOf(wid);
  if (c.job >= p.tokens * p.chunks) {
    return;
  }
  let st = reduceState(lid.x, sweepState(c.row * p.vocab, c.start, c.end, lid.x, 1.0 / f(p.temperature)));
  if (lid.x == 0u) {
    stats[c.job] = vec4<f32>(st, 0.0);
  }
}

// Split layout, pass 2: one invocation per row merges its chunk states (in chunk order) and does
// the per-token work; the row's (m, log s, H, empty) and upstream gradients go after the chunk states.
@compute @workgroup_size(WG, 1, 1)
fn combine(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = (wid.y * p.groupsX + wid.x) * WG + lid.x;
  if (row >= p.tokens) {
    return;
  }
  var st = vec3<f32>(EMPTY_MAX, 0.0, 0.0);
  for (var c = 0u; c < p.chunks; c++) {
    st = merge(st, stats[row * p.chunks + c].xyz);
  }
  let g = finishRow(row, row * p.vocab, st, 1.0 / f(p.temperature));
  let at = p.tokens * p.chunks + 2u * row;
  stats[at] = vec4<f32>(rowStats(st), select(0.0, 1.0, st.y == 0.0));
  stats[at + 1u] = vec4<f32>(g, 0.0, 0.0);
}

// Split layout, pass 3 (MODE 1/2): dlogits of chunk c of row r.
@compute @workgroup_size(WG, 1, 1)
fn grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = chunkOf(wid);
  if (c.job >= p.tokens * p.chunks) {
    return;
  }
  let at = p.tokens * p.chunks + 2u * c.row;
  let info = stats[at];
  let invT = 1.0 / f(p.temperature);
  gradSweep(c.row * p.vocab, c.start, c.end, lid.x, invT, info.xyz, info.w != 0.0, stats[at + 1u].xy, u32(targets[c.row]));
}
