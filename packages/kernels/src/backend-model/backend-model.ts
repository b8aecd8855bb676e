/**
 * One decoder interface over both training backends: {@link createDecoderModel} runs
 * {@link selectBackend} (option, else env `RLVR_BACKEND`, else `auto`), reports the choice and its
 * reason once, and builds the policy layer ({@link PolicyModel}) on the cpu backend (f32 fast ops,
 * ONNX Runtime matmuls) or the webgpu one. The backend is never swapped silently: an explicit `webgpu`
 * without an adapter throws {@link BackendUnavailableError}.
 */
import type { DecoderConfig } from '@rlvr/core';
import { parseBackendChoice, selectBackend, type BackendChoice } from '../device/backend.js';
import { GpuPolicyBackend, type GpuDecoderWeights } from '../gpu-decoder/gpu-decoder.js';
import { type DecoderModel, PolicyModel } from '../policy/policy-model.js';
import { BackendUnavailableError } from '../device/errors.js';
import { type CpuEngine, type CpuMemoryOptions, CpuPolicyBackend } from './cpu-backend.js';
import { KernelOptionError } from '../errors.js';
import { type LoraInit, LoraAdapters } from '../lora/lora-adapters.js';
import type { LoraSettings } from '../lora/lora-spec.js';

export type { DecoderModel, LiveAdapters, LiveTensors, OptimizerState } from '../policy/policy-model.js';

/** Options of {@link createDecoderModel}. */
export interface CreateDecoderModelOptions {
  /** The validated decoder configuration (see `parseDecoderConfig`). */
  config: DecoderConfig;
  /** Initial parameters by Hugging Face name; validated against `config` (errors name the tensor) and copied (unless {@link adoptWeights}). */
  weights: GpuDecoderWeights;
  /** Requested backend; default env `RLVR_BACKEND`, else `auto`. Unknown names throw. */
  backend?: BackendChoice;
  /** Where the one-line backend decision goes; default stderr, `null` for quiet (the reason is still on the model). */
  log?: ((line: string) => void) | null;
  /** ONNX Runtime intra-op threads of the cpu backend; default `RLVR_CPU_THREADS`, else all cores. */
  threads?: number;
  /**
   * How the cpu backend runs forward and backward: `eager` (one ONNX Runtime product at a time, bounded
   * memory), `compiled` (a PG-loss micro-batch in one ONNX Runtime call) or `auto` (compiled when the
   * micro-batch's activations and gradient copies fit `cpuMemory.compiledBudgetBytes`, else eager); default env
   * `RLVR_CPU_ENGINE`, else `auto`.
   */
  cpuEngine?: CpuEngine;
  /**
   * Memory bounds of the cpu backend's eager engine: the LM head's chunk size, attention recompute and
   * activation checkpointing ({@link CpuMemoryOptions}; defaults there).
   */
  cpuMemory?: CpuMemoryOptions;
  /**
   * Train LoRA adapters instead of the weights (frozen: no gradients or AdamW state for them); cpu
   * backend, eager engine only (another backend or `cpuEngine: compiled` throws naming it).
   */
  lora?: LoraModelOptions;
  /**
   * The cpu backend takes `weights` that are Float32Arrays as its own storage instead of copying them
   * (one copy of the weights less at load); the caller must not read or write them afterwards.
   */
  adoptWeights?: boolean;
}

/** The LoRA adapters of {@link CreateDecoderModelOptions.lora}: their settings, and saved tensors or a seed for PEFT's init. */
export interface LoraModelOptions {
  settings: LoraSettings;
  /** Seed of A's init (unused when `adapters` are given). */
  seed: number;
  /** A's init (default PEFT's Kaiming-uniform). */
  init?: LoraInit;
  /** Saved A and B by PEFT name (e.g. a checkpoint's adapter_model.safetensors). */
  adapters?: Record<string, { shape: readonly number[]; data: ArrayLike<number> }>;
}

/** The cpu engine from the option, else env `RLVR_CPU_ENGINE`, else `auto`; anything else throws naming its source. */
export function cpuEngineChoice(option: CpuEngine | undefined): CpuEngine {
  const value: string = option ?? process.env.RLVR_CPU_ENGINE ?? 'auto';
  if (value !== 'eager' && value !== 'compiled' && value !== 'auto') {
    throw new BackendUnavailableError(
      `${option === undefined ? 'RLVR_CPU_ENGINE' : 'cpuEngine option'}: expected eager, compiled or auto, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Select the backend (reported once, never swapped silently) and build the decoder on it. Throws
 * {@link BackendUnavailableError} for an unknown backend name or an explicit `webgpu` without an adapter.
 */
export async function createDecoderModel(options: CreateDecoderModelOptions): Promise<DecoderModel> {
  const backend =
    options.backend === undefined ? undefined : parseBackendChoice(options.backend as string, 'backend option');
  const selection = await selectBackend({
    ...(backend === undefined ? {} : { backend }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const lora = options.lora;
  if (lora && selection.backend !== 'cpu') {
    selection.gpu.destroy();
    throw new KernelOptionError(
      `lora: the ${selection.backend} backend (${selection.reason}) does not train LoRA adapters; use backend cpu`,
    );
  }
  if (selection.backend === 'cpu') {
    let engine = cpuEngineChoice(options.cpuEngine);
    if (lora && engine === 'compiled') {
      throw new KernelOptionError(
        'lora: the cpu backend’s compiled engine does not train LoRA adapters; use cpuEngine eager or auto',
      );
    }
    // The compiled graphs have no adapters, so auto means eager under LoRA.
    if (lora) engine = 'eager';
    const adapters = lora
      ? lora.adapters
        ? LoraAdapters.load(options.config, lora.settings, lora.adapters, (n) => new Float32Array(n))
        : LoraAdapters.init(options.config, lora.settings, lora.seed, (n) => new Float32Array(n), lora.init)
      : undefined;
    const backendModel = new CpuPolicyBackend(
      options.config,
      options.weights,
      options.threads,
      engine,
      options.cpuMemory,
      adapters,
      options.adoptWeights ?? false,
    );
    return new PolicyModel(backendModel, {
      backend: 'cpu',
      reason: engine === 'compiled' ? `${selection.reason}; compiled training graphs` : selection.reason,
      ...(lora ? { lora: lora.settings } : {}),
    });
  }
  const gpu = selection.gpu;
  try {
    // The device was opened for this model, so disposing the model destroys it.
    return new PolicyModel(new GpuPolicyBackend(gpu, options.config, options.weights), {
      backend: 'webgpu',
      reason: selection.reason,
      onDispose: () => gpu.destroy(),
    });
  } catch (error) {
    gpu.destroy();
    throw error;
  }
}
