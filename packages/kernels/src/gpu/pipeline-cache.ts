/**
 * Compute pipelines cached by an explicit key: kernel id + override constants (never the shader
 * text). One shader per kernel id; shapes travel in uniforms, so one pipeline serves every shape.
 */
import type { GpuDevice } from '../device/gpu-device.js';

/** What identifies a compute pipeline: the kernel, its WGSL and the values of its `override` constants. */
export interface PipelineSpec {
  /** Kernel id, e.g. `matmul`; one id always means the same WGSL source. */
  id: string;
  /** The WGSL source (from a `.wgsl` import). */
  code: string;
  /** Values of the shader's `override` constants (booleans as true/false). */
  constants: Readonly<Record<string, number | boolean>>;
  /** Entry point; default `main`. */
  entryPoint?: string;
}

/** The cache key of a spec: `id` then the override constants sorted by name, e.g. `matmul|TRANS_A=0|WG_X=8`. */
export function pipelineKey(spec: PipelineSpec): string {
  const constants = Object.keys(spec.constants)
    .sort()
    .map((name) => `${name}=${Number(spec.constants[name])}`);
  return [spec.id, spec.entryPoint ?? 'main', ...constants].join('|');
}

/** A per-device cache of compute pipelines and shader modules. */
export class PipelineCache {
  readonly #gpu: GpuDevice;
  readonly #modules = new Map<string, { code: string; module: GPUShaderModule }>();
  readonly #pipelines = new Map<string, GPUComputePipeline>();

  constructor(gpu: GpuDevice) {
    this.#gpu = gpu;
  }

  /** Number of cached pipelines (for tests and leak checks). */
  get size(): number {
    return this.#pipelines.size;
  }

  /**
   * The pipeline for `spec`, created on first use. Creation errors (WGSL compile or override
   * validation) surface through the caller's error scope, so call this inside `GpuDevice.scoped`.
   */
  get(spec: PipelineSpec): GPUComputePipeline {
    const key = pipelineKey(spec);
    const cached = this.#pipelines.get(key);
    if (cached) return cached;
    const pipeline = this.#gpu.device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: {
        module: this.#module(spec),
        entryPoint: spec.entryPoint ?? 'main',
        // WebGPU takes override values as numbers (booleans as 0/1).
        constants: Object.fromEntries(Object.entries(spec.constants).map(([k, v]) => [k, Number(v)])),
      },
    });
    this.#pipelines.set(key, pipeline);
    return pipeline;
  }

  /** Forget a pipeline, e.g. after its creation failed validation. */
  evict(spec: PipelineSpec): void {
    this.#pipelines.delete(pipelineKey(spec));
  }

  #module(spec: PipelineSpec): GPUShaderModule {
    const cached = this.#modules.get(spec.id);
    if (cached) {
      // The key omits the text by design; catch two different shaders registered under one id.
      if (cached.code !== spec.code) {
        throw new Error(`pipeline cache: kernel id ${spec.id} used with two different WGSL sources`);
      }
      return cached.module;
    }
    const module = this.#gpu.device.createShaderModule({ label: spec.id, code: spec.code });
    this.#modules.set(spec.id, { code: spec.code, module });
    return module;
  }
}

const caches = new WeakMap<GpuDevice, PipelineCache>();

/** The pipeline cache of a device (one per device, created on first use, collected with it). */
export function pipelineCacheOf(gpu: GpuDevice): PipelineCache {
  let cache = caches.get(gpu);
  if (!cache) {
    cache = new PipelineCache(gpu);
    caches.set(gpu, cache);
  }
  return cache;
}
