/**
 * One-shot check of tensors larger than one storage binding at Qwen2.5-0.5B's real size, for a lent GPU
 * machine (bundled like device-check.ts) or lavapipe: a 151,936 × 896 f32 embedding (545 MB) used as the
 * LM head (NT logits, TN weight gradient, NN input gradient), gathered and scatter-added, and updated
 * by AdamW, each with the binding limit lowered to 128 MiB (lavapipe's) so the tensor is split into
 * windows, against the same kernel unsplit where the adapter's own limit allows one binding, and rows
 * against an f64 CPU product. Env SPLIT_VOCAB overrides the vocabulary (smaller for a quick local run).
 * Prints plain text; exits non-zero on any failure.
 */
import { seededFloats } from '@rlvr/core';
import { adamwStepGpu } from '../src/adamw/adamw.gpu.js';
import { describeAdapter, requestGpuDevice } from '../src/device/index.js';
import { embeddingBackwardGpu, embeddingForwardGpu } from '../src/embedding/embedding.gpu.js';
import { GpuTensor, bindingWindows } from '../src/gpu/index.js';
import { gradNormGpu } from '../src/grad-norm/grad-norm.gpu.js';
import { matmul } from '../src/matmul/matmul.gpu.js';
import { type MatmulShape } from '../src/matmul/matmul.shared.js';

const V = Number(process.env.SPLIT_VOCAB ?? 151936);
const H = 896;
const T = 64;
const LIMIT = 128 * 2 ** 20;
const U = 2 ** -24;

const gpu = await requestGpuDevice();
console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
console.log(
  `maxStorageBufferBindingSize ${gpu.limits.maxStorageBufferBindingSize}, maxBufferSize ${gpu.limits.maxBufferSize}, vocab ${V} × hidden ${H} = ${(V * H * 4) / 1e6} MB`,
);
let failures = 0;
const report = (ok: boolean, line: string): void => {
  if (!ok) failures += 1;
  console.log(`${ok ? 'pass' : 'FAIL'} ${line}`);
};

/** Deterministic values in [-1, 1) from the project's seeded PRNG (a few seconds for the 136M-element embedding). */
const values = (n: number, seed: number): Float32Array => seededFloats(seed, n);

const wholeFits = V * H * 4 <= gpu.maxBindingBytes;
/** Run `work` with the binding limit at 128 MiB (split), then at the adapter's (whole, when E fits one binding). */
async function both<T>(work: () => Promise<T>): Promise<{ split: T; whole: T | null; splitS: number; wholeS: number }> {
  gpu.limitBindingBytes(Math.min(LIMIT, gpu.maxBindingBytes));
  let t0 = performance.now();
  let split: T;
  try {
    split = await work();
  } finally {
    gpu.limitBindingBytes(null);
  }
  const splitS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const whole = wholeFits ? await work() : null;
  return { split, whole, splitS, wholeS: (performance.now() - t0) / 1000 };
}

/** Worst |gpu − f64| / ((K + 2)·u·Σ|a||b|) over C[i, :] for the listed rows i (row-major A [M, K] and op(B) by `bAt`). */
function rowRatio(
  c: Float32Array,
  n: number,
  rows: number[],
  k: number,
  aAt: (i: number, p: number) => number,
  bAt: (p: number, j: number) => number,
): number {
  let worst = 0;
  for (const i of rows) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let mag = 0;
      for (let p = 0; p < k; p++) {
        const prod = aAt(i, p) * bAt(p, j);
        sum += prod;
        mag += Math.abs(prod);
      }
      worst = Math.max(worst, Math.abs(c[i * n + j]! - sum) / ((k + 2) * U * mag + 1e-30));
    }
  }
  return worst;
}

const e = values(V * H, 1);
const h = values(T * H, 2);
const dlogits = values(T * V, 3);
const tE = GpuTensor.fromArray(gpu, e, [V, H], 'embed');
const tH = GpuTensor.fromArray(gpu, h, [T, H], 'h');
const tD = GpuTensor.fromArray(gpu, dlogits, [T, V], 'dlogits');
gpu.limitBindingBytes(Math.min(LIMIT, gpu.maxBindingBytes));
console.log(
  `embed: ${bindingWindows(gpu, tE, H).length} windows at ${Math.min(LIMIT, gpu.maxBindingBytes)} bytes; whole product possible: ${wholeFits}`,
);
gpu.limitBindingBytes(null);

const products: { name: string; a: GpuTensor; b: GpuTensor; shape: MatmulShape; check: (c: Float32Array) => number }[] =
  [
    {
      name: `NT logits ${T}×${V}×${H}`,
      a: tH,
      b: tE,
      shape: { m: T, n: V, k: H, transB: true },
      check: (c) =>
        rowRatio(
          c,
          V,
          [0, T - 1],
          H,
          (i, p) => h[i * H + p]!,
          (p, j) => e[j * H + p]!,
        ),
    },
    {
      name: `TN dW ${V}×${H}×${T}`,
      a: tD,
      b: tH,
      shape: { m: V, n: H, k: T, transA: true },
      check: (c) =>
        rowRatio(
          c,
          H,
          [0, V - 1, V - 2],
          T,
          (i, p) => dlogits[p * V + i]!,
          (p, j) => h[p * H + j]!,
        ),
    },
    {
      name: `NN dx ${T}×${H}×${V}`,
      a: tD,
      b: tE,
      shape: { m: T, n: H, k: V },
      check: (c) =>
        rowRatio(
          c,
          H,
          [T - 1],
          V,
          (i, p) => dlogits[i * V + p]!,
          (p, j) => e[p * H + j]!,
        ),
    },
  ];
for (const p of products) {
  const r = await both(async () => {
    const c = await matmul(gpu, p.a, p.b, { transA: p.shape.transA, transB: p.shape.transB });
    await gpu.idle();
    const data = await c.read();
    c.dispose();
    return data;
  });
  const ratio = p.check(r.split);
  report(
    ratio <= 1,
    `${p.name} split: rows vs f64 worst ${ratio.toExponential(2)} × tolerance (${r.splitS.toFixed(2)} s incl. readback)`,
  );
  if (r.whole) {
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < r.whole.length; i++) {
      diff = Math.max(diff, Math.abs(r.whole[i]! - r.split[i]!));
      scale = Math.max(scale, Math.abs(r.whole[i]!));
    }
    const exact = diff === 0;
    // NT splits only N and M (same dot products): bit-identical. TN/NN may split K: reordered sums
    // (H100: 7.4e-6 of max for NN; the rows-vs-f64 check above is the rigorous one).
    report(
      p.shape.transB ? exact : diff <= 1e-4 * scale,
      `${p.name} split vs whole: max |Δ| ${diff.toExponential(2)} of max ${scale.toExponential(2)}${exact ? ' (bit-identical)' : ''} (whole ${r.wholeS.toFixed(2)} s)`,
    );
  }
}

const ids = [V - 1, 0, V - 2, 12345 % V, V - 1, Math.floor(V / 2), V - 70000 > 0 ? V - 70000 : 1];
const dims = { vocab: V, hidden: H };
{
  const dout = values(ids.length * H, 4);
  const tdout = GpuTensor.fromArray(gpu, dout, [ids.length, H], 'dout');
  const r = await both(async () => {
    const out = await embeddingForwardGpu(gpu, tE, ids, dims);
    const dtable = await embeddingBackwardGpu(gpu, tdout, ids, dims);
    const result = { out: await out.read(), rows: new Map<number, Float32Array>() };
    const all = await dtable.read();
    for (const id of ids) result.rows.set(id, all.slice(id * H, (id + 1) * H));
    let nonzero = 0;
    for (let i = 0; i < all.length; i++) if (all[i] !== 0) nonzero += 1;
    out.dispose();
    dtable.dispose();
    return { ...result, nonzero };
  });
  let gatherOk = true;
  ids.forEach((id, t) => {
    for (let j = 0; j < H; j++) if (r.split.out[t * H + j] !== e[id * H + j]) gatherOk = false;
  });
  report(gatherOk, `embedding gather of rows ${ids.join(', ')}: bit-exact`);
  let scatterOk = true;
  for (const id of new Set(ids)) {
    for (let j = 0; j < H; j++) {
      let sum = 0;
      ids.forEach((x, t) => {
        if (x === id) sum += dout[t * H + j]!;
      });
      if (Math.abs(r.split.rows.get(id)![j]! - sum) > 4 * U * Math.abs(sum) + 1e-30) scatterOk = false;
    }
  }
  report(
    scatterOk && r.split.nonzero <= new Set(ids).size * H,
    `embedding scatter-add: touched rows equal the sums, ${r.split.nonzero} nonzero elements`,
  );
  if (r.whole) {
    report(
      r.whole.rows.size === r.split.rows.size &&
        [...r.whole.rows].every(([id, row]) => row.every((v, j) => v === r.split.rows.get(id)![j])),
      'embedding scatter split vs whole: bit-identical',
    );
  }
  tdout.dispose();
}

{
  const grad = values(V * H, 5).map((v) => v * 1e-3);
  const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  const r = await both(async () => {
    const t = [
      GpuTensor.fromArray(gpu, e, [V, H], 'p'),
      GpuTensor.fromArray(gpu, grad, [V, H], 'g'),
      GpuTensor.zeros(gpu, [V, H], 'm'),
      GpuTensor.zeros(gpu, [V, H], 'v'),
    ] as const;
    await adamwStepGpu(gpu, t[0], t[1], t[2], t[3], 1, o);
    const norm = await gradNormGpu(gpu, [t[1]]);
    const p = await t[0].read();
    for (const x of t) x.dispose();
    return { p, norm };
  });
  // Step 1 from zero moments: p·(1 − lr·wd) − lr·g/(|g| + eps) (bias corrections cancel), within a few ulp.
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const g = grad[i]!;
    const expected = e[i]! * (1 - o.lr * o.weightDecay) - (o.lr * g) / (Math.abs(g) + o.eps);
    worst = Math.max(worst, Math.abs(r.split.p[i]! - expected) / (8 * U * (Math.abs(expected) + o.lr)));
  }
  report(
    worst <= 1,
    `AdamW step 1 over ${V * H} elements split: worst ${worst.toExponential(2)} × tolerance (8u·(|p| + lr))`,
  );
  let norm2 = 0;
  for (const g of grad) norm2 += g * g;
  const relNorm = Math.abs(r.split.norm - Math.sqrt(norm2)) / Math.sqrt(norm2);
  report(relNorm < 1e-4, `grad norm split: relative error ${relNorm.toExponential(2)} vs f64`);
  if (r.whole) {
    report(
      r.whole.p.every((v, i) => v === r.split.p[i]),
      `AdamW split vs whole: bit-identical; norms ${r.split.norm} vs ${r.whole.norm}`,
    );
  }
}

for (const t of [tE, tH, tD]) t.dispose();
gpu.destroy();
console.log(failures === 0 ? 'split device check: all passed' : `split device check: ${failures} FAILED`);
process.exitCode = failures === 0 ? 0 : 1;
