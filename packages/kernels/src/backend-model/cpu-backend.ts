/**
 * The cpu backend of {@link PolicyModel}: a {@link CpuDecoderModel} (f32, fast ops) on an ONNX Runtime
 * matmul engine it owns, the fast f32 log-softmax, and host-side gradients and AdamW moments. The
 * model's own gradient buffers are overwritten by each backward, so accumulation sums into a separate set.
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

/** The cpu backend's f32 log-softmax pair, composed by the reference PG loss (O(tokens) work besides). */
const FAST_LOG_SOFTMAX: LogSoftmaxOps<Float32Array> = { forward: logSoftmaxGatherF32, backward: logSoftmaxGatherBackwardF32 };

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
  #logits: Float32Array | undefined;
  #dlogits: Float32Array | undefined;
  /** Gradients gathered since they were last replaced. */
  #grads: DecoderTensors<Float32Array> | undefined;
  #state: AdamWState<Float32Array> | undefined;
  #disposed = false;

  /** Validates and copies `weights`; `threads` = ONNX Runtime intra-op threads (default all cores). */
  constructor(config: DecoderConfig, weights: Record<string, { shape: number[]; data: ArrayLike<number> }>, threads?: number) {
    this.#ort = new OrtMatmul(threads === undefined ? {} : { threads });
    this.#model = CpuDecoderModel.f32(config, weights, ortMatmulEngine(this.#ort), { ops: 'fast' });
    this.config = this.#model.config;
  }

  async forward(ids: Int32Array, mask: Int32Array, batch: number, seq: number): Promise<void> {
    this.#logits = undefined;
    this.#logits = await this.#model.forward(ids, mask, batch, seq);
  }

  async readLogits(): Promise<Float32Array> {
    return this.#logits!;
  }

  async gatherLogprobs(targets: Int32Array, temperature: number | undefined): Promise<{ logprob: Float32Array; entropy: Float32Array }> {
    return logSoftmaxGatherF32(this.#logits!, targets, { tokens: targets.length, vocab: this.config.vocabSize, temperature: temperature ?? 1 });
  }

  async policyLoss(targets: Int32Array, inputs: Omit<PaddedPolicyInputs, 'targets'>, options: PgLossLogitsOptions, scale: number): Promise<PaddedLossStats> {
    const r = pgLossFromLogits(this.#logits!, targets, inputs, options, FAST_LOG_SOFTMAX);
    if (scale !== 1) for (let i = 0; i < r.dlogits.length; i++) r.dlogits[i]! *= scale;
    this.#dlogits = r.dlogits;
    return r;
  }

  async setDlogits(dlogits: Float32Array): Promise<void> {
    this.#dlogits = dlogits;
  }

  async backward(accumulate: boolean): Promise<void> {
    const grads = await this.#model.backward(this.#dlogits!);
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

  async adamw(t: number, adam: AdamWOptions, decays: (spec: ParameterSpec) => boolean, maxGradNorm: number | undefined): Promise<StepReport> {
    this.#state ??= this.#model.createAdamWState();
    this.#state.step = t - 1;
    return this.#model.step(this.#state, { ...adam, ...(maxGradNorm === undefined ? {} : { maxGradNorm }) }, this.#grads, decays);
  }

  async readParameters(): Promise<DecoderTensors<Float32Array>> {
    return copyTensors(this.#model.weights());
  }

  async readMoments(): Promise<{ m: DecoderTensors<Float32Array>; v: DecoderTensors<Float32Array> }> {
    const state = this.#state ?? this.#model.createAdamWState();
    const params = this.#model.weights();
    const named = (moments: Record<string, Float32Array>): DecoderTensors<Float32Array> =>
      Object.fromEntries(Object.entries(moments).map(([name, data]) => [name, { shape: [...params[name]!.shape], data: data.slice() }]));
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
  }
}
