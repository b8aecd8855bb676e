import { describeGpu } from '../device/describe-gpu.js';
import { TensorShapeError } from '../device/errors.js';
import { KernelOptionError } from '../errors.js';
import { GpuTensor } from '../gpu/tensor.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { LOG_SOFTMAX_CASES, logSoftmaxCaseInputs, type LogSoftmaxCase } from './log-softmax-gather.cases.js';
import { logSoftmaxGatherBackward as refBackward, logSoftmaxGatherForward as refForward } from './log-softmax-gather.reference.js';
import { pgLossFromLogits } from './pg-loss-logits.reference.js';
import { type PgLossLogitsOptions } from './loss.shared.js';
import { PG_LOSS_CASES, pgLossCaseInputs, type PgLossCase } from './pg-loss.cases.js';
import { seededFloats, seededInts } from '@rlvr/core';
import {
  LOSS_PARAMS,
  LOSS_SPLIT_FALLBACK,
  LOSS_WGSL,
  LOSS_WORKGROUP,
  logSoftmaxGather,
  logSoftmaxGatherBackward,
  lossChunks,
  lossLayout,
  pgLossLogits,
  type LossLayout,
  type PgLossGpuInputs,
} from './loss.gpu.js';
import { logSoftmaxTolerances, pgLossTolerances } from './loss.tolerance.js';

/** Worst |actual − expected| / tol; non-finite expectations must match exactly. */
function expectWithin(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: ArrayLike<number>, what: string): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const ratio = a === e ? 0 : Number.isFinite(e) ? Math.abs(a - e) / tol[i]! : Infinity;
    if (!(ratio <= worst)) {
      worst = ratio;
      index = i;
    }
  }
  if (process.env.LOSS_TOL_REPORT) process.stderr.write(`${what}: worst ${worst.toExponential(2)} of tolerance\n`);
  if (!(worst <= 1)) throw new Error(`${what}: element ${index} is ${actual[index]}, expected ${expected[index]} ± ${tol[index]} (${worst.toFixed(1)}× the tolerance)`);
}

const f64 = (a: Float32Array): Float64Array => Float64Array.from(a);

// Every case runs in each layout: the row layout (hardware adapters), the split layout as used on
// llvmpipe, and a tiny split (chunks of 4 over 2 invocations) where most vocabularies are not a
// multiple of the chunk, vocab 7 spans two chunks and the Qwen rows need more than 65,535 workgroups.
const LAYOUTS: [string, LossLayout][] = [
  ['row', { workgroup: LOSS_WORKGROUP, chunk: null }],
  ['split', { ...LOSS_SPLIT_FALLBACK }],
  ['split, chunk 4', { workgroup: 2, chunk: 4 }],
];
const withLayouts = <T>(cases: readonly T[], name: (c: T) => string): [string, string, T, LossLayout][] =>
  cases.flatMap((c) => LAYOUTS.map(([layoutName, layout]) => [name(c), layoutName, c, layout] as [string, string, T, LossLayout]));

/** PG inputs on top of logits: the case's log-ratios, advantages and mask, anchored at the reference logprobs. */
function pgLogitsCase(
  c: PgLossCase,
  vocab: number,
  extremes: boolean,
): {
  logits: Float32Array;
  targets: Int32Array;
  inputs: { oldLogp: Float32Array; advantages: Float32Array; mask: Float32Array; refLogp: Float32Array | null; samplerLogp: Float32Array | null };
} {
  const tokens = c.options.batch * c.options.seqLen;
  const logits = seededFloats(c.seed * 13, tokens * vocab, 3);
  const targets = seededInts(c.seed * 13 + 1, tokens, vocab);
  if (extremes) {
    // −∞ masked vocabulary entries (never the target), and ±1e4 logits.
    for (let t = 0; t < tokens; t++) {
      const j = (targets[t]! + 1 + (t % (vocab - 1))) % vocab;
      if (j !== targets[t]) logits[t * vocab + j] = -Infinity;
    }
    logits[targets[0]!] = 1e4;
    if (tokens > 1) logits[vocab + ((targets[1]! + 2) % vocab)] = -1e4;
  }
  const caseIn = pgLossCaseInputs(c);
  const lp = refForward(f64(logits), targets, { tokens, vocab }).logprob;
  const shift = (x: Float32Array | null): Float32Array | null => x && x.map((v, i) => (caseIn.mask[i] === 0 ? v : lp[i]! + (v - caseIn.logp[i]!)));
  return {
    logits,
    targets,
    inputs: { oldLogp: shift(caseIn.oldLogp)!, advantages: caseIn.advantages, mask: caseIn.mask, refLogp: shift(caseIn.refLogp), samplerLogp: shift(caseIn.samplerLogp) },
  };
}

await describeGpu('fused log-softmax + gather and PG loss on WebGPU vs the CPU reference', (gpu) => {
  const upload = (logits: Float32Array, targets: Int32Array, tokens: number, vocab: number): [GpuTensor, GpuTensor] => [
    GpuTensor.fromArray(gpu, logits, [tokens, vocab], 'logits'),
    GpuTensor.fromArray(gpu, Float32Array.from(targets), [tokens], 'targets'),
  ];

  it('the uniform layout matches the WGSL struct', () => {
    expect(wgslStructFields(LOSS_WGSL, 'Params')).toEqual([...LOSS_PARAMS]);
  });

  it.each(withLayouts<LogSoftmaxCase>(LOG_SOFTMAX_CASES, (c) => c.name))('log-softmax forward + backward: %s (%s layout)', async (_name, _layoutName, c, layout) => {
    const { logits, targets, gLogprob, gEntropy } = logSoftmaxCaseInputs(c);
    const { tokens, vocab } = c.dims;
    const [tl, tt] = upload(logits, targets, tokens, vocab);
    try {
      const fwd = await logSoftmaxGather(gpu, tl, tt, { temperature: c.dims.temperature, ...layout });
      const bwd = await logSoftmaxGatherBackward(gpu, tl, tt, gLogprob, gEntropy, { temperature: c.dims.temperature, ...layout });
      const dlogits = await bwd.dlogits.read();
      bwd.dlogits.dispose();
      const ref = refForward(f64(logits), targets, c.dims);
      const refD = refBackward(f64(logits), targets, f64(gLogprob), f64(gEntropy), c.dims);
      const tol = logSoftmaxTolerances(logits, targets, c.dims, gLogprob, gEntropy, layout);
      expectWithin(fwd.logprob, ref.logprob, tol.logprob, 'logprob');
      expectWithin(fwd.entropy, ref.entropy, tol.entropy, 'entropy');
      expectWithin(bwd.logprob, ref.logprob, tol.logprob, 'logprob (backward pass)');
      expectWithin(dlogits, refD, tol.dlogits, 'dlogits');
    } finally {
      tl.dispose();
      tt.dispose();
    }
  });

  // Vocabulary, extremes (−∞ masks, ±1e4 logits), temperature and entropy bonus vary across the cases.
  const variants = PG_LOSS_CASES.map((c, i) => ({ c, vocab: [7, 33, 50, 128, 61, 5, 6][i] ?? 33, extremes: i % 2 === 1, temperature: i === 3 ? 0.7 : 1, entropyCoef: i % 3 === 2 ? 0.01 : 0 }));
  const pgOptions = (v: (typeof variants)[number]): PgLossLogitsOptions => ({ ...v.c.options, vocab: v.vocab, temperature: v.temperature, entropyCoef: v.entropyCoef });

  /** The fused PG loss on the GPU for one case: its statistics and dlogits read back, every tensor released. */
  async function gpuPgLoss(logits: Float32Array, targets: Int32Array, inputs: PgLossGpuInputs, o: PgLossLogitsOptions, layout: LossLayout) {
    const tokens = o.batch * o.seqLen;
    const [tl, tt] = upload(logits, targets, tokens, o.vocab);
    try {
      const got = await pgLossLogits(gpu, tl, tt, inputs, { ...o, ...layout });
      const dlogits = await got.dlogits.read();
      got.dlogits.dispose();
      return { got, dlogits };
    } finally {
      tl.dispose();
      tt.dispose();
    }
  }

  it.each(withLayouts(variants, (v) => v.c.name))('PG loss from logits: %s (%s layout)', async (_name, _layoutName, v, layout) => {
    const { c, vocab } = v;
    const tokens = c.options.batch * c.options.seqLen;
    const { logits, targets, inputs } = pgLogitsCase(c, vocab, v.extremes);
    const o = pgOptions(v);
    expect(lossChunks(layout, vocab)).toBeGreaterThanOrEqual(1);
    const ref = pgLossFromLogits(f64(logits), targets, inputs, o);
    // A token whose f64 ratio sits within 1e-5 of a clip boundary could legitimately switch branch in
    // f32 (and its gradient with it); the case tables have none, which this asserts.
    for (let i = 0; i < tokens; i++) {
      if (inputs.mask[i] === 0) continue;
      const r = Math.exp(ref.logp[i]! - inputs.oldLogp[i]!);
      expect(Math.min(Math.abs(r - (1 - o.epsLow)), Math.abs(r - (1 + o.epsHigh)))).toBeGreaterThan(1e-5);
    }
    const { got, dlogits } = await gpuPgLoss(logits, targets, inputs, o, layout);
    const tol = pgLossTolerances(logits, targets, inputs, o, ref, layout);
    const masked = (a: ArrayLike<number>): number[] => Array.from(a).filter((_, i) => inputs.mask[i] !== 0);
    expectWithin(masked(got.logp), masked(ref.logp), masked(tol.logprob), 'logp');
    expect(Math.abs(got.loss - ref.loss)).toBeLessThanOrEqual(tol.loss);
    expect(got.clipFraction).toBe(ref.clipFraction);
    expect(got.clipLowFraction).toBe(ref.clipLowFraction);
    expect(got.clipHighFraction).toBe(ref.clipHighFraction);
    expect(got.clipRegionFraction).toBe(ref.clipRegionFraction);
    expect(got.isWeightMean).toBeCloseTo(ref.isWeightMean, 5);
    expect(got.klMean).toBeCloseTo(ref.klMean, 4);
    expect(got.entropyMean).toBeCloseTo(ref.entropyMean, 4);
    expectWithin(dlogits, ref.dlogits, tol.dlogits, 'dlogits');
  });

  // On-policy (no oldLogp): the kernel uses each token's own logprob as the old one, so the ratio is 1.
  const onPolicy = variants.filter((v) => /k3 \+ TIS|many clipped/.test(v.c.name));
  it.each(withLayouts(onPolicy, (v) => v.c.name))('on-policy PG loss (no oldLogp): %s (%s layout)', async (_name, _layoutName, v, layout) => {
    const { logits, targets, inputs } = pgLogitsCase(v.c, v.vocab, v.extremes);
    const onPolicyInputs = { ...inputs, oldLogp: null };
    const o = pgOptions(v);
    const ref = pgLossFromLogits(f64(logits), targets, onPolicyInputs, o);
    expect(ref.clipFraction).toBe(0);
    const { got, dlogits } = await gpuPgLoss(logits, targets, onPolicyInputs, o, layout);
    const tol = pgLossTolerances(logits, targets, onPolicyInputs, o, ref, layout);
    expect(got.clipFraction).toBe(0);
    expect(Math.abs(got.loss - ref.loss)).toBeLessThanOrEqual(tol.loss);
    expect(got.isWeightMean).toBeCloseTo(ref.isWeightMean, 5);
    expectWithin(dlogits, ref.dlogits, tol.dlogits, 'dlogits');
    // Not the off-policy result: with the case's old logprobs many tokens clip.
    expect(pgLossFromLogits(f64(logits), targets, inputs, o).clipFraction).toBeGreaterThan(0);
  });

  it('refuses the options it lacks, naming them (the gpu decoder runs those on the rows)', async () => {
    const v = variants[1]!;
    const { logits, targets, inputs } = pgLogitsCase(v.c, v.vocab, false);
    for (const [extra, named] of [
      [{ importanceLevel: 'sequence' }, 'importanceLevel = sequence'],
      [{ kl: 'k2' }, 'kl = k2'],
    ] as const) {
      await expect(gpuPgLoss(logits, targets, inputs, { ...pgOptions(v), ...extra }, LAYOUTS[0]![1])).rejects.toThrow(`pg-loss: ${named} is not in the fused kernel`);
    }
  });

  it('picks the split layout on a software fallback adapter and the row layout otherwise; options override', () => {
    expect(lossLayout(gpu)).toEqual(gpu.adapter.isFallbackAdapter ? { ...LOSS_SPLIT_FALLBACK } : { workgroup: LOSS_WORKGROUP, chunk: null });
    expect(lossLayout(gpu, { chunk: null })).toEqual({ workgroup: LOSS_WORKGROUP, chunk: null });
    expect(lossLayout(gpu, { chunk: 64, workgroup: 4 })).toEqual({ workgroup: 4, chunk: 64 });
    expect(lossChunks({ workgroup: 8, chunk: 8 }, 17)).toBe(3);
  });

  // Split-layout edge cases: a chunk that is entirely −∞ inside a finite row (its state is empty and
  // must merge without ∞ − ∞), a row whose only finite logit is the lone element of its last chunk,
  // the target in a partial last chunk, and a row of all −∞; vocab 18 (not a multiple of 4) and 20.
  it.each([18, 20])('split layout with all −∞ chunks and a partial last chunk (vocab %i)', async (vocab) => {
    const tokens = 4;
    const logits = seededFloats(71, tokens * vocab, 3);
    for (let j = 8; j < 16; j++) logits[j] = -Infinity; // row 0: chunk 1 (of 8) all −∞
    for (let j = 0; j < vocab - 1; j++) logits[vocab + j] = -Infinity; // row 1: only the last logit is finite
    for (let j = 0; j < vocab; j++) logits[3 * vocab + j] = -Infinity; // row 3: all −∞
    const targets = Int32Array.from([2, vocab - 1, vocab - 1, 0]);
    const gLogprob = seededFloats(72, tokens, 1);
    const gEntropy = seededFloats(73, tokens, 1);
    const dims = { tokens, vocab };
    const [tl, tt] = upload(logits, targets, tokens, vocab);
    try {
      for (const layout of [
        { workgroup: 2, chunk: 8 },
        { workgroup: 8, chunk: 4 },
      ]) {
        const bwd = await logSoftmaxGatherBackward(gpu, tl, tt, gLogprob, gEntropy, layout);
        const dlogits = await bwd.dlogits.read();
        bwd.dlogits.dispose();
        const ref = refForward(f64(logits), targets, dims);
        const tol = logSoftmaxTolerances(logits, targets, dims, gLogprob, gEntropy, layout);
        expectWithin(bwd.logprob, ref.logprob, tol.logprob, `logprob ${JSON.stringify(layout)}`);
        expectWithin(bwd.entropy, ref.entropy, tol.entropy, `entropy ${JSON.stringify(layout)}`);
        expectWithin(dlogits, refBackward(f64(logits), targets, f64(gLogprob), f64(gEntropy), dims), tol.dlogits, `dlogits ${JSON.stringify(layout)}`);
        expect(bwd.logprob[1]).toBe(0); // the only finite logit has probability 1
        expect(bwd.logprob[3]).toBe(-Infinity);
      }
    } finally {
      tl.dispose();
      tt.dispose();
    }
  });

  it('rejects a split chunk that is not a positive multiple of 4', async () => {
    const tl = GpuTensor.zeros(gpu, [2, 8], 'logits');
    const tt = GpuTensor.zeros(gpu, [2], 'targets');
    await expect(logSoftmaxGather(gpu, tl, tt, { chunk: 6 })).rejects.toThrow(/chunk 6 must be a positive multiple of 4/);
    await expect(logSoftmaxGather(gpu, tl, tt, { chunk: 0 })).rejects.toThrow(KernelOptionError);
    tl.dispose();
    tt.dispose();
  });

  it('rejects mismatched shapes with a message naming the tensor', async () => {
    const tl = GpuTensor.zeros(gpu, [3, 5], 'logits');
    const tt = GpuTensor.zeros(gpu, [4], 'targets');
    await expect(logSoftmaxGather(gpu, tl, tt)).rejects.toThrow(TensorShapeError);
    await expect(logSoftmaxGather(gpu, tl, tt)).rejects.toThrow(/targets has shape \[4\]; expected \[3\]/);
    const t3 = GpuTensor.zeros(gpu, [3], 'targets');
    const opts = { batch: 1, seqLen: 3, vocab: 5, epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean' as const };
    const ok = new Float32Array(3);
    await expect(pgLossLogits(gpu, tl, t3, { oldLogp: ok, advantages: new Float32Array(2), mask: ok }, opts)).rejects.toThrow(/advantages has 2 values/);
    for (const t of [tl, tt, t3]) t.dispose();
  });

  it('refuses logits larger than one storage binding, saying how many rows fit', async () => {
    const tl = GpuTensor.zeros(gpu, [8, 64], 'logits');
    const tt = GpuTensor.zeros(gpu, [8], 'targets');
    gpu.limitBindingBytes(1024);
    try {
      await expect(logSoftmaxGather(gpu, tl, tt)).rejects.toThrow(/logits \[8, 64\] are 0 MiB, more than one storage binding .*; pass at most 4 rows per call/);
    } finally {
      gpu.limitBindingBytes(null);
      tl.dispose();
      tt.dispose();
    }
  });

  it('writes dlogits into a caller-provided tensor (no reallocation across steps)', async () => {
    const tokens = 4;
    const vocab = 64;
    const [tl, tt] = upload(seededFloats(99, tokens * vocab, 4), seededInts(98, tokens, vocab), tokens, vocab);
    const inputs = { oldLogp: new Float32Array(tokens).fill(-4), advantages: seededFloats(97, tokens, 1), mask: new Float32Array(tokens).fill(1) };
    const o = { batch: 1, seqLen: tokens, vocab, epsLow: 0.2, epsHigh: 0.28, beta: 0, aggregation: 'token-mean' as const };
    const first = await pgLossLogits(gpu, tl, tt, inputs, o);
    const again = await pgLossLogits(gpu, tl, tt, inputs, { ...o, out: first.dlogits });
    expect(again.dlogits).toBe(first.dlogits);
    expect(again.loss).toBe(first.loss);
    first.dlogits.dispose();
    tl.dispose();
    tt.dispose();
  });
});
