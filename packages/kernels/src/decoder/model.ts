/**
 * The decoder (DESIGN.md "The policy model"; its chain is @rlvr/core's `decoderForward` and
 * `decoderBackward`) on the CPU, with its matrix products on an injectable {@link MatmulEngine}.
 *
 * Layouts (row-major, tokens = batch·seq, token index b·seq + s):
 *   tokens, mask: [batch, seq] (mask 1 = token, 0 = padding, HF `attention_mask`; left padding works
 *   because positions come from {@link positionsFromMask});
 *   logits, dlogits: [batch, seq, vocab]; weights and gradients: Hugging Face names and shapes,
 *   Linear weights in PyTorch layout [out, in], so y = x·Wᵀ + b.
 * Precision: the model holds its parameters and activations as T (Float32Array in production,
 * Float64Array for gradient checks); the references accumulate in f64 either way.
 * Padded positions are computed like any other (their logits are garbage-but-finite, as in HF); a
 * caller that does not want them to learn passes zero dlogits there.
 * Two op sets (option `ops` of {@link CpuDecoderModel.f32}): 'reference' ({@link ReferenceChainOps},
 * the plain references: ground truth, the only choice for f64), 'fast' ({@link FastChainOps}: tight f32
 * loops, attention products on the engine, gradients written in place) — same maths, so results agree
 * to f32 rounding.
 */
import type { DecoderConfig, NamedTensors, ParameterSpec } from '@rlvr/core';
import { decoderBackward, decoderForward, parameterSpecs, validateWeights } from '@rlvr/core';
import { type Floats, type Ints, allocLike } from '../arrays.js';
import { adamwStep } from '../adamw/adamw.reference.js';
import { type AdamWOptions } from '../adamw/adamw.shared.js';
import { clipGradNorm, globalGradNorm } from '../grad-norm/grad-norm.reference.js';
import { logSoftmaxGatherForward } from '../loss/log-softmax-gather.reference.js';
import { positionsFromMask } from '../rope/rope.shared.js';
import { AttentionWorkspace } from '../attention/attention.cpu.js';
import { adamwStepF32 } from '../adamw/adamw.cpu.js';
import { type MatmulEngine, referenceMatmul } from './matmul-engine.js';
import { DecoderModelError } from './errors.js';
import { checkDecoderInputs } from './inputs.js';
import { FastChainOps } from './fast-chain-ops.js';
import { ReferenceChainOps } from './reference-chain-ops.js';
import type { AdamWState, ChainBatch, DecoderStepOptions, DecoderTensors, StepReport } from './types.js';
import { decaysWeight } from './weight-decay.js';

export type { AdamWState, DecoderStepOptions, DecoderTensor, DecoderTensors, StepReport } from './types.js';
export { DecoderModelError } from './errors.js';

/** Which op implementations a model composes: the plain references or the fast cpu ops (f32 only). */
export type DecoderOps = 'reference' | 'fast';

/** Options of {@link CpuDecoderModel.f32}. */
export interface DecoderF32Options {
  /** Op set; default 'fast' unless the engine is the reference one (then the all-reference path). */
  ops?: DecoderOps;
}

/** The last forward: its ops (holding what the backward reads) and its batch. */
interface LastForward {
  ops: ReferenceChainOps<Floats> | FastChainOps;
  batch: ChainBatch;
}

/**
 * The decoder on the CPU: forward to logits, backward to named gradients, AdamW step. Build it with
 * {@link CpuDecoderModel.f32} or {@link CpuDecoderModel.f64}. Methods are async because the ORT
 * engine is; calls must not interleave (one forward's saved values are kept for the next backward).
 */
export class CpuDecoderModel<T extends Floats> {
  /** The validated configuration. */
  readonly config: DecoderConfig;
  /** The matrix-product engine in use. */
  readonly engine: MatmulEngine<T>;
  /** The op set in use ('fast' only on Float32 models). */
  readonly ops: DecoderOps;
  private readonly workspace = new AttentionWorkspace();
  // Fast path: activations reused across steps (same shapes ⇒ no allocation, page faults or GC per step).
  private readonly pool = new AttentionWorkspace();
  private readonly specs: ParameterSpec[];
  private readonly params: DecoderTensors<T> = {};
  private readonly alloc: (n: number) => T;
  private last: LastForward | undefined;
  private gradients: DecoderTensors<T> | undefined;

  private constructor(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    engine: MatmulEngine<T>,
    alloc: (n: number) => T,
    ops: DecoderOps,
  ) {
    // validateWeights only reads lengths and values, so a Float64Array-backed record checks the same way.
    validateWeights(config, weights as unknown as NamedTensors);
    this.config = config;
    this.engine = engine;
    this.alloc = alloc;
    this.ops = ops;
    // A tied checkpoint that also ships lm_head.weight (equal to the embedding, checked above) drops it.
    this.specs = parameterSpecs(config);
    for (const s of this.specs) {
      const src = weights[s.name]!;
      const data = alloc(src.data.length);
      data.set(src.data);
      this.params[s.name] = { shape: [...s.shape], data };
    }
  }

  /** A Float32 model (production); weights are copied, validated first (errors name the tensor); ops default as {@link DecoderF32Options}. */
  static f32(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    engine: MatmulEngine<Float32Array> = referenceMatmul,
    options: DecoderF32Options = {},
  ): CpuDecoderModel<Float32Array> {
    // The reference engine means "ground truth" (and is too slow for the fast ops to matter), so it keeps the reference ops.
    const ops = options.ops ?? (engine.name === 'reference' ? 'reference' : 'fast');
    if (ops !== 'reference' && ops !== 'fast') {
      throw new DecoderModelError(`ops: expected 'reference' or 'fast', got ${String(ops)}`);
    }
    return new CpuDecoderModel<Float32Array>(config, weights, engine, (n) => new Float32Array(n), ops);
  }

  /** A Float64 model on the reference engine, for finite-difference checks; weights are copied. */
  static f64(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
  ): CpuDecoderModel<Float64Array> {
    return new CpuDecoderModel<Float64Array>(config, weights, referenceMatmul, (n) => new Float64Array(n), 'reference');
  }

  /**
   * The live parameters by Hugging Face name — views, not copies: writing into them changes the
   * model (the FD check and a loader rely on that); copy with `data.slice()` to keep a snapshot.
   * Tied models have no `lm_head.weight` entry.
   */
  weights(): DecoderTensors<T> {
    return this.params;
  }

  /** Logits [batch, seq, vocab] of tokens [batch, seq] under mask [batch, seq]; saves the activations for {@link backward}. */
  async forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<T> {
    const { ids, mask: m } = checkDecoderInputs(this.config, tokens, mask, batch, seq);
    const chainBatch: ChainBatch = { batch, seq, ids, mask: m, positions: positionsFromMask(m, batch, seq) };
    this.last = undefined;
    // The fast ops exist only on Float32 models (f32() is the only way to ask for them), so T is Float32Array there.
    const ops =
      this.ops === 'fast'
        ? new FastChainOps(
            this.config,
            this.params as unknown as DecoderTensors<Float32Array>,
            this.engine as unknown as MatmulEngine<Float32Array>,
            chainBatch,
            this.pool,
            this.workspace,
          )
        : new ReferenceChainOps<Floats>(this.config, this.params, this.engine as MatmulEngine<Floats>, chainBatch);
    const logits = (await decoderForward<Floats>(this.config, ops as ReferenceChainOps<Floats>)) as T;
    this.last = { ops, batch: chainBatch };
    return logits;
  }

  /**
   * Gradients of a scalar loss with respect to every parameter, given dloss/dlogits [batch, seq,
   * vocab] of the last forward; same names and shapes as {@link weights} (tied: the embedding's
   * gradient is the sum of its lookup and LM-head uses). Also kept for {@link step}.
   */
  async backward(dlogits: T): Promise<DecoderTensors<T>> {
    const last = this.last;
    if (!last) throw new DecoderModelError('backward: no forward to differentiate; call forward first');
    const { batch, seq } = last.batch;
    const expected = batch * seq * this.config.vocabSize;
    if (dlogits.length !== expected) {
      throw new DecoderModelError(
        `dlogits: expected ${expected} values ([batch ${batch}, seq ${seq}, vocab ${this.config.vocabSize}]), got ${dlogits.length}`,
      );
    }
    const grads: DecoderTensors<T> = {};
    for (const s of this.specs) {
      grads[s.name] = { shape: [...s.shape], data: this.alloc(this.params[s.name]!.data.length) };
    }
    const ops = last.ops as ReferenceChainOps<Floats>;
    ops.startBackward(grads);
    await decoderBackward<Floats>(this.config, ops, dlogits);
    this.gradients = grads;
    return grads;
  }

  /**
   * logprob of token t+1 given tokens ≤ t, [batch, seq − 1] (TRL's shifted convention), through the
   * reference log-softmax-gather. Entries whose target is padding are computed anyway; callers mask.
   * Runs a forward, so a following {@link backward} differentiates it (chain through the logits).
   */
  async tokenLogprobs(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<T> {
    const logits = await this.forward(tokens, mask, batch, seq);
    const ids = this.last!.batch.ids;
    const v = this.config.vocabSize;
    const rows = allocLike(logits, batch * (seq - 1) * v);
    const targets = new Int32Array(batch * (seq - 1));
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s + 1 < seq; s++) {
        const r = b * (seq - 1) + s;
        rows.set(logits.subarray((b * seq + s) * v, (b * seq + s + 1) * v), r * v);
        targets[r] = ids[b * seq + s + 1]!;
      }
    }
    return logSoftmaxGatherForward(rows, targets, { tokens: targets.length, vocab: v }).logprob;
  }

  /** Fresh zero AdamW moments for every parameter (step 0). */
  createAdamWState(): AdamWState<T> {
    const state: AdamWState<T> = { step: 0, m: {}, v: {} };
    for (const s of this.specs) {
      state.m[s.name] = this.alloc(this.params[s.name]!.data.length);
      state.v[s.name] = this.alloc(this.params[s.name]!.data.length);
    }
    return state;
  }

  /**
   * One AdamW step on every parameter, from `grads` (default: the last {@link backward}'s); advances
   * state.step. `decays` picks the parameters that get weight decay (default {@link decaysWeight}).
   */
  step(
    state: AdamWState<T>,
    options: DecoderStepOptions,
    grads: DecoderTensors<T> | undefined = this.gradients,
    decays: (spec: ParameterSpec) => boolean = (spec) => decaysWeight(spec, options.decayNormsAndBiases),
  ): StepReport {
    if (!grads) throw new DecoderModelError('step: no gradients; call backward first or pass them');
    for (const s of this.specs) {
      if (!grads[s.name]) throw new DecoderModelError(`step: gradient of ${s.name} missing`);
      if (!state.m[s.name] || !state.v[s.name]) throw new DecoderModelError(`step: AdamW state of ${s.name} missing`);
    }
    const { maxGradNorm, decayNormsAndBiases, ...adam } = options;
    const list = this.specs.map((s) => grads[s.name]!.data);
    const clip = maxGradNorm === undefined ? { norm: globalGradNorm(list), scale: 1 } : clipGradNorm(list, maxGradNorm);
    const t = state.step + 1;
    for (const s of this.specs) {
      // The fast path's f32 AdamW is bit-identical to the reference (adamw/adamw.cpu.ts), only faster.
      const update = (this.ops === 'fast' ? adamwStepF32 : adamwStep) as (
        p: T,
        g: T,
        m: T,
        v: T,
        t: number,
        o: AdamWOptions,
      ) => void;
      update(
        this.params[s.name]!.data,
        grads[s.name]!.data,
        state.m[s.name]!,
        state.v[s.name]!,
        t,
        decays(s) ? adam : { ...adam, weightDecay: 0 },
      );
    }
    state.step = t;
    return { gradNorm: clip.norm, clipScale: clip.scale };
  }
}
