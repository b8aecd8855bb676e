/**
 * One decoder interface over both training backends: {@link createDecoderModel} runs
 * {@link selectBackend} (option, else env `RLVR_BACKEND`, else `auto`), reports the choice and its
 * reason once, and wraps {@link CpuDecoderModel} (f32, fast ops, ONNX Runtime matmuls) or
 * {@link GpuDecoderModel} in a thin adapter. The backend is never swapped silently: an explicit
 * `webgpu` without an adapter throws {@link BackendUnavailableError}.
 */
import { OrtMatmul } from '../cpu/ort-matmul.js';
import { CpuDecoderModel, DecoderModelError, type AdamWState, type DecoderStepOptions, type DecoderTensors } from '../decoder/model.js';
import { ortMatmulEngine } from '../decoder/matmul-engine.js';
import { parseBackendChoice, selectBackend, type BackendChoice, type BackendName } from '../device/backend.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { GpuDecoderModel, type GpuDecoderWeights } from '../gpu-decoder/gpu-decoder.js';
import type { DecoderConfig } from '../model/config.js';
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
  /** One AdamW step from the last backward's gradients (moments zero before the first step). */
  step(options: DecoderStepOptions): Promise<void>;
  /** Every parameter as named Float32 tensors (copies; tied models have no `lm_head.weight`). */
  weights(): Promise<DecoderTensors<Float32Array>>;
  /** Release the backend's resources (ORT sessions, or GPU buffers and the device); idempotent; later calls throw. */
  dispose(): Promise<void>;
}

/** Adapter of the cpu backend: CpuDecoderModel (f32, fast ops) on an OrtMatmul engine it owns, plus its AdamW state. */
class CpuBackendModel implements DecoderModel {
  readonly backend = 'cpu' as const;
  readonly reason: string;
  readonly config: DecoderConfig;
  readonly #ort: OrtMatmul;
  readonly #model: CpuDecoderModel<Float32Array>;
  #state: AdamWState<Float32Array> | undefined;
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
    // The cpu model's gradients are its reusable buffers: copy, as the GPU adapter's read-backs are.
    return copyTensors(await this.#model.backward(dlogits));
  }

  async step(options: DecoderStepOptions): Promise<void> {
    this.#assertUsable('step');
    this.#state ??= this.#model.createAdamWState();
    this.#model.step(this.#state, options);
  }

  async weights(): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('weights');
    return copyTensors(this.#model.weights());
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#ort.dispose();
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

  async step(options: DecoderStepOptions): Promise<void> {
    await this.#model.step(options);
  }

  async weights(): Promise<DecoderTensors<Float32Array>> {
    return await this.#model.weights();
  }

  async dispose(): Promise<void> {
    this.#model.dispose();
    this.#gpu.destroy();
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
