/**
 * The fused log-softmax + gather kernel over the vocabulary (token logprobs and entropies, reading the
 * logits once) and the policy-gradient loss built on it, whose gradient wrt the logits is written in
 * the same dispatch that recomputes the softmax. Matches `logSoftmaxGatherForward/Backward` and
 * `pgLossFromLogits` of the references (log-softmax-gather.reference.ts, pg-loss-logits.reference.ts).
 *
 * Aggregation: every mode is linear in the per-token loss, so the host computes the per-token weights
 * with the shared `aggregationWeights` (loss.shared.ts; O(tokens), mask only) and uploads them; the kernel writes
 * weighted per-token loss terms and statistics [tokens, 8] and the host sums them in f64.
 * Token ids travel as f32 (exact below 2²⁴; vocabularies are checked against that).
 *
 * Layout: on a hardware adapter one workgroup of {@link LOSS_WORKGROUP} invocations per row in one
 * dispatch (`main`); on a software fallback adapter (llvmpipe) rows are split into chunks over many
 * small workgroups and three dispatches (`partial`, `combine`, `grad`; see loss.wgsl for why).
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { KernelOptionError } from '../errors.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { f32Bits, planDispatch, sequence, submitPlans, type KernelPlan } from '../kernel-common/plan.js';
import { aggregationWeights, type PgLossOptions, referenceOnlyOption } from './loss.shared.js';
import type { PgLossLogitsResult } from './loss.shared.js';
import source from './loss.wgsl';

/** The WGSL source of the fused log-softmax / PG-loss kernel. */
export const LOSS_WGSL: string = source;

/** Field order of the shader's `Params` uniform struct (checked against the WGSL by a test). */
export const LOSS_PARAMS = [
  'tokens',
  'vocab',
  'groupsX',
  'flags',
  'temperature',
  'epsLow',
  'epsHigh',
  'beta',
  'tisCap',
  'entropyCoef',
  'negInf',
  'chunks',
  'chunkLen',
  'pad0',
  'pad1',
  'pad2',
] as const;

/** Invocations per row in the row layout (one workgroup per token row); a power of two. */
export const LOSS_WORKGROUP = 128;

/**
 * The split layout used on software fallback adapters: `workgroup` invocations per chunk of `chunk`
 * logits. Measured on lavapipe (2-core EPYC, CPU time of the dispatches, 64 × 32,768): 8 invocations
 * (one 8-wide SIMD vector, so the reduction's barriers are nearly free) over chunks of 8,192 cost
 * 20–35% less than the row layout's 128 per row for the forward and ≈ 25% less for loss + dlogits
 * (chunks of 4,096 and 16,384 within a few per cent; 16 invocations slower).
 */
export const LOSS_SPLIT_FALLBACK = { workgroup: 8, chunk: 8192 } as const;

/** How the kernel spreads a row over workgroups: `chunk` null = one workgroup per row (`main`). */
export interface LossLayout {
  /** Invocations per workgroup (a power of two). */
  workgroup: number;
  /** Logits per workgroup in the split layout (a multiple of 4), or null for the row layout. */
  chunk: number | null;
}

/** The layout for `gpu` (row on hardware, split on a software fallback adapter) unless options choose one. */
export function lossLayout(gpu: GpuDevice, options: { workgroup?: number; chunk?: number | null } = {}): LossLayout {
  const fallback = gpu.adapter.isFallbackAdapter;
  const chunk = options.chunk !== undefined ? options.chunk : fallback ? LOSS_SPLIT_FALLBACK.chunk : null;
  const workgroup = options.workgroup ?? (chunk === null ? LOSS_WORKGROUP : LOSS_SPLIT_FALLBACK.workgroup);
  return { workgroup, chunk };
}

/** Chunks per row of `vocab` logits in `layout` (1 in the row layout). */
export function lossChunks(layout: LossLayout, vocab: number): number {
  return layout.chunk === null ? 1 : Math.ceil(vocab / layout.chunk);
}

/** Floats per token in the kernel's per-token input and output blocks. */
const STRIDE = 8;

/** What the kernel computes: forward only, backward from given upstream gradients, or the PG loss. */
export type LossMode = 'forward' | 'backward' | 'pg';

const MODE_ID: Record<LossMode, number> = { forward: 0, backward: 1, pg: 2 };

/** Entry points of the loss shader: the row layout's `main`, the split layout's three passes. */
export type LossEntryPoint = 'main' | 'partial' | 'combine' | 'grad';

/** The pipeline spec of a mode and entry point. */
function lossPipelineSpec(
  mode: LossMode,
  vocab: number,
  workgroup: number = LOSS_WORKGROUP,
  entryPoint: LossEntryPoint = 'main',
): PipelineSpec {
  // VEC4: rows (and chunks, a multiple of 4 long) start on 16-byte boundaries, so the kernel loads and stores four logits at a time.
  return {
    id: 'loss',
    code: source,
    entryPoint,
    constants: { MODE: MODE_ID[mode], WG: workgroup, VEC4: vocab % 4 === 0 },
  };
}

/** Options shared by the log-softmax kernels. */
export interface LogSoftmaxGpuOptions {
  /** Logits are divided by this before the softmax; default 1. */
  temperature?: number;
  /** Invocations per workgroup (power of two ≤ the device limit); default from {@link lossLayout}. */
  workgroup?: number;
  /** Logits per workgroup (split layout, a multiple of 4) or null (row layout); default from {@link lossLayout}. */
  chunk?: number | null;
}

/** Validate logits [tokens, vocab] and targets [tokens]; returns the shape. */
function checkLogits(
  gpu: GpuDevice,
  kernel: string,
  logits: GpuTensor,
  targets: GpuTensor,
): { tokens: number; vocab: number } {
  if (logits.shape.length !== 2) {
    throw new TensorShapeError(`${kernel}: logits has shape [${logits.shape.join(', ')}]; expected [tokens, vocab]`);
  }
  const [tokens, vocab] = logits.shape as [number, number];
  if (vocab < 1 || vocab >= 2 ** 24) {
    throw new TensorShapeError(`${kernel}: logits vocab ${vocab} must be in [1, 2²⁴) (token ids travel as f32)`);
  }
  if (targets.size !== tokens) {
    throw new TensorShapeError(
      `${kernel}: targets has shape [${targets.shape.join(', ')}]; expected [${tokens}] (one id per logits row)`,
    );
  }
  const maxGroups = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (tokens > maxGroups * maxGroups) {
    throw new TensorShapeError(`${kernel}: logits has ${tokens} rows, more than ${maxGroups}² workgroups`);
  }
  // The fused kernels bind the logits (and dlogits) whole: refuse clearly rather than fail validation.
  const bytes = tokens * vocab * 4;
  if (bytes > gpu.maxBindingBytes) {
    const rows = Math.max(1, Math.floor(gpu.maxBindingBytes / (vocab * 4)));
    throw new TensorShapeError(
      `${kernel}: logits [${tokens}, ${vocab}] are ${(bytes / 2 ** 20).toFixed(0)} MiB, more than one storage binding (${(gpu.maxBindingBytes / 2 ** 20).toFixed(0)} MiB on this adapter); pass at most ${rows} rows per call (smaller micro-batches)`,
    );
  }
  return { tokens, vocab };
}

interface LossRun {
  mode: LossMode;
  logits: GpuTensor;
  targets: GpuTensor;
  tokenIn: Float32Array | null;
  dlogits: GpuTensor | null;
  flags: number;
  temperature: number;
  epsLow?: number;
  epsHigh?: number;
  beta?: number;
  tisCap?: number;
  entropyCoef?: number;
  workgroup?: number;
  chunk?: number | null;
}

/** Encode and submit the layout's dispatches in one pass, read back; returns the per-token block [tokens, 8]. */
async function runLoss(gpu: GpuDevice, kernel: string, run: LossRun): Promise<Float32Array> {
  const { tokens, vocab } = checkLogits(gpu, kernel, run.logits, run.targets);
  const temperature = run.temperature;
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new KernelOptionError(`${kernel}: temperature must be finite and > 0, got ${temperature}`);
  }
  const layout = lossLayout(gpu, run);
  const wg = layout.workgroup;
  if (!(Number.isInteger(wg) && wg > 0 && (wg & (wg - 1)) === 0)) {
    throw new KernelOptionError(`${kernel}: workgroup ${wg} must be a power of two`);
  }
  if (layout.chunk !== null && !(Number.isInteger(layout.chunk) && layout.chunk > 0 && layout.chunk % 4 === 0)) {
    throw new KernelOptionError(`${kernel}: chunk ${layout.chunk} must be a positive multiple of 4`);
  }
  if (run.dlogits && run.dlogits.size !== tokens * vocab) {
    throw new TensorShapeError(
      `${kernel}: dlogits has shape [${run.dlogits.shape.join(', ')}]; expected [${tokens}, ${vocab}]`,
    );
  }
  if (tokens === 0) return new Float32Array(0);
  const chunks = lossChunks(layout, vocab);
  const maxGroups = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (tokens * chunks > maxGroups * maxGroups) {
    throw new TensorShapeError(
      `${kernel}: logits has ${tokens} rows × ${chunks} chunks, more than ${maxGroups}² workgroups`,
    );
  }
  const tokenOut = GpuTensor.zeros(gpu, [tokens, STRIDE], `${kernel}-token-out`);
  const tokenIn = GpuTensor.fromArray(
    gpu,
    run.tokenIn ?? new Float32Array(tokens * STRIDE),
    [tokens, STRIDE],
    `${kernel}-token-in`,
  );
  // Row layout: forward-only runs still bind a dlogits buffer (never written), one bind-group layout for all modes.
  const dummy = run.dlogits || layout.chunk !== null ? null : GpuTensor.zeros(gpu, [1], `${kernel}-no-dlogits`);
  // Split layout: chunk states, then two vec4 per row (see loss.wgsl).
  const stats =
    layout.chunk === null ? null : GpuTensor.zeros(gpu, [tokens * chunks + 2 * tokens, 4], `${kernel}-stats`);
  try {
    const uniforms = (groupsX: number): Record<string, number> => ({
      tokens,
      vocab,
      groupsX,
      flags: run.flags,
      temperature: f32Bits(temperature),
      epsLow: f32Bits(run.epsLow ?? 0),
      epsHigh: f32Bits(run.epsHigh ?? 0),
      beta: f32Bits(run.beta ?? 0),
      tisCap: f32Bits(run.tisCap ?? 0),
      entropyCoef: f32Bits(run.entropyCoef ?? 0),
      negInf: 0xff800000,
      chunks,
      chunkLen: layout.chunk ?? vocab,
      pad0: 0,
      pad1: 0,
      pad2: 0,
    });
    // `groups` workgroups folded into [x, y]; the shader unfolds them with groupsX.
    const dispatch = (entry: LossEntryPoint, buffers: (GpuTensor | null)[], groups: number): KernelPlan => {
      const groupsX = Math.min(groups, maxGroups);
      const spec = lossPipelineSpec(run.mode, vocab, wg, entry);
      return planDispatch(
        gpu,
        spec,
        buffers.map((t) => t?.buffer ?? null),
        LOSS_PARAMS,
        uniforms(groupsX),
        [groupsX, Math.ceil(groups / groupsX)],
      );
    };
    await submitPlans(gpu, kernel, () => {
      if (stats === null) {
        return dispatch('main', [run.logits, run.targets, tokenIn, run.dlogits ?? dummy!, tokenOut, null], tokens);
      }
      const plans = [
        dispatch('partial', [run.logits, null, null, null, null, stats], tokens * chunks),
        dispatch('combine', [run.logits, run.targets, tokenIn, null, tokenOut, stats], Math.ceil(tokens / wg)),
      ];
      if (run.dlogits) {
        plans.push(dispatch('grad', [run.logits, run.targets, null, run.dlogits, null, stats], tokens * chunks));
      }
      return sequence(plans);
    });
    return await tokenOut.read();
  } finally {
    tokenOut.dispose();
    tokenIn.dispose();
    dummy?.dispose();
    stats?.dispose();
  }
}

/** Per-token column `k` of a [tokens, 8] block. */
function column(block: Float32Array, k: number): Float32Array {
  const out = new Float32Array(block.length / STRIDE);
  for (let i = 0; i < out.length; i++) out[i] = block[i * STRIDE + k]!;
  return out;
}

/** Token logprobs and entropies of logits [tokens, vocab] at targets [tokens] (ids as f32), reading each row once. */
export async function logSoftmaxGather(
  gpu: GpuDevice,
  logits: GpuTensor,
  targets: GpuTensor,
  options: LogSoftmaxGpuOptions = {},
): Promise<{ logprob: Float32Array; entropy: Float32Array }> {
  const block = await runLoss(gpu, 'log-softmax-gather', {
    mode: 'forward',
    logits,
    targets,
    tokenIn: null,
    dlogits: null,
    flags: 0,
    temperature: options.temperature ?? 1,
    workgroup: options.workgroup,
    chunk: options.chunk,
  });
  return { logprob: column(block, 0), entropy: column(block, 1) };
}

/** dlogits [tokens, vocab] from upstream gradients of logprob and entropy [tokens] (null = zeros); also returns the forward. */
export async function logSoftmaxGatherBackward(
  gpu: GpuDevice,
  logits: GpuTensor,
  targets: GpuTensor,
  gLogprob: Float32Array | null,
  gEntropy: Float32Array | null,
  options: LogSoftmaxGpuOptions & { out?: GpuTensor } = {},
): Promise<{ dlogits: GpuTensor; logprob: Float32Array; entropy: Float32Array }> {
  const { tokens, vocab } = checkLogits(gpu, 'log-softmax-gather-backward', logits, targets);
  for (const [name, g] of [
    ['gLogprob', gLogprob],
    ['gEntropy', gEntropy],
  ] as const) {
    if (g && g.length !== tokens) {
      throw new TensorShapeError(`log-softmax-gather-backward: ${name} has ${g.length} values; expected [${tokens}]`);
    }
  }
  const tokenIn = new Float32Array(tokens * STRIDE);
  for (let i = 0; i < tokens; i++) {
    tokenIn[i * STRIDE] = gLogprob?.[i] ?? 0;
    tokenIn[i * STRIDE + 1] = gEntropy?.[i] ?? 0;
  }
  const dlogits = options.out ?? GpuTensor.zeros(gpu, [tokens, vocab], 'dlogits');
  try {
    const block = await runLoss(gpu, 'log-softmax-gather-backward', {
      mode: 'backward',
      logits,
      targets,
      tokenIn,
      dlogits,
      flags: 0,
      temperature: options.temperature ?? 1,
      workgroup: options.workgroup,
      chunk: options.chunk,
    });
    return { dlogits, logprob: column(block, 0), entropy: column(block, 1) };
  } catch (error) {
    if (!options.out) dlogits.dispose();
    throw error;
  }
}

/** Per-token inputs of {@link pgLossLogits}, all [batch, seqLen] (CPU arrays; uploaded as one [tokens, 8] block). */
export interface PgLossGpuInputs {
  /** Logprobs of the sampling-time policy as recomputed by the trainer; null = on-policy (the loss's own logprobs, held constant: ratio 1). */
  oldLogp: Float32Array | null;
  /** Per-token advantages. */
  advantages: Float32Array;
  /** Response mask (1 = in the loss). */
  mask: Float32Array | Uint8Array;
  /** Reference-policy logprobs (needed when beta ≠ 0; gives klMean otherwise). */
  refLogp?: Float32Array | null;
  /** Sampler logprobs for the truncated IS weight (needs tisCap). */
  samplerLogp?: Float32Array | null;
}

/** Options of {@link pgLossLogits}: those of the reference's `pgLossFromLogits`. */
export interface PgLossGpuOptions extends PgLossOptions {
  /** vocab_size (must equal the logits' last dimension). */
  vocab: number;
  /** Logits are divided by this; default 1. */
  temperature?: number;
  /** Entropy bonus coefficient; default 0. */
  entropyCoef?: number;
  /** Write dlogits here instead of a new tensor. */
  out?: GpuTensor;
  /** Invocations per workgroup; default from {@link lossLayout}. */
  workgroup?: number;
  /** Logits per workgroup (split layout) or null (row layout); default from {@link lossLayout}. */
  chunk?: number | null;
}

/** The PG loss from logits computed on the GPU: scalar loss and statistics (summed in f64 on the host), per-token values, dlogits. */
export interface PgLossGpuResult extends Omit<PgLossLogitsResult<Float32Array>, 'dlogits'> {
  /** Token entropies [tokens]. */
  entropy: Float32Array;
  /** d loss / d logits [tokens, vocab] on the GPU (caller disposes unless it passed `out`). */
  dlogits: GpuTensor;
}

/** The policy-gradient loss of pg-loss-logits.reference.ts on the GPU, with d loss / d logits from the same dispatch. */
export async function pgLossLogits(
  gpu: GpuDevice,
  logits: GpuTensor,
  targets: GpuTensor,
  inputs: PgLossGpuInputs,
  o: PgLossGpuOptions,
): Promise<PgLossGpuResult> {
  const kernel = 'pg-loss';
  const { tokens, vocab } = checkLogits(gpu, kernel, logits, targets);
  const n = o.batch * o.seqLen;
  if (n !== tokens) {
    throw new TensorShapeError(`${kernel}: logits has ${tokens} rows; batch ${o.batch} × seqLen ${o.seqLen} = ${n}`);
  }
  if (vocab !== o.vocab) throw new TensorShapeError(`${kernel}: logits vocab ${vocab} ≠ options.vocab ${o.vocab}`);
  const named: [string, ArrayLike<number> | null | undefined][] = [
    ['oldLogp', inputs.oldLogp],
    ['advantages', inputs.advantages],
    ['mask', inputs.mask],
    ['refLogp', inputs.refLogp],
    ['samplerLogp', inputs.samplerLogp],
  ];
  for (const [name, a] of named) {
    if (a && a.length !== n) {
      throw new TensorShapeError(
        `${kernel}: ${name} has ${a.length} values; expected [batch ${o.batch}, seqLen ${o.seqLen}] = ${n}`,
      );
    }
  }
  if (!(o.epsLow >= 0 && o.epsLow < 1)) {
    throw new KernelOptionError(`${kernel}: epsLow must be in [0, 1), got ${o.epsLow}`);
  }
  if (!(o.epsHigh >= 0)) throw new KernelOptionError(`${kernel}: epsHigh must be ≥ 0, got ${o.epsHigh}`);
  const missing = referenceOnlyOption(o);
  if (missing !== null) {
    throw new KernelOptionError(
      `${kernel}: ${missing} is not in the fused kernel; run logSoftmaxGather, the reference loss on the rows (rowPolicyLoss) and logSoftmaxGatherBackward`,
    );
  }
  const refLogp = inputs.refLogp ?? null;
  const samplerLogp = inputs.samplerLogp ?? null;
  if (o.beta !== 0 && !refLogp) throw new KernelOptionError(`${kernel}: refLogp is required when beta = ${o.beta} ≠ 0`);
  const cap = o.tisCap ?? null;
  if ((cap === null) !== (samplerLogp === null)) {
    throw new KernelOptionError(`${kernel}: truncated IS needs both samplerLogp and tisCap (or neither)`);
  }
  if (cap !== null && !(cap > 0)) throw new KernelOptionError(`${kernel}: tisCap must be > 0, got ${cap}`);
  const normaliser = o.normaliser ?? o.seqLen;
  if (o.aggregation === 'seq-mean-token-sum-norm' && !(normaliser > 0)) {
    throw new KernelOptionError(`${kernel}: normaliser must be > 0, got ${normaliser}`);
  }

  // Aggregation weights on the CPU (O(tokens), depends on the mask only), uploaded per token.
  const weights = aggregationWeights(inputs.mask, o.batch, o.seqLen, o.aggregation, normaliser);
  const tokenIn = new Float32Array(n * STRIDE);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const masked = inputs.mask[i] !== 0;
    if (masked) count++;
    // Unmasked positions may hold −∞ / NaN padding: never uploaded, so never read.
    tokenIn[i * STRIDE] = masked && inputs.oldLogp ? inputs.oldLogp[i]! : 0;
    tokenIn[i * STRIDE + 1] = masked ? inputs.advantages[i]! : 0;
    tokenIn[i * STRIDE + 2] = masked ? 1 : 0;
    tokenIn[i * STRIDE + 3] = weights[i]!;
    tokenIn[i * STRIDE + 4] = masked && refLogp ? refLogp[i]! : 0;
    tokenIn[i * STRIDE + 5] = masked && samplerLogp ? samplerLogp[i]! : 0;
  }
  const flags =
    (refLogp ? 1 : 0) | ((o.kl ?? 'k3') === 'k3' ? 2 : 0) | (cap !== null ? 4 : 0) | (inputs.oldLogp ? 0 : 8);
  const dlogits = o.out ?? GpuTensor.zeros(gpu, [tokens, vocab], 'dlogits');
  let block: Float32Array;
  try {
    block = await runLoss(gpu, kernel, {
      mode: 'pg',
      logits,
      targets,
      tokenIn,
      dlogits,
      flags,
      temperature: o.temperature ?? 1,
      epsLow: o.epsLow,
      epsHigh: o.epsHigh,
      beta: o.beta,
      tisCap: cap ?? 0,
      entropyCoef: o.entropyCoef ?? 0,
      workgroup: o.workgroup,
      chunk: o.chunk,
    });
  } catch (error) {
    if (!o.out) dlogits.dispose();
    throw error;
  }
  let loss = 0;
  let clipped = 0;
  let low = 0;
  let high = 0;
  let region = 0;
  let kl = 0;
  let w = 0;
  let entropySum = 0;
  for (let i = 0; i < n; i++) {
    if (inputs.mask[i] === 0) continue;
    const b = i * STRIDE;
    loss += block[b + 2]!;
    const code = block[b + 4]!;
    if (code & 1) clipped++;
    if (code & 2) low++;
    if (code & 4) high++;
    if (code & 8) region++;
    kl += block[b + 5]!;
    w += block[b + 6]!;
    entropySum += block[b + 1]!;
  }
  const frac = (c: number): number => (count === 0 ? 0 : c / count);
  return {
    loss,
    clipFraction: frac(clipped),
    clipLowFraction: frac(low),
    clipHighFraction: frac(high),
    clipRegionFraction: frac(region),
    klMean: frac(kl),
    isWeightMean: count === 0 ? 1 : w / count,
    entropyMean: frac(entropySum),
    logp: column(block, 0),
    entropy: column(block, 1),
    gradLogp: column(block, 3),
    dlogits,
  };
}

/** Bytes a dispatch of `mode` moves through memory: logits read once (forward) or twice plus a dlogits write, plus the per-token blocks. */
export function lossBytesMoved(mode: LossMode, tokens: number, vocab: number): number {
  const row = tokens * vocab * 4;
  const perToken = tokens * (4 + 4 + STRIDE * 4 * (mode === 'forward' ? 1 : 2));
  return (mode === 'forward' ? row : 3 * row) + perToken;
}
