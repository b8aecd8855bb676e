/**
 * The cpu backend of {@link PolicyModel}. Parameters, host-side gradients and AdamW live in a
 * {@link CpuDecoderModel} (f32); the forward and backward run on one of two engines:
 * - `eager`: the model's fast ops, one ONNX Runtime product at a time with JS loops between them; its
 *   forward stops at the final hidden states, and the LM head with its log-softmax runs in bounded
 *   chunks (decoder/chunked-head.ts), so no [tokens, vocab] logits exist unless a caller reads them;
 *   {@link CpuMemoryOptions} bound the rest (attention recompute, activation checkpointing);
 * - `compiled`: the recorded training graphs ({@link CompiledTrainStep}), one ONNX Runtime call per
 *   forward and one per backward. Its forward runs when its results are first read, because the PG
 *   loss's temperature is only known then.
 * Either way the PG loss is the reference loss on the row logprobs, whose d loss/d (logprob, entropy)
 * seed the backward, and there is one gradient set, the model's: a backward overwrites it or adds to it.
 */
import type { DecoderConfig, ParameterSpec } from '@rlvr/core';
import { OrtMatmul } from '../ort/ort-matmul.js';
import type { LogSoftmaxRowStats } from '../loss/log-softmax-gather.cpu.js';
import { ortMatmulEngine } from '../decoder/matmul-engine.js';
import { CpuDecoderModel, type DecoderMemoryOptions } from '../decoder/model.js';
import {
  type ChunkedHead,
  DEFAULT_LOGITS_CHUNK_BYTES,
  chunkedHeadBackward,
  chunkedHeadRowStats,
} from '../decoder/chunked-head.js';
import { AttentionWorkspace } from '../attention/attention.cpu.js';
import type { AdamWState, DecoderTensors, StepReport } from '../decoder/types.js';
import type { AdamWOptions } from '../adamw/adamw.shared.js';
import { type LogSoftmaxOps, type PgLossLogitsOptions } from '../loss/loss.shared.js';
import { pgLossFromLogits } from '../loss/pg-loss-logits.reference.js';
import type { PaddedLossStats, PolicyBackend } from '../policy/policy-model.js';
import { decoderParameters } from '@rlvr/core';
import type { PaddedPolicyInputs } from '../policy/policy-batch.js';
import { defaultCpuThreads } from '../ort/ort-session.js';
import { type CompiledForward, CompiledTrainStep } from '../compiled/compiled-step.js';

/** How the cpu backend runs a forward and a backward (see the module comment). */
export type CpuEngine = 'eager' | 'compiled';

/** The compiled engine's state between calls: the batch of the last forward and, once run, its results. */
interface CompiledBatch {
  ids: Int32Array;
  mask: Int32Array;
  batch: number;
  seq: number;
  run?: { forward: CompiledForward; targets: Int32Array; temperature: number };
}

/** Memory options of the eager engine (the compiled engine ignores them). */
export interface CpuMemoryOptions extends DecoderMemoryOptions {
  /** Upper bound in bytes on one chunk of LM-head logits (and of their gradient); default 64 MiB. */
  logitsChunkBytes?: number;
}

/** The d loss/d (logprob, entropy) of each row, times the loss scale. */
interface RowUpstream {
  gLogprob: Float32Array;
  gEntropy: Float32Array;
}

/**
 * The backward's upstream gradient, as the last loss or caller left it; the eager engine's row seed
 * carries what its chunked head backward needs besides.
 */
type Seed =
  | { dlogits: Float32Array }
  | (RowUpstream & { head?: { targets: Int32Array; temperature: number; stats: LogSoftmaxRowStats } });

/** Whether two id arrays are equal element-wise. */
function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

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
  readonly #engine: CpuEngine;
  readonly #threads: number;
  #compiled: Promise<CompiledTrainStep> | undefined;
  #compiledBatch: CompiledBatch | undefined;
  #seed: Seed | undefined;
  readonly #logitsChunkBytes: number;
  /** The chunked head's buffers, kept across steps. */
  readonly #headScratch = new AttentionWorkspace();
  #state: AdamWState<Float32Array> | undefined;
  #disposed = false;

  /**
   * Validates and copies `weights`; `threads` = ONNX Runtime intra-op threads (default
   * `RLVR_CPU_THREADS`, else all cores); `engine` as in the module comment (default eager); `memory`:
   * the eager engine's {@link CpuMemoryOptions}.
   */
  constructor(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    threads?: number,
    engine: CpuEngine = 'eager',
    memory: CpuMemoryOptions = {},
  ) {
    this.#threads = threads ?? defaultCpuThreads();
    this.#ort = new OrtMatmul({ threads: this.#threads });
    const { logitsChunkBytes, ...modelMemory } = memory;
    this.#logitsChunkBytes = logitsChunkBytes ?? DEFAULT_LOGITS_CHUNK_BYTES;
    this.#model = CpuDecoderModel.f32(config, weights, ortMatmulEngine(this.#ort), {
      ops: 'fast',
      memory: modelMemory,
    });
    this.config = this.#model.config;
    this.#engine = engine;
  }

  async forward(ids: Int32Array, mask: Int32Array, batch: number, seq: number): Promise<void> {
    this.#seed = undefined;
    if (this.#engine === 'compiled') {
      this.#compiledBatch = { ids, mask, batch, seq };
      return;
    }
    await this.#model.forwardHidden(ids, mask, batch, seq);
  }

  async readLogits(): Promise<Float32Array> {
    // Logits do not depend on the targets or the temperature, so any run of this batch has them.
    if (this.#engine === 'compiled') {
      return (this.#compiledBatch?.run?.forward ?? (await this.#compiledRun(undefined, 1))).logits;
    }
    return await this.#model.logits();
  }

  async gatherLogprobs(
    targets: Int32Array,
    temperature: number | undefined,
  ): Promise<{ logprob: Float32Array; entropy: Float32Array }> {
    if (this.#engine === 'compiled') {
      const f = await this.#compiledRun(targets, temperature ?? 1);
      return { logprob: f.logprob.slice(), entropy: f.entropy.slice() };
    }
    const { logprob, entropy } = await chunkedHeadRowStats(this.#head(), targets, temperature ?? 1);
    return { logprob, entropy };
  }

  async policyLoss(
    targets: Int32Array,
    inputs: Omit<PaddedPolicyInputs, 'targets'>,
    options: PgLossLogitsOptions,
    scale: number,
  ): Promise<PaddedLossStats> {
    if (this.#engine === 'compiled') return await this.#compiledPolicyLoss(targets, inputs, options, scale);
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
    if (this.#engine === 'compiled') {
      // A caller's dlogits need the forward's activations only (any targets and temperature do).
      const f = this.#compiledBatch?.run?.forward ?? (await this.#compiledRun(undefined, 1));
      const step = await this.#compiled!;
      const grads =
        'dlogits' in seed
          ? await step.backwardFromLogits(f, seed.dlogits)
          : await step.backwardFromLogprob(f, seed.gLogprob, seed.gEntropy);
      this.#model.accumulateGradients(grads, accumulate);
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
      (grads, add) => chunkedHeadBackward(this.#head(), { ...head, ...seed }, grads[headWeight]!.data, add),
      accumulate,
    );
  }

  async readGradients(): Promise<DecoderTensors<Float32Array>> {
    return copyTensors(this.#model.pendingGradients()!);
  }

  async adamw(
    t: number,
    adam: AdamWOptions,
    decays: (spec: ParameterSpec) => boolean,
    maxGradNorm: number | undefined,
  ): Promise<StepReport> {
    this.#state ??= this.#model.createAdamWState();
    this.#state.step = t - 1;
    return this.#model.step(
      this.#state,
      { ...adam, ...(maxGradNorm === undefined ? {} : { maxGradNorm }) },
      undefined,
      decays,
    );
  }

  async readParameters(): Promise<DecoderTensors<Float32Array>> {
    return copyTensors(this.#model.weights());
  }

  async readMoments(): Promise<{ m: DecoderTensors<Float32Array>; v: DecoderTensors<Float32Array> }> {
    const state = this.#state ?? this.#model.createAdamWState();
    const params = this.#model.weights();
    const named = (moments: Record<string, Float32Array>): DecoderTensors<Float32Array> =>
      Object.fromEntries(
        Object.entries(moments).map(([name, data]) => [name, { shape: [...params[name]!.shape], data: data.slice() }]),
      );
    return { m: named(state.m), v: named(state.v) };
  }

  async writeMoments(m: DecoderTensors<Float32Array>, v: DecoderTensors<Float32Array>): Promise<void> {
    const data = (tensors: DecoderTensors<Float32Array>): Record<string, Float32Array> =>
      Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, Float32Array.from(t.data)]));
    this.#state = { step: 0, m: data(m), v: data(v) };
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#ort.dispose();
    if (this.#compiled) await (await this.#compiled).dispose();
  }

  /**
   * The compiled forward of the last batch with these targets (default: the next-token targets) and
   * temperature: run now, or reused when the last run had the same ones.
   */
  async #compiledRun(targets: Int32Array | undefined, temperature: number): Promise<CompiledForward> {
    const b = this.#compiledBatch;
    if (!b) throw new Error('cpu backend: no forward to run; call forward first');
    const wanted = targets ?? b.run?.targets ?? new Int32Array(b.batch * b.seq);
    if (b.run && b.run.temperature === temperature && sameInts(b.run.targets, wanted)) return b.run.forward;
    this.#compiled ??= CompiledTrainStep.create(this.config, { threads: this.#threads, spinning: false });
    const step = await this.#compiled;
    const forward = await step.forward(
      this.#model.weights() as DecoderTensors<Float32Array>,
      b.ids,
      b.mask,
      b.batch,
      b.seq,
      wanted,
      temperature,
    );
    b.run = { forward, targets: wanted, temperature };
    return forward;
  }

  /** The reference PG loss on the compiled forward's row logprobs; its d loss/d (logprob, entropy) seed the backward. */
  async #compiledPolicyLoss(
    targets: Int32Array,
    inputs: Omit<PaddedPolicyInputs, 'targets'>,
    options: PgLossLogitsOptions,
    scale: number,
  ): Promise<PaddedLossStats> {
    const f = await this.#compiledRun(targets, options.temperature ?? 1);
    const { stats, upstream } = rowPolicyLoss(f, targets, inputs, options, scale);
    this.#seed = upstream;
    return stats;
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

/**
 * The reference PG loss (pgLossFromLogits' composition) on rows whose log-softmax is already done:
 * its "backward" keeps the rows' upstream gradients, times `scale`, for the engine's backward.
 */
function rowPolicyLoss(
  rows: { logprob: Float32Array; entropy: Float32Array },
  targets: Int32Array,
  inputs: Omit<PaddedPolicyInputs, 'targets'>,
  options: PgLossLogitsOptions,
  scale: number,
): { stats: PaddedLossStats; upstream: RowUpstream } {
  let upstream: RowUpstream | undefined;
  const rowOps: LogSoftmaxOps<Float32Array> = {
    forward: () => rows,
    backward: (_logits, _targets, gLogprob, gEntropy) => {
      const n = rows.logprob.length;
      upstream = {
        gLogprob: Float32Array.from({ length: n }, (_, i) => (gLogprob ? gLogprob[i]! : 0) * scale),
        gEntropy: Float32Array.from({ length: n }, (_, i) => (gEntropy ? gEntropy[i]! : 0) * scale),
      };
      return new Float32Array(0);
    },
  };
  const stats = pgLossFromLogits(new Float32Array(0), targets, inputs, options, rowOps);
  return { stats, upstream: upstream! };
}
