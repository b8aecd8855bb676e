/**
 * The cpu backend of {@link PolicyModel}. Parameters, host-side gradients and AdamW live in a
 * {@link CpuDecoderModel} (f32); the forward and backward run on one of two engines:
 * - `eager`: the model's fast ops, one ONNX Runtime product at a time with JS loops between them, and
 *   the fast f32 log-softmax;
 * - `compiled`: the recorded training graphs ({@link CompiledTrainStep}), one ONNX Runtime call per
 *   forward and one per backward. Its forward runs when its results are first read, because the PG
 *   loss's temperature is only known then.
 * Either way the PG loss is the reference loss on the row logprobs, and the model's gradient buffers are
 * overwritten by each backward, so accumulation sums into a separate set.
 */
import type { DecoderConfig, ParameterSpec } from '@rlvr/core';
import { OrtMatmul } from '../ort/ort-matmul.js';
import { logSoftmaxGatherBackwardF32, logSoftmaxGatherF32 } from '../loss/log-softmax-gather.cpu.js';
import { ortMatmulEngine } from '../decoder/matmul-engine.js';
import { CpuDecoderModel } from '../decoder/model.js';
import type { AdamWState, DecoderTensors, StepReport } from '../decoder/types.js';
import type { AdamWOptions } from '../adamw/adamw.shared.js';
import { type LogSoftmaxOps, type PgLossLogitsOptions } from '../loss/loss.shared.js';
import { pgLossFromLogits } from '../loss/pg-loss-logits.reference.js';
import type { PaddedLossStats, PolicyBackend } from '../policy/policy-model.js';
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

/** The backward's upstream gradient, as the last loss or caller left it. */
type Seed = { dlogits: Float32Array } | { gLogprob: Float32Array; gEntropy: Float32Array };

/** The cpu backend's f32 log-softmax pair, composed by the reference PG loss (O(tokens) work besides). */
const FAST_LOG_SOFTMAX: LogSoftmaxOps<Float32Array> = {
  forward: logSoftmaxGatherF32,
  backward: logSoftmaxGatherBackwardF32,
};

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
  #logits: Float32Array | undefined;
  #seed: Seed | undefined;
  /** Gradients gathered since they were last replaced. */
  #grads: DecoderTensors<Float32Array> | undefined;
  #state: AdamWState<Float32Array> | undefined;
  #disposed = false;

  /**
   * Validates and copies `weights`; `threads` = ONNX Runtime intra-op threads (default
   * `RLVR_CPU_THREADS`, else all cores); `engine` as in the module comment (default eager).
   */
  constructor(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    threads?: number,
    engine: CpuEngine = 'eager',
  ) {
    this.#threads = threads ?? defaultCpuThreads();
    this.#ort = new OrtMatmul({ threads: this.#threads });
    this.#model = CpuDecoderModel.f32(config, weights, ortMatmulEngine(this.#ort), { ops: 'fast' });
    this.config = this.#model.config;
    this.#engine = engine;
  }

  async forward(ids: Int32Array, mask: Int32Array, batch: number, seq: number): Promise<void> {
    this.#logits = undefined;
    this.#seed = undefined;
    if (this.#engine === 'compiled') {
      this.#compiledBatch = { ids, mask, batch, seq };
      return;
    }
    this.#logits = await this.#model.forward(ids, mask, batch, seq);
  }

  async readLogits(): Promise<Float32Array> {
    // Logits do not depend on the targets or the temperature, so any run of this batch has them.
    if (this.#engine === 'compiled') {
      return (this.#compiledBatch?.run?.forward ?? (await this.#compiledRun(undefined, 1))).logits;
    }
    return this.#logits!;
  }

  async gatherLogprobs(
    targets: Int32Array,
    temperature: number | undefined,
  ): Promise<{ logprob: Float32Array; entropy: Float32Array }> {
    if (this.#engine === 'compiled') {
      const f = await this.#compiledRun(targets, temperature ?? 1);
      return { logprob: f.logprob.slice(), entropy: f.entropy.slice() };
    }
    return logSoftmaxGatherF32(this.#logits!, targets, {
      tokens: targets.length,
      vocab: this.config.vocabSize,
      temperature: temperature ?? 1,
    });
  }

  async policyLoss(
    targets: Int32Array,
    inputs: Omit<PaddedPolicyInputs, 'targets'>,
    options: PgLossLogitsOptions,
    scale: number,
  ): Promise<PaddedLossStats> {
    if (this.#engine === 'compiled') return await this.#compiledPolicyLoss(targets, inputs, options, scale);
    const r = pgLossFromLogits(this.#logits!, targets, inputs, options, FAST_LOG_SOFTMAX);
    if (scale !== 1) for (let i = 0; i < r.dlogits.length; i++) r.dlogits[i]! *= scale;
    this.#seed = { dlogits: r.dlogits };
    return r;
  }

  async setDlogits(dlogits: Float32Array): Promise<void> {
    this.#seed = { dlogits };
  }

  async backward(accumulate: boolean): Promise<void> {
    const seed = this.#seed!;
    let grads: DecoderTensors<Float32Array>;
    if (this.#engine === 'compiled') {
      // A caller's dlogits need the forward's activations only (any targets and temperature do).
      const f = this.#compiledBatch?.run?.forward ?? (await this.#compiledRun(undefined, 1));
      const step = await this.#compiled!;
      grads =
        'dlogits' in seed
          ? await step.backwardFromLogits(f, seed.dlogits)
          : await step.backwardFromLogprob(f, seed.gLogprob, seed.gEntropy);
    } else {
      if (!('dlogits' in seed)) throw new Error('cpu backend: eager backward without dlogits');
      grads = await this.#model.backward(seed.dlogits);
    }
    if (!accumulate || !this.#grads) {
      this.#grads = copyTensors(grads);
      return;
    }
    for (const [name, g] of Object.entries(grads)) {
      const into = this.#grads[name]!.data;
      for (let i = 0; i < into.length; i++) into[i]! += g.data[i]!;
    }
  }

  async readGradients(): Promise<DecoderTensors<Float32Array>> {
    return copyTensors(this.#grads!);
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
      this.#grads,
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
    let upstream: { gLogprob: Float32Array; gEntropy: Float32Array } | undefined;
    // The same composition as the eager path (pgLossFromLogits), with the log-softmax already done by the
    // graph: its "backward" keeps the upstream gradients, which the backward graph turns into dlogits.
    const rowOps: LogSoftmaxOps<Float32Array> = {
      forward: () => ({ logprob: f.logprob, entropy: f.entropy }),
      backward: (_logits, _targets, gLogprob, gEntropy) => {
        const n = f.logprob.length;
        upstream = {
          gLogprob: Float32Array.from({ length: n }, (_, i) => (gLogprob ? gLogprob[i]! : 0) * scale),
          gEntropy: Float32Array.from({ length: n }, (_, i) => (gEntropy ? gEntropy[i]! : 0) * scale),
        };
        return new Float32Array(0);
      },
    };
    const r = pgLossFromLogits(f.logits, targets, inputs, options, rowOps);
    this.#seed = upstream!;
    return r;
  }
}
