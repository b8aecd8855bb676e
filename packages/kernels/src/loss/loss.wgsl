// Fused log-softmax + gather over the vocabulary, optionally with the policy-gradient loss and its
// gradient wrt the logits, f32. One workgroup per token row of logits [tokens, vocab].
//
// Forward (all modes): each invocation walks the row four values at a time (one vec4 load when VEC4,
// i.e. vocab % 4 == 0; else four scalars WG apart) keeping an online state (m, s, t): m = running max
// of z = logit · (1/temperature), s = Σ exp(z − m), t = Σ exp(z − m)·(z − m). Per group of four the max
// moves once: s and t are rescaled by exp(m − m') and t loses s·(m' − m), so every term stays relative
// to the max (logits of ±1e4 lose nothing to cancellation) and the cost is 1.25 exp per logit with no
// divergent branch (llvmpipe runs invocations as SIMD lanes, where a branch costs both sides). One tree reduction in
// workgroup memory merges the WG states (log2 WG barriers; barriers are slow on llvmpipe, one
// reduction per row is cheap). Then lse = m + log s, logprob = (z_target − m) − log s and
// entropy H = log s − t/s (= lse − Σ p·z without subtracting two numbers of the size of the logits).
// −∞ logits (masked vocabulary) are detected by their bit pattern (no reliance on IEEE ∞ arithmetic)
// and skipped: p = 0, 0·log 0 := 0, zero gradient. A row of all −∞ has s = 0: logprob −∞, entropy 0,
// gradient 0. The running max starts at −1e38 (finite) so that empty states merge without ∞ − ∞.
// MODE 0: forward only, the row is read once.
// MODE 1: plus dlogits from upstream gLogprob, gEntropy (tokenIn[row·8 + 0..1]).
// MODE 2: plus the PG loss of this token (thread 0, from tokenIn = oldLogp, advantage, mask, weight,
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
  pad1: u32,
}

// Bits of Params.flags (MODE 2): reference logprobs given, k3 estimator (else k1), truncated IS.
const FLAG_REF: u32 = 1u;
const FLAG_K3: u32 = 2u;
const FLAG_TIS: u32 = 4u;
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
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> redM: array<f32, WG>;
var<workgroup> redS: array<f32, WG>;
var<workgroup> redT: array<f32, WG>;
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

// Fold four values z (lanes with valid = false are ignored) into the online state (m, s, t).
fn absorb(state: ptr<function, vec3<f32>>, z: vec4<f32>, valid: vec4<bool>) {
  let zz = select(vec4<f32>(EMPTY_MAX), z, valid);
  let m = (*state).x;
  let mNew = max(m, max(max(zz.x, zz.y), max(zz.z, zz.w)));
  let scale = exp(m - mNew);
  let d = zz - vec4<f32>(mNew);
  let e = select(vec4<f32>(0.0), exp(d), valid);
  let s = (*state).y;
  *state = vec3<f32>(mNew, s * scale + dot(e, vec4<f32>(1.0)), ((*state).z - s * (mNew - m)) * scale + dot(e, d));
}

// Four logits of the row starting at `base` (element index `first` when VEC4, else first + k·WG),
// and which of them exist and are not −∞.
struct Quad {
  x: vec4<f32>,
  inRow: vec4<bool>,
}

fn quad(base: u32, first: u32, vocab: u32) -> Quad {
  if (VEC4) {
    let x = logits[(base + first) >> 2u];
    return Quad(x, vec4<bool>(true));
  }
  var x = vec4<f32>(0.0);
  var inRow = vec4<bool>(false);
  for (var k = 0u; k < 4u; k++) {
    let j = first + k * WG;
    if (j < vocab) {
      x[k] = logit(base + j);
      inRow[k] = true;
    }
  }
  return Quad(x, inRow);
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
  let oldLp = tokenIn[i];
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

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.y * p.groupsX + wid.x;
  if (row >= p.tokens) {
    return;
  }
  let vocab = p.vocab;
  let base = row * vocab;
  let invT = 1.0 / f(p.temperature);
  // VEC4: invocation lid takes elements 4·lid, 4·lid + 4·WG, …; else lid, lid + WG, lid + 2·WG, lid + 3·WG, then + 4·WG.
  let first0 = select(lid.x, 4u * lid.x, VEC4);

  var state = vec3<f32>(EMPTY_MAX, 0.0, 0.0);
  for (var first = first0; first < vocab; first += 4u * WG) {
    let q = quad(base, first, vocab);
    absorb(&state, q.x * invT, q.inRow & notNegInf(q.x));
  }
  redM[lid.x] = state.x;
  redS[lid.x] = state.y;
  redT[lid.x] = state.z;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width = width / 2u) {
    if (lid.x < width) {
      let m1 = redM[lid.x];
      let m2 = redM[lid.x + width];
      let s1 = redS[lid.x];
      let s2 = redS[lid.x + width];
      let mm = max(m1, m2);
      let e1 = exp(m1 - mm);
      let e2 = exp(m2 - mm);
      redT[lid.x] = (redT[lid.x] - s1 * (mm - m1)) * e1 + (redT[lid.x + width] - s2 * (mm - m2)) * e2;
      redS[lid.x] = s1 * e1 + s2 * e2;
      redM[lid.x] = mm;
    }
    workgroupBarrier();
  }
  let rm = redM[0];
  let rs = redS[0];
  let rt = redT[0];
  let empty = rs == 0.0;
  let logS = log(rs);
  let entropy = select(logS - rt / rs, 0.0, empty);
  let tgt = u32(targets[row]);

  if (lid.x == 0u) {
    let xt = logit(base + tgt);
    var lp = (xt * invT - rm) - logS;
    if (empty || isNegInf(xt)) {
      lp = negInf();
    }
    tokenOut[row * STRIDE] = lp;
    tokenOut[row * STRIDE + 1u] = entropy;
    if (MODE == 1u) {
      upstream = vec2<f32>(tokenIn[row * STRIDE], tokenIn[row * STRIDE + 1u]);
    } else if (MODE == 2u) {
      upstream = pgToken(row, lp, entropy);
    }
  }
  if (MODE == 0u) {
    return;
  }
  let g = workgroupUniformLoad(&upstream);
  for (var first = first0; first < vocab; first += 4u * WG) {
    let q = quad(base, first, vocab);
    let idx = laneIndex(first);
    let finite = notNegInf(q.x);
    // log p_j = (z_j − m) − log s; masked lanes get p = 0 and no entropy term.
    let lpj = (q.x * invT - vec4<f32>(rm)) - vec4<f32>(logS);
    let pj = select(vec4<f32>(0.0), exp(lpj), finite);
    var d = -g.x * pj - select(vec4<f32>(0.0), g.y * pj * (lpj + vec4<f32>(entropy)), finite);
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
