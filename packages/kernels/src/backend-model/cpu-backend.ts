/**
 * The cpu backend of {@link PolicyModel}. Parameters, host-side gradients and AdamW live in a
 * {@link CpuDecoderModel} (f32); the forward and backward run on one of two engines:
 * - `eager`: the model's fast ops, one ONNX Runtime product at a time with JS loops between them; its
 *   forward stops at the final hidden states, and the LM head with its log-softmax runs in bounded
 *   chunks (decoder/chunked-head.ts), so no [tokens, vocab] logits exist unless a caller reads them;
 *   {@link CpuMemoryOptions} bound the rest (attention recompute, activation checkpointing);
 * - `compiled`: the recorded training graphs ({@link CompiledEngine}): a PG-loss micro-batch is one
 *   ONNX Runtime call (forward, loss gradient, backward), other calls a forward and a backward.
 * Either way the PG loss's value and statistics are the reference loss's on the row logprobs, and there
 * is one gradient set, the model's: a backward overwrites it or adds to it.
 */
import type { DecoderConfig, ParameterSpec } from '@rlvr/core';
import { OrtMatmul } from '../ort/ort-matmul.js';
import { ortMatmulEngine } from '../decoder/matmul-engine.js';
import { CpuDecoderModel, type DecoderMemoryOptions } from '../decoder/model.js';
import {
  type ChunkedHead,
  DEFAULT_LOGITS_CHUNK_BYTES,
  chunkedHeadBackward,
  chunkedHeadRowStats,
  type HeadRowStats,
} from '../decoder/chunked-head.js';
import { AttentionWorkspace } from '../attention/attention.cpu.js';
import type { AdamWState, DecoderTensors, StepReport } from '../decoder/types.js';
import type { AdamWOptions } from '../adamw/adamw.shared.js';
import { type PgLossLogitsOptions, referenceOnlyOption } from '../loss/loss.shared.js';
import { type RowUpstream, rowPolicyLoss } from '../loss/row-loss.js';
import type { LiveAdapters, PaddedLossStats, PolicyBackend } from '../policy/policy-model.js';
import { decoderParameters } from '@rlvr/core';
import { globalGradNorm } from '../grad-norm/grad-norm.reference.js';
import type { PaddedPolicyInputs } from '../policy/policy-batch.js';
import { defaultCpuThreads } from '../ort/ort-session.js';
import { CompiledEngine } from '../compiled/compiled-engine.js';
import { DEFAULT_COMPILED_BUDGET_BYTES, compiledStepBytes } from '../compiled/footprint.js';
import type { LoraAdapters } from '../lora/lora-adapters.js';

/**
 * How the cpu backend runs a forward and a backward (see the module comment); `auto` picks per
 * micro-batch: compiled when what it would hold (activations and the step's gradient copies, compiled/footprint.ts) fits {@link CpuMemoryOptions.compiledBudgetBytes}.
 */
export type CpuEngine = 'eager' | 'compiled' | 'auto';

/** Memory options of the eager engine (the compiled engine ignores them). */
export interface CpuMemoryOptions extends DecoderMemoryOptions {
  /** Upper bound in bytes on one chunk of LM-head logits (and of their gradient); default 64 MiB. */
  logitsChunkBytes?: number;
  /** The `auto` engine compiles a micro-batch that holds at most this many bytes besides the model (activations, the step's gradient copies); default 1 GiB. */
  compiledBudgetBytes?: number;
}

/**
 * The backward's upstream gradient, as the last loss or caller left it: the eager engine's row seed
 * carries what its chunked head backward needs besides; the compiled engine's loss step leaves the
 * gradients themselves.
 */
type Seed =
  | { dlogits: Float32Array }
  | { gradients: DecoderTensors<Float32Array> }
  | (RowUpstream & { head: { targets: Int32Array; temperature: number; stats: HeadRowStats } });

/** Copies of named tensors (shape and data). */
function copyTensors(tensors: DecoderTensors<Float32Array>): DecoderTensors<Float32Array> {
  const out: DecoderTensors<Float32Array> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = { shape: [...t.shape], data: t.data.slice() };
  return out;
}

/** {@link PolicyBackend} on the CPU (see the module comment). */
export class CpuPolicyBackend implements PolicyBackend {
  readonly config: DecoderConfig;
  readonly #ort: OrtMatmul;
  readonly #model: CpuDecoderModel<Float32Array>;
  readonly #threads: number;
  readonly #engine: CpuEngine;
  readonly #compiledBudget: number;
  /** The compiled engine, unless the engine is eager. */
  readonly #compiledEngine: CompiledEngine | undefined;
  /** Whether the last forward's micro-batch runs on the compiled engine. */
  #useCompiled = false;
  #seed: Seed | undefined;
  readonly #logitsChunkBytes: number;
  /** The chunked head's buffers, kept across steps. */
  readonly #headScratch = new AttentionWorkspace();
  #state: AdamWState<Float32Array> | undefined;
  #disposed = false;
  /** LoRA adapters (the only trained tensors), or undefined. */
  readonly #lora: LoraAdapters<Float32Array> | undefined;
  /** Optimizer steps taken and training forwards since: the key of the next training forward's dropout. */
  #dropoutClock = { steps: 0, forwards: 0 };

  /**
   * Validates and copies (or adopts) `weights`; `threads` = ONNX Runtime intra-op threads (default
   * `RLVR_CPU_THREADS`, else all cores); `engine` as in the module comment (default eager); `memory`:
   * the eager engine's {@link CpuMemoryOptions}; `lora`: adapters to train instead of the weights
   * (eager engine only: the compiled graphs have no adapters); `adoptWeights`: take the Float32Array
   * weights without a copy (the caller must not use them afterwards).
   */
  constructor(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    threads?: number,
    engine: CpuEngine = 'eager',
    memory: CpuMemoryOptions = {},
    lora?: LoraAdapters<Float32Array>,
    adoptWeights = false,
  ) {
    if (lora && engine !== 'eager') throw new Error(`cpu backend: LoRA runs on the eager engine, got ${engine}`);
    this.#lora = lora;
    this.#threads = threads ?? defaultCpuThreads();
    this.#ort = new OrtMatmul({ threads: this.#threads });
    const { logitsChunkBytes, compiledBudgetBytes, ...modelMemory } = memory;
    this.#compiledBudget = compiledBudgetBytes ?? DEFAULT_COMPILED_BUDGET_BYTES;
    this.#logitsChunkBytes = logitsChunkBytes ?? DEFAULT_LOGITS_CHUNK_BYTES;
    this.#model = CpuDecoderModel.f32(config, weights, ortMatmulEngine(this.#ort), {
      ops: 'fast',
      memory: modelMemory,
      ...(lora ? { lora } : {}),
      adoptWeights,
    });
    this.config = this.#model.config;
    this.#engine = engine;
    if (engine !== 'eager') this.#compiledEngine = new CompiledEngine(this.config, this.#threads);
  }

  async forward(
    ids: Int32Array,
    mask: Int32Array,
    batch: number,
    seq: number,
    train = false,
    adapters = true,
  ): Promise<void> {
    this.#seed = undefined;
    if (this.#lora) {
      this.#lora.enabled = adapters;
      // Dropout in training forwards only, keyed by (steps taken, forward within the step): a resumed run draws the same masks.
      const clock = this.#dropoutClock;
      this.#lora.dropoutKey = train ? ((clock.steps + 1) * 1_000_003 + clock.forwards++) >>> 0 : null;
    }
    this.#useCompiled =
      this.#engine === 'compiled' ||
      (this.#engine === 'auto' && (await compiledStepBytes(this.config, batch, seq)) <= this.#compiledBudget);
    if (this.#compiled) {
      this.#compiled.setBatch(ids, mask, batch, seq);
      return;
    }
    await this.#model.forwardHidden(ids, mask, batch, seq);
  }

  async readLogits(): Promise<Float32Array> {
    if (this.#compiled) return await this.#compiled.logits(this.#model.weights());
    return await this.#model.logits();
  }

  async gatherLogprobs(
    targets: Int32Array,
    temperature: number | undefined,
  ): Promise<{ logprob: Float32Array; entropy: Float32Array }> {
    if (this.#compiled) return await this.#compiled.rows(this.#model.weights(), targets, temperature ?? 1);
    const { logprob, entropy } = await chunkedHeadRowStats(this.#head(), targets, temperature ?? 1);
    return { logprob, entropy };
  }

  async policyLoss(
    targets: Int32Array,
    inputs: Omit<PaddedPolicyInputs, 'targets'>,
    options: PgLossLogitsOptions,
    scale: number,
  ): Promise<PaddedLossStats> {
    if (this.#compiled && referenceOnlyOption(options) !== null) {
      // An option the loss graph lacks: the rows' forward (activations kept), the reference loss on
      // the rows, then the backward from its upstream gradients.
      const temperature = options.temperature ?? 1;
      const rows = await this.#compiled.rows(this.#model.weights(), targets, temperature, 'all');
      const { stats, upstream } = rowPolicyLoss(rows, targets, inputs, options, scale);
      const gradients = await this.#compiled.backwardFromRows(this.#model.weights(), targets, temperature, upstream);
      this.#seed = { gradients };
      return stats;
    }
    if (this.#compiled) {
      const r = await this.#compiled.policyStep(this.#model.weights(), targets, inputs, options, scale);
      this.#seed = { gradients: r.gradients };
      return rowPolicyLoss(r.rows, targets, inputs, options, scale).stats;
    }
    const temperature = options.temperature ?? 1;
    const stats = await chunkedHeadRowStats(this.#head(), targets, temperature);
    const { stats: r, upstream } = rowPolicyLoss(stats, targets, inputs, options, scale);
    this.#seed = { ...upstream, head: { targets, temperature, stats } };
    return r;
  }

  async setDlogits(dlogits: Float32Array): Promise<void> {
    this.#seed = { dlogits };
  }

  async backward(accumulate: boolean): Promise<void> {
    const seed = this.#seed!;
    if ('gradients' in seed) {
      this.#model.accumulateGradients(seed.gradients, accumulate);
      return;
    }
    if (this.#compiled) {
      if (!('dlogits' in seed)) throw new Error('cpu backend: compiled backward without a loss step or dlogits');
      this.#model.accumulateGradients(
        await this.#compiled.backwardFromLogits(this.#model.weights(), seed.dlogits),
        accumulate,
      );
      return;
    }
    if ('dlogits' in seed) {
      await this.#model.backward(seed.dlogits, accumulate);
      return;
    }
    const head = seed.head;
    if (!head) throw new Error('cpu backend: eager backward without the chunked head forward');
    const headWeight = decoderParameters(this.config).head.weight;
    await this.#model.backwardFromHead(
      // A frozen head (LoRA) has no gradient in the set: its chunks skip the weight-gradient product.
      (grads, add) => chunkedHeadBackward(this.#head(), { ...head, ...seed }, grads[headWeight]?.data ?? null, add),
      accumulate,
    );
  }

  async readGradients(): Promise<DecoderTensors<Float32Array>> {
    return copyTensors(this.#model.pendingGradients()!);
  }

  async gradNorm(): Promise<number> {
    const grads = this.#model.pendingGradients()!;
    // In parameter order, as the step sums them, so the two norms are the same number.
    return globalGradNorm(this.trainableSpecs().map((s) => grads[s.name]!.data));
  }

  /** What the optimizer trains: every parameter, or the LoRA adapters' A and B. */
  trainableSpecs(): ParameterSpec[] {
    return this.#model.trainableSpecs();
  }

  async adamw(
    t: number,
    adam: AdamWOptions,
    decays: (spec: ParameterSpec) => boolean,
    maxGradNorm: number | undefined,
  ): Promise<StepReport> {
    this.#state ??= this.#model.createAdamWState();
    this.#state.step = t - 1;
    this.#dropoutClock = { steps: t, forwards: 0 };
    return this.#model.step(
      this.#state,
      { ...adam, ...(maxGradNorm === undefined ? {} : { maxGradNorm }) },
      undefined,
      decays,
    );
  }

  async readParameters(): Promise<DecoderTensors<Float32Array>> {
    // With LoRA: the merged weights W + scale·B·A (what the sampler and a saved model need).
    if (this.#lora) return await this.#lora.merge(this.#model.weights(), this.#model.engine);
    return copyTensors(this.#model.weights());
  }

  async readAdapters(): Promise<DecoderTensors<Float32Array> | null> {
    return this.#lora ? copyTensors(this.#lora.params) : null;
  }

  liveTensors(): {
    weights: DecoderTensors<Float32Array>;
    m: DecoderTensors<Float32Array>;
    v: DecoderTensors<Float32Array>;
  } | null {
    if (this.#lora) return null;
    // The moments a first step would allocate, allocated now: zeros, as that step would start from.
    this.#state ??= this.#model.createAdamWState();
    const weights = this.#model.weights();
    const named = (moments: Record<string, Float32Array>): DecoderTensors<Float32Array> =>
      Object.fromEntries(Object.entries(moments).map(([name, data]) => [name, { shape: weights[name]!.shape, data }]));
    return { weights, m: named(this.#state.m), v: named(this.#state.v) };
  }

  liveAdapters(): LiveAdapters | null {
    const lora = this.#lora;
    return lora
      ? { base: this.#model.weights(), adapters: lora.params, targets: lora.targets, scale: lora.scale }
      : null;
  }

  async readMoments(): Promise<{ m: DecoderTensors<Float32Array>; v: DecoderTensors<Float32Array> }> {
    const state = this.#state ?? this.#model.createAdamWState();
    const params = this.#lora?.params ?? this.#model.weights();
    const named = (moments: Record<string, Float32Array>): DecoderTensors<Float32Array> =>
      Object.fromEntries(
        Object.entries(moments).map(([name, data]) => [name, { shape: [...params[name]!.shape], data: data.slice() }]),
      );
    return { m: named(state.m), v: named(state.v) };
  }

  async writeMoments(m: DecoderTensors<Float32Array>, v: DecoderTensors<Float32Array>, step = 0): Promise<void> {
    // The backend's own arrays (from liveTensors, filled in place) are kept as they are: no copy.
    const data = (
      tensors: DecoderTensors<Float32Array>,
      own?: Record<string, Float32Array>,
    ): Record<string, Float32Array> =>
      Object.fromEntries(
        Object.entries(tensors).map(([name, t]) => [name, t.data === own?.[name] ? t.data : Float32Array.from(t.data)]),
      );
    this.#state = { step: 0, m: data(m, this.#state?.m), v: data(v, this.#state?.v) };
    this.#dropoutClock = { steps: step, forwards: 0 };
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#ort.dispose();
    await this.#compiledEngine?.dispose();
  }

  /** The compiled engine when the last forward's micro-batch runs on it, else undefined (eager). */
  get #compiled(): CompiledEngine | undefined {
    return this.#useCompiled ? this.#compiledEngine : undefined;
  }

  /** The eager engine's chunked LM head over the last forward's final hidden states. */
  #head(): ChunkedHead {
    const c = this.config;
    const hidden = this.#model.hidden();
    return {
      engine: this.#model.engine,
      hidden,
      weight: this.#model.weights()[decoderParameters(c).head.weight]!.data,
      tokens: hidden.length / c.hiddenSize,
      hiddenSize: c.hiddenSize,
      vocab: c.vocabSize,
      chunkBytes: this.#logitsChunkBytes,
      scratch: this.#headScratch,
    };
  }
}
