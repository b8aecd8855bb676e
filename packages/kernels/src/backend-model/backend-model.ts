/**
 * One decoder interface over both training backends: {@link createDecoderModel} runs
 * {@link selectBackend} (option, else env `RLVR_BACKEND`, else `auto`), reports the choice and its
 * reason once, and wraps {@link CpuDecoderModel} (f32, fast ops, ONNX Runtime matmuls) or
 * {@link GpuDecoderModel} in a thin adapter. The backend is never swapped silently: an explicit
 * `webgpu` without an adapter throws {@link BackendUnavailableError}.
 */
import { OrtMatmul } from '../cpu/ort-matmul.js';
import { CpuDecoderModel, DecoderModelError, type AdamWState, type DecoderStepOptions, type DecoderTensors, type StepReport } from '../decoder/model.js';
import { type PolicyBatch, type PolicyLossOptions, type PolicyLossStats, type TokenLogprobs, checkedLossScale, padPolicyBatch, paddedLossOptions, policyLossStats, shiftedTargets, unpadShifted } from '../policy/policy-batch.js';
import { logSoftmaxGatherBackwardF32, logSoftmaxGatherF32 } from '../cpu-ops/log-softmax.js';
import { type LogSoftmaxOps, pgLossFromLogits } from '../reference/pg-loss-logits.js';
import { ortMatmulEngine } from '../decoder/matmul-engine.js';
import { parseBackendChoice, selectBackend, type BackendChoice, type BackendName } from '../device/backend.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { GpuDecoderModel, type GpuDecoderWeights } from '../gpu-decoder/gpu-decoder.js';
import { type DecoderConfig, parameterSpecs } from '@rlvr/core';
import type { Ints } from '../reference/common.js';

/** Options of {@link createDecoderModel}. */
export interface CreateDecoderModelOptions {
  /** The validated decoder configuration (see `parseDecoderConfig`). */
  config: DecoderConfig;
  /** Initial parameters by Hugging Face name; validated against `config` (errors name the tensor) and copied. */
  weights: GpuDecoderWeights;
  /** Requested backend; default env `RLVR_BACKEND`, else `auto`. Unknown names throw. */
  backend?: BackendChoice;
  /** Where the one-line backend decision goes; default stderr, `null` for quiet (the reason is still on the model). */
  log?: ((line: string) => void) | null;
  /** ONNX Runtime intra-op threads of the cpu backend; default all cores. */
  threads?: number;
}

/** AdamW state of a {@link DecoderModel}: steps taken and first/second moments by parameter name. */
export interface OptimizerState {
  /** Steps taken (the next step uses t = step + 1). */
  step: number;
  /** First moments, one tensor per parameter. */
  m: DecoderTensors<Float32Array>;
  /** Second moments, one tensor per parameter. */
  v: DecoderTensors<Float32Array>;
}

/**
 * The decoder on whichever backend was selected. Same layouts and gradient names as
 * {@link CpuDecoderModel}; calls must not interleave (a backward differentiates the last forward).
 */
export interface DecoderModel {
  /** The backend in use. */
  readonly backend: BackendName;
  /** Why that backend was chosen (as printed by {@link selectBackend}). */
  readonly reason: string;
  /** The validated configuration. */
  readonly config: DecoderConfig;
  /** Logits [batch, seq, vocab] of tokens [batch, seq] under mask [batch, seq] (1 = token, 0 = padding). */
  forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<Float32Array>;
  /** Named gradients (copies) of a scalar loss given dloss/dlogits [batch, seq, vocab] of the last forward. */
  backward(dlogits: Float32Array): Promise<DecoderTensors<Float32Array>>;
  /** Token logprobs and entropies [batch, seq − 1] (TRL's shifted convention) under temperature (default 1). */
  tokenLogprobs(tokens: Ints, mask: Ints, batch: number, seq: number, options?: { temperature?: number }): Promise<TokenLogprobs>;
  /**
   * Forward, the policy-gradient loss with its dlogits, and the backward of one micro-batch; gradients
   * replace the pending ones, or are added to them with `accumulate`. Returns the loss and its statistics.
   */
  policyLoss(batch: PolicyBatch, options: PolicyLossOptions): Promise<PolicyLossStats>;
  /** The pending gradients (from backward/policyLoss since the last step) as named tensors (copies). */
  gradients(): Promise<DecoderTensors<Float32Array>>;
  /** One AdamW step from the pending gradients, clipped to `maxGradNorm` if given (moments zero before the first step). */
  step(options: DecoderStepOptions): Promise<StepReport>;
  /** Every parameter as named Float32 tensors (copies; tied models have no `lm_head.weight`). */
  weights(): Promise<DecoderTensors<Float32Array>>;
  /** AdamW's step count and moments (zeros before the first step), for checkpoints. */
  optimizerState(): Promise<OptimizerState>;
  /** Restore a checkpoint's AdamW state; names and shapes are checked (errors name the tensor). */
  setOptimizerState(state: OptimizerState): Promise<void>;
  /** Release the backend's resources (ORT sessions, or GPU buffers and the device); idempotent; later calls throw. */
  dispose(): Promise<void>;
}

/** The cpu backend's f32 log-softmax pair, composed by the reference PG loss (O(tokens) work besides). */
const FAST_LOG_SOFTMAX: LogSoftmaxOps<Float32Array> = { forward: logSoftmaxGatherF32, backward: logSoftmaxGatherBackwardF32 };

/**
 * Adapter of the cpu backend: CpuDecoderModel (f32, fast ops) on an OrtMatmul engine it owns, its AdamW
 * state, and the pending gradients (the model's own gradient buffers are overwritten by each backward,
 * so micro-batch accumulation sums into a separate set).
 */
class CpuBackendModel implements DecoderModel {
  readonly backend = 'cpu' as const;
  readonly reason: string;
  readonly config: DecoderConfig;
  readonly #ort: OrtMatmul;
  readonly #model: CpuDecoderModel<Float32Array>;
  #state: AdamWState<Float32Array> | undefined;
  /** Gradients since the last step (undefined before the first backward and after each step). */
  #pending: DecoderTensors<Float32Array> | undefined;
  #disposed = false;

  constructor(reason: string, options: CreateDecoderModelOptions) {
    this.reason = reason;
    this.#ort = new OrtMatmul(options.threads === undefined ? {} : { threads: options.threads });
    this.#model = CpuDecoderModel.f32(options.config, options.weights, ortMatmulEngine(this.#ort), { ops: 'fast' });
    this.config = this.#model.config;
  }

  async forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<Float32Array> {
    this.#assertUsable('forward');
    return await this.#model.forward(tokens, mask, batch, seq);
  }

  async backward(dlogits: Float32Array): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('backward');
    this.#gather(await this.#model.backward(dlogits), false);
    return copyTensors(this.#pending!);
  }

  async tokenLogprobs(tokens: Ints, mask: Ints, batch: number, seq: number, options: { temperature?: number } = {}): Promise<TokenLogprobs> {
    this.#assertUsable('tokenLogprobs');
    if (!Number.isInteger(seq) || seq < 2) throw new DecoderModelError(`tokenLogprobs: seq must be an integer ≥ 2, got ${seq}`);
    const logits = await this.#model.forward(tokens, mask, batch, seq);
    const dims = { tokens: batch * seq, vocab: this.config.vocabSize, temperature: options.temperature ?? 1 };
    const r = logSoftmaxGatherF32(logits, shiftedTargets(tokens, batch, seq), dims);
    return { logprob: unpadShifted(r.logprob, batch, seq), entropy: unpadShifted(r.entropy, batch, seq) };
  }

  async policyLoss(p: PolicyBatch, options: PolicyLossOptions): Promise<PolicyLossStats> {
    this.#assertUsable('policyLoss');
    const { accumulate, lossScale, ...config } = options;
    const scale = checkedLossScale(lossScale);
    const padded = padPolicyBatch(p, config);
    const logits = await this.#model.forward(p.tokens, p.attentionMask, p.batch, p.seq);
    const r = pgLossFromLogits(
      logits, padded.targets,
      { oldLogp: padded.oldLogp, advantages: padded.advantages, mask: padded.mask, refLogp: padded.refLogp, samplerLogp: padded.samplerLogp },
      { ...paddedLossOptions(config, p.batch, p.seq), vocab: this.config.vocabSize },
      FAST_LOG_SOFTMAX,
    );
    if (scale !== 1) for (let i = 0; i < r.dlogits.length; i++) r.dlogits[i]! *= scale;
    this.#gather(await this.#model.backward(r.dlogits), accumulate === true);
    return policyLossStats(r, p.batch, p.seq);
  }

  async gradients(): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('gradients');
    if (!this.#pending) throw new DecoderModelError('gradients: no gradients; call backward or policyLoss first');
    return copyTensors(this.#pending);
  }

  async step(options: DecoderStepOptions): Promise<StepReport> {
    this.#assertUsable('step');
    if (!this.#pending) throw new DecoderModelError('step: no gradients since the last step; call backward or policyLoss first');
    this.#state ??= this.#model.createAdamWState();
    const report = this.#model.step(this.#state, options, this.#pending);
    this.#pending = undefined;
    return report;
  }

  async weights(): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('weights');
    return copyTensors(this.#model.weights());
  }

  async optimizerState(): Promise<OptimizerState> {
    this.#assertUsable('optimizerState');
    const state = this.#state ?? this.#model.createAdamWState();
    const shapes = parameterShapes(this.config);
    const named = (moments: Record<string, Float32Array>): DecoderTensors<Float32Array> =>
      Object.fromEntries(Object.entries(moments).map(([name, data]) => [name, { shape: [...shapes.get(name)!], data: data.slice() }]));
    return { step: state.step, m: named(state.m), v: named(state.v) };
  }

  async setOptimizerState(state: OptimizerState): Promise<void> {
    this.#assertUsable('setOptimizerState');
    checkOptimizerState(this.config, state);
    const data = (tensors: DecoderTensors<Float32Array>): Record<string, Float32Array> =>
      Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, Float32Array.from(t.data)]));
    this.#state = { step: state.step, m: data(state.m), v: data(state.v) };
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#ort.dispose();
  }

  /** Make `grads` (the model's reusable buffers) the pending gradients, or add them to the pending ones. */
  #gather(grads: DecoderTensors<Float32Array>, accumulate: boolean): void {
    if (!accumulate || !this.#pending) {
      this.#pending = copyTensors(grads);
      return;
    }
    for (const [name, g] of Object.entries(grads)) {
      const into = this.#pending[name]!.data;
      for (let i = 0; i < into.length; i++) into[i]! += g.data[i]!;
    }
  }

  #assertUsable(what: string): void {
    if (this.#disposed) throw new DecoderModelError(`${what}: this DecoderModel (cpu) has been disposed`);
  }
}

/** Adapter of the webgpu backend: a GpuDecoderModel on a device it owns (destroyed by dispose). */
class WebGpuBackendModel implements DecoderModel {
  readonly backend = 'webgpu' as const;
  readonly reason: string;
  readonly config: DecoderConfig;
  readonly #gpu: GpuDevice;
  readonly #model: GpuDecoderModel;

  constructor(reason: string, gpu: GpuDevice, model: GpuDecoderModel) {
    this.reason = reason;
    this.#gpu = gpu;
    this.#model = model;
    this.config = model.config;
  }

  async forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<Float32Array> {
    return await this.#model.forward(tokens, mask, batch, seq);
  }

  async backward(dlogits: Float32Array): Promise<DecoderTensors<Float32Array>> {
    return await this.#model.backward(dlogits);
  }

  async tokenLogprobs(tokens: Ints, mask: Ints, batch: number, seq: number, options: { temperature?: number } = {}): Promise<TokenLogprobs> {
    return await this.#model.tokenLogprobs(tokens, mask, batch, seq, options);
  }

  async policyLoss(p: PolicyBatch, options: PolicyLossOptions): Promise<PolicyLossStats> {
    return await this.#model.policyLoss(p, options);
  }

  async gradients(): Promise<DecoderTensors<Float32Array>> {
    return await this.#model.gradients();
  }

  async step(options: DecoderStepOptions): Promise<StepReport> {
    return await this.#model.step(options);
  }

  async weights(): Promise<DecoderTensors<Float32Array>> {
    return await this.#model.weights();
  }

  async optimizerState(): Promise<OptimizerState> {
    return await this.#model.optimizerState();
  }

  async setOptimizerState(state: OptimizerState): Promise<void> {
    checkOptimizerState(this.config, state);
    this.#model.setOptimizerState(state);
  }

  async dispose(): Promise<void> {
    this.#model.dispose();
    this.#gpu.destroy();
  }
}

/** Shapes of every parameter by name. */
function parameterShapes(config: DecoderConfig): Map<string, readonly number[]> {
  return new Map(parameterSpecs(config).map((s) => [s.name, s.shape]));
}

/** Check an optimizer state against the config: integer step ≥ 0, and m and v with exactly the parameters' names and shapes. */
function checkOptimizerState(config: DecoderConfig, state: OptimizerState): void {
  if (!Number.isInteger(state.step) || state.step < 0) throw new DecoderModelError(`optimizer state: step must be an integer ≥ 0, got ${state.step}`);
  const shapes = parameterShapes(config);
  for (const which of ['m', 'v'] as const) {
    const tensors = state[which];
    for (const name of Object.keys(tensors)) if (!shapes.has(name)) throw new DecoderModelError(`optimizer state: ${which} has unknown tensor ${name}`);
    for (const [name, shape] of shapes) {
      const t = tensors[name];
      if (!t) throw new DecoderModelError(`optimizer state: ${which} is missing ${name}`);
      const size = shape.reduce((a, b) => a * b, 1);
      if (t.shape.join(',') !== shape.join(',') || t.data.length !== size) {
        throw new DecoderModelError(`optimizer state: ${which}.${name} has shape [${t.shape.join(', ')}] (${t.data.length} values); expected [${shape.join(', ')}]`);
      }
    }
  }
}

/** Copies of named tensors (shape and data). */
function copyTensors(tensors: DecoderTensors<Float32Array>): DecoderTensors<Float32Array> {
  const out: DecoderTensors<Float32Array> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = { shape: [...t.shape], data: t.data.slice() };
  return out;
}

/**
 * Select the backend (reported once, never swapped silently) and build the decoder on it. Throws
 * {@link BackendUnavailableError} for an unknown backend name or an explicit `webgpu` without an adapter.
 */
export async function createDecoderModel(options: CreateDecoderModelOptions): Promise<DecoderModel> {
  const backend = options.backend === undefined ? undefined : parseBackendChoice(options.backend as string, 'backend option');
  const selection = await selectBackend({ ...(backend === undefined ? {} : { backend }), ...(options.log === undefined ? {} : { log: options.log }) });
  if (selection.backend === 'cpu') return new CpuBackendModel(selection.reason, options);
  try {
    return new WebGpuBackendModel(selection.reason, selection.gpu, GpuDecoderModel.create(selection.gpu, options.config, options.weights));
  } catch (error) {
    selection.gpu.destroy();
    throw error;
  }
}
