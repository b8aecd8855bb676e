/**
 * The decoder family (Llama, Qwen2, Qwen3) on WebGPU: the chain of @rlvr/core's one description
 * ({@link decoderForward} / {@link decoderBackward}) run with ops that record the package's WGSL
 * kernels, the same model as {@link CpuDecoderModel}, and an AdamW step. Parameters, gradients and AdamW
 * moments live in GPU tensors keyed by their Hugging Face names ({@link decoderParameters}); a forward, a
 * backward and a step each record every dispatch into one compute pass and submit it once. The forward
 * keeps every activation the backward needs (each op's inputs, by chain site: block inputs, normed
 * activations and rstd, Qwen3's q/k projections, q/k after RoPE, v, attention output and lse, gate/up/h).
 */
import type { DecoderTensors, StepReport } from '../decoder/types.js';
import { DecoderModelError } from '../decoder/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { planAdamw } from '../adamw/adamw.gpu.js';
import { clipGradNormGpu, gradNormGpu, planGradScale } from '../grad-norm/grad-norm.gpu.js';
import { logSoftmaxGather, logSoftmaxGatherBackward, pgLossLogits } from '../loss/loss.gpu.js';
import { rowPolicyLoss } from '../loss/row-loss.js';
import { type PaddedLossStats, type PolicyBackend, PolicyModel } from '../policy/policy-model.js';
import type { PaddedPolicyInputs } from '../policy/policy-batch.js';
import type { AdamWOptions } from '../adamw/adamw.shared.js';
import { type PgLossLogitsOptions, referenceOnlyOption } from '../loss/loss.shared.js';
import { planAttentionBackward, planAttentionForward } from '../attention/attention.gpu.js';
import { planEmbeddingBackward, planEmbeddingForward } from '../embedding/embedding.gpu.js';
import { GpuTensor } from '../gpu/tensor.js';
import { type KernelPlan, sequence, submitPlans } from '../kernel-common/plan.js';
import { planMatmul } from '../matmul/matmul.gpu.js';
import type {
  ChainSite,
  ChainValue,
  DecoderBackwardOps,
  DecoderConfig,
  DecoderForwardOps,
  DecoderParameters,
  ParameterSpec,
} from '@rlvr/core';
import {
  ChainSiteMap,
  chainSiteKey,
  decoderBackward,
  decoderForward,
  decoderParameters,
  parameterSpecs,
  validateWeights,
} from '@rlvr/core';
import type { NamedTensors } from '@rlvr/core';
import { positionsFromMask } from '../rope/rope.shared.js';
import { planAddInto, planResidualAdd } from '../residual/residual.gpu.js';
import { planBiasAdd, planBiasGrad } from '../bias/bias.gpu.js';
import { planRmsNormBackward, planRmsNormForward } from '../rmsnorm/rmsnorm.gpu.js';
import { planRope, ropeTable } from '../rope/rope.gpu.js';
import { planSwigluBackward, planSwigluForward } from '../swiglu/swiglu.gpu.js';

/** Weights as {@link GpuDecoderModel.create} accepts them: Hugging Face name → shape and row-major values. */
export type GpuDecoderWeights = Record<string, { shape: number[]; data: ArrayLike<number> }>;

/** Gradient scratch of one shape: each is overwritten before it is read within a backward. */
interface BackwardScratch {
  dlogits: GpuTensor;
  /** The residual stream's gradient. */
  dx: GpuTensor;
  /** Gradient of an RMSNorm output (the first Linear branch that reads it, then their sum). */
  dn: GpuTensor;
  /** A second branch's product or an RMSNorm's dx, before it is added into dn or dx. */
  tmp: GpuTensor;
  dh: GpuTensor;
  dgate: GpuTensor;
  dup: GpuTensor;
  dO: GpuTensor;
  /** dq, dk of the rotated q/k; then, for Qwen3, of the per-head norms' inputs. */
  dq: GpuTensor;
  dk: GpuTensor;
  dv: GpuTensor;
  /** dq, dk through RoPE's transpose. */
  dqLin: GpuTensor;
  dkLin: GpuTensor;
}

/**
 * Where each backward op writes its input gradient, by the site's value. Of two branches that sum into
 * one gradient, the first lands in dn and the second in tmp (addGradients adds tmp into dn); an RMSNorm's
 * dx goes to tmp and is added into the stream's dx, except the final norm's, which starts the stream.
 */
const BACKWARD_OUT: Partial<Record<ChainValue, keyof BackwardScratch>> = {
  logits: 'dn',
  down: 'dh',
  gate: 'dn',
  up: 'tmp',
  o: 'dO',
  q: 'dn',
  k: 'tmp',
  v: 'tmp',
  qNormed: 'dq',
  kNormed: 'dk',
};

/** Activation tensors of one (batch, seq) shape, reused by every forward of that shape. */
interface Activations {
  batch: number;
  seq: number;
  /**
   * Where the forward writes each chain value, by site: its own tensor for what a
   * backward reads, shared scratch for values dead within their block (q/k before RoPE, the o_proj and
   * down_proj outputs); block i's x2 is block i + 1's x.
   */
  values: ChainSiteMap<GpuTensor>;
  /** Each RMSNorm's per-row rstd [rows] (per-head norms: [tokens · heads]), by the norm's site. */
  rstd: ChainSiteMap<GpuTensor>;
  /** Per block: q and k after RoPE and the attention's lse (the attention backward's inputs with v and o). */
  attention: { q: GpuTensor; k: GpuTensor; lse: GpuTensor }[];
  /** The tensors each forward op read, by its site (what the backward op of that site reads). */
  saved: ChainSiteMap<GpuTensor[]>;
  ropeTable: GpuTensor;
  logits: GpuTensor;
  grad: BackwardScratch;
  /** Every tensor above, once (for release). */
  all: GpuTensor[];
}

/**
 * Run `build` (the chain's description is async; its ops push plans synchronously), then encode its
 * plans into one pass and submit once, all inside one error scope; the plans are freed either way.
 */
async function submitChain(
  gpu: GpuDevice,
  kernel: string,
  build: (plans: KernelPlan[]) => Promise<unknown>,
): Promise<void> {
  const plans: KernelPlan[] = [];
  try {
    await gpu.scoped(kernel, async () => {
      await build(plans);
      const encoder = gpu.device.createCommandEncoder({ label: kernel });
      const pass = encoder.beginComputePass({ label: kernel });
      for (const p of plans) p.encode(pass);
      pass.end();
      gpu.device.queue.submit([encoder.finish()]);
    });
  } finally {
    // Destroying after submit is allowed: WebGPU frees the buffers once the work is done.
    for (const p of plans) p.dispose();
  }
}

/**
 * The decoder on a {@link GpuDevice} as a {@link PolicyBackend}: parameters, gradients, AdamW moments
 * and the last forward's activations and logits in GPU tensors; the PG loss, the log-softmax-gather and
 * AdamW run as kernels, so logits never leave the device in training. Use it through
 * {@link GpuDecoderModel} (or `createDecoderModel`); calls must not interleave.
 */
export class GpuPolicyBackend implements PolicyBackend {
  /** The validated configuration. */
  readonly config: DecoderConfig;
  readonly #gpu: GpuDevice;
  readonly #specs: ParameterSpec[];
  /** Every parameter's Hugging Face name by role (the chain's ops receive these). */
  readonly #names: DecoderParameters;
  readonly #params = new Map<string, GpuTensor>();
  /** Gradients of the last backward (allocated by the first). */
  readonly #grads = new Map<string, GpuTensor>();
  readonly #moments = new Map<string, { m: GpuTensor; v: GpuTensor }>();
  /** Gradients set aside while a micro-batch's backward overwrites #grads (allocated on first accumulate). */
  readonly #gradAccum = new Map<string, GpuTensor>();
  #acts: Activations | undefined;
  /** Token ids and mask of the last forward (the backward's embedding scatter and attention mask). */
  #last: { ids: Int32Array; mask: Int32Array } | undefined;
  #disposed = false;

  /**
   * Validate `weights` against `config` (errors name the tensor) and upload every parameter into its own
   * GPU tensor. A tied checkpoint's duplicate `lm_head.weight` (checked equal to the embedding) is dropped.
   */
  constructor(gpu: GpuDevice, config: DecoderConfig, weights: GpuDecoderWeights) {
    // validateWeights only reads shapes, lengths and values, so any numeric array checks the same way.
    validateWeights(config, weights as unknown as NamedTensors);
    this.#gpu = gpu;
    this.config = config;
    this.#specs = parameterSpecs(config);
    this.#names = decoderParameters(config);
    try {
      for (const s of this.#specs) {
        const src = weights[s.name]!.data;
        const data = src instanceof Float32Array ? src : Float32Array.from(src);
        this.#params.set(s.name, GpuTensor.fromArray(gpu, data, s.shape, s.name));
      }
    } catch (error) {
      void this.dispose();
      throw error;
    }
  }

  /** The GPU tensor of parameter `name` (Hugging Face name); throws naming it when absent. */
  parameter(name: string): GpuTensor {
    this.#assertUsable('parameter');
    const t = this.#params.get(name);
    if (!t) throw new DecoderModelError(`parameter: no tensor named ${name}`);
    return t;
  }

  async readParameters(): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('weights');
    return await this.#readAll(this.#params);
  }

  async readMoments(): Promise<{ m: DecoderTensors<Float32Array>; v: DecoderTensors<Float32Array> }> {
    this.#assertUsable('optimizerState');
    const m: DecoderTensors<Float32Array> = {};
    const v: DecoderTensors<Float32Array> = {};
    for (const s of this.#specs) {
      const mv = this.#moments.get(s.name);
      const size = s.shape.reduce((a, b) => a * b, 1);
      m[s.name] = { shape: [...s.shape], data: mv ? await mv.m.read() : new Float32Array(size) };
      v[s.name] = { shape: [...s.shape], data: mv ? await mv.v.read() : new Float32Array(size) };
    }
    return { m, v };
  }

  async writeMoments(m: DecoderTensors<Float32Array>, v: DecoderTensors<Float32Array>): Promise<void> {
    this.#assertUsable('setOptimizerState');
    this.#ensureMoments();
    for (const s of this.#specs) {
      const mv = this.#moments.get(s.name)!;
      mv.m.write(Float32Array.from(m[s.name]!.data));
      mv.v.write(Float32Array.from(v[s.name]!.data));
    }
  }

  async forward(ids: Int32Array, mask: Int32Array, batch: number, seq: number): Promise<void> {
    this.#assertUsable('forward');
    const c = this.config;
    this.#last = undefined;
    const acts = this.#activations(batch, seq);
    // Positions from the mask (left padding starts each row at 0), as the CPU model does.
    acts.ropeTable.write(ropeTable(positionsFromMask(mask, batch, seq), c));
    await submitChain(this.#gpu, 'gpu-decoder forward', (plans) => this.#planForward(acts, ids, mask, plans));
    this.#last = { ids, mask };
  }

  async readLogits(): Promise<Float32Array> {
    return await this.#forwarded().logits.read();
  }

  /** The fused log-softmax-gather kernel on the GPU logits: only two numbers per token are read back. */
  async gatherLogprobs(
    targets: Int32Array,
    temperature: number | undefined,
  ): Promise<{ logprob: Float32Array; entropy: Float32Array }> {
    const acts = this.#forwarded();
    const t = GpuTensor.fromArray(this.#gpu, Float32Array.from(targets), [targets.length], 'gpu-decoder-targets');
    try {
      return await logSoftmaxGather(this.#gpu, acts.logits, t, temperature === undefined ? {} : { temperature });
    } finally {
      t.dispose();
    }
  }

  /** The fused PG loss kernel with d loss/d logits written on the GPU (the logits never leave the device). */
  async policyLoss(
    targets: Int32Array,
    inputs: Omit<PaddedPolicyInputs, 'targets'>,
    options: PgLossLogitsOptions,
    scale: number,
  ): Promise<PaddedLossStats> {
    const acts = this.#forwarded();
    if (referenceOnlyOption(options) !== null) return await this.#rowPolicyLoss(acts, targets, inputs, options, scale);
    const t = GpuTensor.fromArray(this.#gpu, Float32Array.from(targets), [targets.length], 'gpu-decoder-targets');
    let r;
    try {
      r = await pgLossLogits(this.#gpu, acts.logits, t, inputs, { ...options, out: acts.grad.dlogits });
    } finally {
      t.dispose();
    }
    if (scale !== 1) {
      await submitPlans(this.#gpu, 'gpu-decoder loss scale', () =>
        planGradScale(this.#gpu, [acts.grad.dlogits], scale),
      );
    }
    return r;
  }

  /**
   * A loss with an option the fused kernel lacks: the rows from the log-softmax kernel, the reference
   * loss on them (host, f64), and dlogits from their upstream gradients by the backward kernel (one
   * more read of the logits than the fused loss).
   */
  async #rowPolicyLoss(
    acts: { logits: GpuTensor; grad: { dlogits: GpuTensor } },
    targets: Int32Array,
    inputs: Omit<PaddedPolicyInputs, 'targets'>,
    options: PgLossLogitsOptions,
    scale: number,
  ): Promise<PaddedLossStats> {
    const t = GpuTensor.fromArray(this.#gpu, Float32Array.from(targets), [targets.length], 'gpu-decoder-targets');
    try {
      const temperature = { temperature: options.temperature ?? 1 };
      const rows = await logSoftmaxGather(this.#gpu, acts.logits, t, temperature);
      const { stats, upstream } = rowPolicyLoss(rows, targets, inputs, options, scale);
      await logSoftmaxGatherBackward(this.#gpu, acts.logits, t, upstream.gLogprob, upstream.gEntropy, {
        ...temperature,
        out: acts.grad.dlogits,
      });
      return stats;
    } finally {
      t.dispose();
    }
  }

  async setDlogits(dlogits: Float32Array): Promise<void> {
    this.#forwarded().grad.dlogits.write(dlogits);
  }

  /**
   * The backward of the last forward from the dlogits in `acts.grad.dlogits`. With `accumulate` the
   * previous gradients are copied aside first and added back afterwards, because every product of the
   * backward overwrites its gradient.
   */
  async backward(accumulate: boolean): Promise<void> {
    this.#assertUsable('backward');
    const acts = this.#acts;
    const last = this.#last;
    if (!acts || !last) throw new DecoderModelError('backward: no forward to differentiate; call forward first');
    const c = this.config;
    const P = this.#names;
    this.#ensureGrads();
    if (accumulate) await this.#copyGrads('into-accumulator');
    // Untied: the scatter-add only writes rows of tokens present, so the rest must be zero beforehand
    // (queued writes land before the next submit). Tied: the LM head's product overwrites it first.
    if (P.head.weight !== P.embed) this.#grads.get(P.embed)!.write(new Float32Array(c.vocabSize * c.hiddenSize));
    await submitChain(this.#gpu, 'gpu-decoder backward', (plans) =>
      this.#planBackward(acts, last.ids, last.mask, plans),
    );
    if (accumulate) await this.#copyGrads('add-back');
  }

  async readGradients(): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('gradients');
    return await this.#readAll(this.#grads);
  }

  async gradNorm(): Promise<number> {
    this.#assertUsable('gradNorm');
    return await gradNormGpu(
      this.#gpu,
      this.#specs.map((s) => this.#grads.get(s.name)!),
    );
  }

  /** Accumulation helper: copy every gradient into its accumulator, or add the accumulator back into it. */
  async #copyGrads(direction: 'into-accumulator' | 'add-back'): Promise<void> {
    const gpu = this.#gpu;
    for (const s of this.#specs) {
      if (!this.#gradAccum.has(s.name)) {
        this.#gradAccum.set(s.name, GpuTensor.zeros(gpu, s.shape, `${s.name}.grad-accum`));
      }
    }
    if (direction === 'into-accumulator') {
      await gpu.scoped('gpu-decoder grad accumulate', async () => {
        const encoder = gpu.device.createCommandEncoder({ label: 'gpu-decoder grad accumulate' });
        for (const s of this.#specs) {
          const g = this.#grads.get(s.name)!;
          encoder.copyBufferToBuffer(g.buffer, 0, this.#gradAccum.get(s.name)!.buffer, 0, g.buffer.size);
        }
        gpu.device.queue.submit([encoder.finish()]);
        await gpu.device.queue.onSubmittedWorkDone();
      });
      return;
    }
    await submitPlans(gpu, 'gpu-decoder grad accumulate', () =>
      sequence(this.#specs.map((s) => planAddInto(gpu, this.#grads.get(s.name)!, this.#gradAccum.get(s.name)!))),
    );
  }

  /**
   * The global gradient norm computed on the GPU and read back (with `maxGradNorm`, the gradients are
   * clipped first), then the AdamW kernel on every parameter; moments live on the GPU, zero before the
   * first step.
   */
  async adamw(
    t: number,
    adam: AdamWOptions,
    decays: (spec: ParameterSpec) => boolean,
    maxGradNorm: number | undefined,
  ): Promise<StepReport> {
    this.#assertUsable('step');
    const grads = this.#specs.map((s) => this.#grads.get(s.name)!);
    // The norm is read back either way: it is the step's most useful health metric.
    const clip =
      maxGradNorm === undefined
        ? { norm: await gradNormGpu(this.#gpu, grads), scale: 1 }
        : await clipGradNormGpu(this.#gpu, grads, maxGradNorm);
    this.#ensureMoments();
    await submitPlans(this.#gpu, 'gpu-decoder step', () => {
      const plans: KernelPlan[] = [];
      try {
        for (const s of this.#specs) {
          const mv = this.#moments.get(s.name)!;
          plans.push(
            planAdamw(
              this.#gpu,
              this.#p(s.name),
              this.#grads.get(s.name)!,
              mv.m,
              mv.v,
              t,
              decays(s) ? adam : { ...adam, weightDecay: 0 },
            ),
          );
        }
      } catch (error) {
        for (const p of plans) p.dispose();
        throw error;
      }
      return sequence(plans);
    });
    return { gradNorm: clip.norm, clipScale: clip.scale };
  }

  /** Release every parameter, gradient, moment and activation buffer; later calls throw. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#params.values()) t.dispose();
    this.#params.clear();
    for (const t of this.#grads.values()) t.dispose();
    this.#grads.clear();
    for (const t of this.#gradAccum.values()) t.dispose();
    this.#gradAccum.clear();
    for (const { m, v } of this.#moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.#moments.clear();
    this.#releaseActivations();
  }

  #assertUsable(what: string): void {
    if (this.#disposed) throw new DecoderModelError(`${what}: this GpuPolicyBackend has been disposed`);
    this.#gpu.assertAlive(`GpuDecoderModel.${what}`);
  }

  /** The last forward's activations; throws when there is none. */
  #forwarded(): Activations {
    this.#assertUsable('forward');
    if (!this.#acts || !this.#last) throw new DecoderModelError('no forward on the GPU model; call forward first');
    return this.#acts;
  }

  /** Named copies of one GPU tensor per parameter. */
  async #readAll(tensors: Map<string, GpuTensor>): Promise<DecoderTensors<Float32Array>> {
    const out: DecoderTensors<Float32Array> = {};
    for (const s of this.#specs) out[s.name] = { shape: [...s.shape], data: await tensors.get(s.name)!.read() };
    return out;
  }

  #ensureMoments(): void {
    for (const s of this.#specs) {
      if (this.#moments.has(s.name)) continue;
      this.#moments.set(s.name, {
        m: GpuTensor.zeros(this.#gpu, s.shape, `${s.name}.adam-m`),
        v: GpuTensor.zeros(this.#gpu, s.shape, `${s.name}.adam-v`),
      });
    }
  }

  #p(name: string): GpuTensor {
    return this.#params.get(name)!;
  }

  #ensureGrads(): void {
    if (this.#grads.size > 0) return;
    try {
      for (const s of this.#specs) this.#grads.set(s.name, GpuTensor.zeros(this.#gpu, s.shape, `${s.name}.grad`));
    } catch (error) {
      for (const t of this.#grads.values()) t.dispose();
      this.#grads.clear();
      throw error;
    }
  }

  /** The activations of this shape: reused when the shape repeats, else the old ones are freed and new ones made. */
  #activations(batch: number, seq: number): Activations {
    if (this.#acts && this.#acts.batch === batch && this.#acts.seq === seq) return this.#acts;
    this.#releaseActivations();
    const c = this.config;
    const n = batch * seq;
    const H = c.numAttentionHeads;
    const KV = c.numKeyValueHeads;
    const D = c.headDim;
    const hid = c.hiddenSize;
    const inter = c.intermediateSize;
    const all: GpuTensor[] = [];
    const z = (shape: number[], label: string): GpuTensor => {
      const t = GpuTensor.zeros(this.#gpu, shape, `gpu-decoder-${label}`);
      all.push(t);
      return t;
    };
    const values = new ChainSiteMap<GpuTensor>();
    const rstd = new ChainSiteMap<GpuTensor>();
    const at = (layer: number, value: ChainValue): ChainSite => ({ layer, value });
    try {
      // Block i's output is block i + 1's input (or the final norm's), so the streams chain: xs[i] → xs[i + 1].
      const xs = Array.from({ length: c.numHiddenLayers + 1 }, (_, i) => z([n, hid], `x${i}`));
      // Dead within their block: q/k before RoPE (Qwen3: after the per-head norm) and the projections added to the stream.
      const qLin = z([n, H, D], 'q-lin');
      const kLin = z([n, KV, D], 'k-lin');
      const proj = z([n, hid], 'proj');
      const attention: Activations['attention'] = [];
      for (let i = 0; i < c.numHiddenLayers; i++) {
        values.set(at(i, 'x'), xs[i]!);
        values.set(at(i, 'n1'), z([n, hid], `${i}-n1`));
        rstd.set(at(i, 'n1'), z([n], `${i}-rstd1`));
        // Qwen3's per-head norms read the projections in their backward, so those are kept per block.
        values.set(at(i, 'q'), c.qkNorm ? z([n, H, D], `${i}-q-proj`) : qLin);
        values.set(at(i, 'k'), c.qkNorm ? z([n, KV, D], `${i}-k-proj`) : kLin);
        if (c.qkNorm) {
          values.set(at(i, 'qNormed'), qLin);
          values.set(at(i, 'kNormed'), kLin);
          rstd.set(at(i, 'qNormed'), z([n * H], `${i}-q-rstd`));
          rstd.set(at(i, 'kNormed'), z([n * KV], `${i}-k-rstd`));
        }
        values.set(at(i, 'v'), z([n, KV, D], `${i}-v`));
        attention.push({ q: z([n, H, D], `${i}-q`), k: z([n, KV, D], `${i}-k`), lse: z([batch, H, seq], `${i}-lse`) });
        values.set(at(i, 'attention'), z([n, H, D], `${i}-o`));
        values.set(at(i, 'o'), proj);
        values.set(at(i, 'x1'), z([n, hid], `${i}-x1`));
        values.set(at(i, 'n2'), z([n, hid], `${i}-n2`));
        rstd.set(at(i, 'n2'), z([n], `${i}-rstd2`));
        values.set(at(i, 'gate'), z([n, inter], `${i}-gate`));
        values.set(at(i, 'up'), z([n, inter], `${i}-up`));
        values.set(at(i, 'h'), z([n, inter], `${i}-h`));
        values.set(at(i, 'down'), proj);
        values.set(at(i, 'x2'), xs[i + 1]!);
      }
      values.set(at(-1, 'final'), z([n, hid], 'n-final'));
      rstd.set(at(-1, 'final'), z([n], 'rstd-final'));
      const logits = z([n, c.vocabSize], 'logits');
      values.set(at(-1, 'logits'), logits);
      this.#acts = {
        batch,
        seq,
        values,
        rstd,
        attention,
        logits,
        all,
        saved: new ChainSiteMap(),
        ropeTable: z([n, D], 'rope-table'),
        grad: {
          dlogits: z([n, c.vocabSize], 'dlogits'),
          dx: z([n, hid], 'dx'),
          dn: z([n, hid], 'dn'),
          tmp: z([n, hid], 'dtmp'),
          dh: z([n, inter], 'dh'),
          dgate: z([n, inter], 'dgate'),
          dup: z([n, inter], 'dup'),
          dO: z([n, H, D], 'do'),
          dq: z([n, H, D], 'dq'),
          dk: z([n, KV, D], 'dk'),
          dv: z([n, KV, D], 'dv'),
          dqLin: z([n, H, D], 'dq-lin'),
          dkLin: z([n, KV, D], 'dk-lin'),
        },
      };
    } catch (error) {
      for (const t of all) t.dispose();
      this.#acts = undefined;
      throw error;
    }
    return this.#acts;
  }

  #releaseActivations(): void {
    if (!this.#acts) return;
    for (const t of this.#acts.all) t.dispose();
    this.#acts = undefined;
    this.#last = undefined;
  }

  /**
   * Every dispatch of one forward, in order, pushed onto `plans` (dispatches of one pass see each
   * other's writes): the chain of {@link decoderForward}, each op writing where its site says and
   * saving its inputs for the backward op of that site.
   */
  async #planForward(a: Activations, ids: Int32Array, mask: Int32Array, plans: KernelPlan[]): Promise<void> {
    const gpu = this.#gpu;
    const c = this.config;
    const rows = a.batch * a.seq;
    const attn = {
      batch: a.batch,
      seq: a.seq,
      numHeads: c.numAttentionHeads,
      numKvHeads: c.numKeyValueHeads,
      headDim: c.headDim,
    };
    const out = (site: ChainSite): GpuTensor => a.values.get(site);
    const save = (site: ChainSite, ...inputs: GpuTensor[]): void => a.saved.set(site, inputs);
    a.saved.clear();
    const ops: DecoderForwardOps<GpuTensor> = {
      embed: (weight, site) => {
        const y = out(site);
        plans.push(planEmbeddingForward(gpu, this.#p(weight), ids, y, { vocab: c.vocabSize, hidden: c.hiddenSize }));
        return y;
      },
      rmsNorm: (x, weight, site) => {
        const y = out(site);
        const rstd = a.rstd.get(site);
        plans.push(
          planRmsNormForward(gpu, x, this.#p(weight), y, rstd, { rows, hidden: c.hiddenSize, eps: c.rmsNormEps }),
        );
        save(site, x, rstd);
        return y;
      },
      // The RMSNorm kernels over rows = tokens · heads of headDim values each: the gain is shared by every head.
      headNorm: (x, weight, heads, site) => {
        const y = out(site);
        const rstd = a.rstd.get(site);
        plans.push(
          planRmsNormForward(gpu, x, this.#p(weight), y, rstd, {
            rows: rows * heads,
            hidden: c.headDim,
            eps: c.rmsNormEps,
          }),
        );
        save(site, x, rstd);
        return y;
      },
      linear: (x, p, site) => {
        const y = out(site);
        plans.push(planMatmul(gpu, x, this.#p(p.weight), y, { m: rows, n: p.out, k: p.in, transB: true }));
        if (p.bias !== null) plans.push(planBiasAdd(gpu, y, this.#p(p.bias), rows, p.out));
        save(site, x);
        return y;
      },
      attention: (q, k, v, site) => {
        const y = out(site);
        const s = a.attention[site.layer]!;
        plans.push(planRope(this.#gpu, q, a.ropeTable, s.q, c.numAttentionHeads, false));
        plans.push(planRope(this.#gpu, k, a.ropeTable, s.k, c.numKeyValueHeads, false));
        plans.push(planAttentionForward(gpu, s.q, s.k, v, mask, y, s.lse, attn));
        save(site, s.q, s.k, v, y, s.lse);
        return y;
      },
      residual: (x, b, site) => {
        const y = out(site);
        plans.push(planResidualAdd(gpu, x, b, y));
        return y;
      },
      swiglu: (gate, up, site) => {
        const y = out(site);
        plans.push(planSwigluForward(gpu, gate, up, y));
        save(site, gate, up);
        return y;
      },
    };
    const logits = await decoderForward(c, ops);
    if (logits !== a.logits) throw new Error('gpu-decoder: the forward chain did not end in the logits tensor');
  }

  /**
   * Every dispatch of one backward, in order, pushed onto `plans`: the chain rule of
   * {@link decoderBackward} (its branch sums in its order), each op reading what the forward saved at its
   * site and writing its input gradient where {@link BACKWARD_OUT} says. Every parameter has one use
   * (a tied embedding two: the LM head's product writes its gradient, the lookup's scatter adds to it),
   * so each gradient is written, not accumulated.
   */
  async #planBackward(a: Activations, ids: Int32Array, mask: Int32Array, plans: KernelPlan[]): Promise<void> {
    const gpu = this.#gpu;
    const c = this.config;
    const rows = a.batch * a.seq;
    const g = a.grad;
    const attn = {
      batch: a.batch,
      seq: a.seq,
      numHeads: c.numAttentionHeads,
      numKvHeads: c.numKeyValueHeads,
      headDim: c.headDim,
    };
    const saved = (site: ChainSite): GpuTensor[] => a.saved.get(site);
    const gradOut = (site: ChainSite): GpuTensor => {
      const name = BACKWARD_OUT[site.value];
      if (!name) throw new Error(`gpu-decoder: no gradient scratch for chain site ${chainSiteKey(site)}`);
      return g[name];
    };
    const grad = (name: string): GpuTensor => this.#grads.get(name)!;
    const ops: DecoderBackwardOps<GpuTensor> = {
      // dW = dyᵀ·x (TN), db = column sums of dy, dx = dy·W (NN).
      linearBackward: (dy, p, site) => {
        const [x] = saved(site);
        const dx = gradOut(site);
        plans.push(planMatmul(gpu, dy, x!, grad(p.weight), { m: p.out, n: p.in, k: rows, transA: true }));
        if (p.bias !== null) plans.push(planBiasGrad(gpu, dy, grad(p.bias), rows, p.out));
        plans.push(planMatmul(gpu, dy, this.#p(p.weight), dx, { m: rows, n: p.in, k: p.out }));
        return dx;
      },
      rmsNormBackward: (dy, weight, site, residual) => {
        const [x, rstd] = saved(site);
        const dx = residual === null ? g.dx : g.tmp;
        plans.push(
          planRmsNormBackward(gpu, dy, x!, this.#p(weight), rstd!, dx, grad(weight), {
            rows,
            hidden: c.hiddenSize,
            eps: c.rmsNormEps,
          }),
        );
        if (residual === null) return dx;
        plans.push(planAddInto(gpu, residual, dx));
        return residual;
      },
      headNormBackward: (dy, weight, heads, site) => {
        const [x, rstd] = saved(site);
        const dx = gradOut(site);
        plans.push(
          planRmsNormBackward(gpu, dy, x!, this.#p(weight), rstd!, dx, grad(weight), {
            rows: rows * heads,
            hidden: c.headDim,
            eps: c.rmsNormEps,
          }),
        );
        return dx;
      },
      attentionBackward: (dO, site) => {
        const [q, k, v, o, lse] = saved(site);
        plans.push(planAttentionBackward(gpu, dO, q!, k!, v!, mask, o!, lse!, g.dq, g.dk, g.dv, attn));
        plans.push(planRope(this.#gpu, g.dq, a.ropeTable, g.dqLin, c.numAttentionHeads, true));
        plans.push(planRope(this.#gpu, g.dk, a.ropeTable, g.dkLin, c.numKeyValueHeads, true));
        return [g.dqLin, g.dkLin, g.dv];
      },
      swigluBackward: (dh, site) => {
        const [gate, up] = saved(site);
        plans.push(planSwigluBackward(gpu, dh, gate!, up!, g.dgate, g.dup));
        return [g.dgate, g.dup];
      },
      addGradients: (x, b) => {
        plans.push(planAddInto(gpu, x, b));
        return x;
      },
      // Tied: the LM head's dW is already in the embedding's gradient, so the scatter accumulates onto
      // it; untied: onto the zeros written before the submit.
      embedBackward: (dx, weight) => {
        plans.push(
          planEmbeddingBackward(gpu, dx, ids, grad(weight), { vocab: c.vocabSize, hidden: c.hiddenSize }, true),
        );
      },
    };
    await decoderBackward(c, ops, g.dlogits);
  }
}

/**
 * The decoder on a {@link GpuDevice}: {@link PolicyModel} over a {@link GpuPolicyBackend}. The device
 * stays the caller's (disposing the model frees its buffers, not the device).
 */
export class GpuDecoderModel extends PolicyModel {
  readonly #engine: GpuPolicyBackend;

  private constructor(engine: GpuPolicyBackend) {
    super(engine, { backend: 'webgpu', reason: 'a GpuDecoderModel created on a given device' });
    this.#engine = engine;
  }

  /** Validate `weights` against `config` (errors name the tensor) and upload them to `gpu`. */
  static create(gpu: GpuDevice, config: DecoderConfig, weights: GpuDecoderWeights): GpuDecoderModel {
    return new GpuDecoderModel(new GpuPolicyBackend(gpu, config, weights));
  }

  /** The GPU tensor of parameter `name` (Hugging Face name); throws naming it when absent. */
  parameter(name: string): GpuTensor {
    return this.#engine.parameter(name);
  }
}
