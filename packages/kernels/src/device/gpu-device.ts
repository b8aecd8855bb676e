/// <reference types="@webgpu/types" />
/**
 * The one place that acquires a WebGPU adapter and device through Dawn (npm `webgpu`), keeps Dawn's
 * instance alive for the device's lifetime, runs work inside error scopes, and tears down.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KernelOptionError } from '../errors.js';
import { BackendUnavailableError, GpuDisposedError, GpuKernelError, type GpuErrorKind } from './errors.js';

/** What the adapter says about itself (Dawn 0.6.2 exposes `isFallbackAdapter` on `adapter.info`). */
export interface AdapterSummary {
  /** e.g. `mesa`, `nvidia`. */
  vendor: string;
  /** e.g. `software`, `ampere`. */
  architecture: string;
  /** e.g. `llvmpipe-llvm-15-0-6-256-bits-`. */
  device: string;
  /** Human-readable driver description. */
  description: string;
  /** True for a software adapter such as lavapipe/llvmpipe. */
  isFallbackAdapter: boolean;
}

/** Options of {@link requestGpuDevice}. */
export interface GpuDeviceOptions {
  /**
   * Dawn instance flags passed to `create()`, e.g. `['backend=opengles']`; default: env
   * `RLVR_DAWN_FLAGS` split at commas (so a run can pick Dawn's backend, or simulate no adapter).
   */
  dawnFlags?: string[];
  /** Ask for the lower-power adapter instead of the high-performance one. */
  powerPreference?: GPUPowerPreference;
}

// The defaults a device gets without `requiredLimits` are WebGPU's portable minimums (256 MiB
// buffers, 256 invocations, 8 storage buffers per stage); the adapter usually allows far more, but
// only if each limit is requested by name. These are the ones kernels depend on.
const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxBindingsPerBindGroup',
] as const;

// Optional features worth having when the adapter offers them: f16 kernels and GPU-side timing.
const OPTIONAL_FEATURES: GPUFeatureName[] = ['shader-f16', 'timestamp-query'];

/** The `webgpu` module's shape, imported lazily so that CPU-only code never loads the native addon. */
interface DawnModule {
  create(flags: string[]): GPU;
}

// Every Dawn instance this process creates, never released. Dawn resolves device promises (`lost`,
// `onSubmittedWorkDone`, mapAsync) from the instance's event processing, which it may still run after
// `device.destroy()`; an instance collected by then takes the process down natively (deps.md §1:
// SIGABRT "std::system_error: Invalid argument" or SIGSEGV, seen on CI in a suite's last teardown).
// An instance is small next to its devices, and holding one does not keep node from exiting.
const liveInstances = new Set<GPU>();

/** Import Dawn's bindings on first use; importing this file alone does not load `dawn.node`. */
async function loadDawn(): Promise<DawnModule> {
  // Mesa prints "XDG_RUNTIME_DIR is invalid or not set" on every adapter request without it.
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `rlvr-xdg-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  return (await import('webgpu')) as DawnModule;
}

/** Dawn flags from env `RLVR_DAWN_FLAGS` (comma-separated), e.g. `backend=vulkan`. */
function dawnFlagsFromEnv(): string[] {
  return (process.env.RLVR_DAWN_FLAGS ?? '')
    .split(',')
    .map((flag) => flag.trim())
    .filter((flag) => flag.length > 0);
}

/** Summarise `adapter.info` (its fields are getters on a native object, so copy them out). */
export function summariseAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacy),
  };
}

/** One-line description of an adapter for logs, e.g. `mesa/software llvmpipe: Mesa 25.0.7 (fallback)`. */
export function describeAdapter(adapter: AdapterSummary): string {
  const name = adapter.description || adapter.device || 'unknown device';
  return `${adapter.vendor || 'unknown vendor'}/${adapter.architecture || 'unknown arch'} ${name}${adapter.isFallbackAdapter ? ' (software fallback)' : ''}`;
}

/** An adapter found by {@link probeAdapter}, or why there is none. */
export type AdapterProbe =
  { found: true; gpu: GPU; adapter: GPUAdapter; summary: AdapterSummary } | { found: false; reason: string };

/** Ask Dawn for an adapter without creating a device. The returned `gpu` must stay referenced while the adapter is used. */
export async function probeAdapter(options: GpuDeviceOptions = {}): Promise<AdapterProbe> {
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (error) {
    return { found: false, reason: `cannot load the webgpu addon: ${(error as Error).message}` };
  }
  let gpu: GPU;
  let adapter: GPUAdapter | null;
  try {
    gpu = dawn.create(options.dawnFlags ?? dawnFlagsFromEnv());
    liveInstances.add(gpu);
    adapter = await gpu.requestAdapter(
      options.powerPreference ? { powerPreference: options.powerPreference } : undefined,
    );
  } catch (error) {
    // e.g. an unknown `backend=` flag: still "no adapter", with Dawn's words as the reason.
    return { found: false, reason: `requestAdapter() failed: ${(error as Error).message.split('\n')[0]}` };
  }
  if (!adapter) {
    return {
      found: false,
      reason:
        'requestAdapter() returned null (no Vulkan/Metal/D3D12 driver; on Debian 12 run tools/scripts/install-lavapipe.sh)',
    };
  }
  return { found: true, gpu, adapter, summary: summariseAdapter(adapter) };
}

/**
 * A WebGPU device with the adapter's limits, plus the Dawn instance that must outlive it.
 * Create with {@link requestGpuDevice}; call {@link GpuDevice.destroy} when done so node and jest exit.
 */
export class GpuDevice {
  /** The WebGPU device; invalid after {@link GpuDevice.destroy}. */
  readonly device: GPUDevice;
  /** The adapter this device runs on. */
  readonly adapter: AdapterSummary;
  /** The limits the device was created with (the adapter's, requested explicitly). */
  readonly limits: GPUSupportedLimits;
  /** Optional features that were enabled, e.g. `shader-f16`. */
  readonly features: ReadonlySet<string>;
  // Dawn's instance, exposed until destroy(); `liveInstances` keeps it from being collected after that.
  #instance: GPU | null;
  #destroyed = false;
  /** Test override of {@link GpuDevice.maxBindingBytes}; null = the adapter's limit. */
  #bindingLimit: number | null = null;

  /** Use {@link requestGpuDevice}; this constructor only wires up already-created objects. */
  constructor(instance: GPU, device: GPUDevice, adapter: AdapterSummary) {
    this.#instance = instance;
    this.device = device;
    this.adapter = adapter;
    this.limits = device.limits;
    this.features = new Set([...device.features].map(String));
    // Errors outside any scope would otherwise vanish into Dawn's console output; report them.
    device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
      process.stderr.write(`@rlvr/kernels: uncaptured WebGPU error: ${event.error.message}\n`);
    };
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed' && !this.#destroyed) {
        process.stderr.write(`@rlvr/kernels: WebGPU device lost: ${info.message}\n`);
      }
    });
  }

  /** True once {@link GpuDevice.destroy} has run. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * The largest storage binding kernels may use, in bytes (128 MiB on lavapipe), rounded down to
   * `minStorageBufferOffsetAlignment`; tensors larger than this are bound as windows (src/gpu/README.md).
   * Lowered by {@link GpuDevice.limitBindingBytes}.
   */
  get maxBindingBytes(): number {
    const align = this.limits.minStorageBufferOffsetAlignment;
    const real =
      Math.floor(Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize) / align) * align;
    return this.#bindingLimit === null ? real : Math.min(real, this.#bindingLimit);
  }

  /**
   * Lower the binding size used for splitting tensors into windows (null restores the adapter's), so
   * tests exercise the split paths on small tensors; kernels then never bind more than `bytes` of a
   * tensor they split. `bytes` must be a positive multiple of `minStorageBufferOffsetAlignment`.
   */
  limitBindingBytes(bytes: number | null): void {
    const align = this.limits.minStorageBufferOffsetAlignment;
    if (bytes !== null && !(Number.isInteger(bytes) && bytes >= align && bytes % align === 0)) {
      throw new KernelOptionError(
        `limitBindingBytes: expected a positive multiple of ${align} bytes (minStorageBufferOffsetAlignment), got ${bytes}`,
      );
    }
    this.#bindingLimit = bytes;
  }

  /**
   * Run `work` (which records and submits GPU commands) inside validation, out-of-memory and internal
   * error scopes; the first error caught becomes a {@link GpuKernelError} naming `kernel`.
   */
  async scoped<T>(kernel: string, work: () => T | Promise<T>): Promise<T> {
    this.assertAlive(kernel);
    const kinds: GpuErrorKind[] = ['validation', 'out-of-memory', 'internal'];
    for (const kind of kinds) this.device.pushErrorScope(kind);
    let result: T | undefined;
    let failure: { error: unknown } | null = null;
    try {
      result = await work();
    } catch (error) {
      failure = { error };
    }
    // Scopes pop in reverse order of pushing; pop all of them even when `work` threw, so that the
    // device's scope stack stays balanced. A GPU error is the root cause of a later JS failure, so
    // it wins, validation first.
    const popOrder = [...kinds].reverse();
    const errors = await Promise.all(popOrder.map(() => this.device.popErrorScope()));
    for (const kind of kinds) {
      const error = errors[popOrder.indexOf(kind)];
      if (error) throw new GpuKernelError(kernel, kind, error.message);
    }
    if (failure) throw failure.error;
    return result as T;
  }

  /**
   * Resolve once every command submitted so far has finished on the GPU. Pass the expected duration
   * of long work to sleep through most of it first: while a GPU promise is pending, dawn.node polls
   * in a `setImmediate` loop that keeps one CPU core at 100%, and on a software adapter that core is
   * one the GPU work itself needs (measured on 2 cores: up to +35% matmul throughput).
   */
  async idle(expectedMs = 0): Promise<void> {
    if (expectedMs > 2) await sleep(expectedMs * 0.9);
    await this.device.queue.onSubmittedWorkDone();
  }

  /** Throw a clear error instead of Dawn's when a destroyed device is used. */
  assertAlive(what: string): void {
    if (this.#destroyed) throw new GpuDisposedError(`${what}: the GPU device has been destroyed`);
  }

  /** Destroy the device (unmapping its buffers), so the process can exit. Idempotent. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.device.destroy();
    this.#instance = null;
  }

  /** The Dawn instance, for code that needs `GPU` itself (e.g. a second device); null after destroy. */
  get instance(): GPU | null {
    return this.#instance;
  }
}

/** Acquire an adapter and a device with the adapter's limits; null (with the reason) when there is no adapter. */
export async function tryRequestGpuDevice(
  options: GpuDeviceOptions = {},
): Promise<{ gpu: GpuDevice; reason?: undefined } | { gpu: null; reason: string }> {
  const probe = await probeAdapter(options);
  if (!probe.found) return { gpu: null, reason: probe.reason };
  return { gpu: await openDevice(probe.gpu, probe.adapter, probe.summary) };
}

/** Acquire an adapter and a device with the adapter's limits; throws when there is no adapter. */
export async function requestGpuDevice(options: GpuDeviceOptions = {}): Promise<GpuDevice> {
  const result = await tryRequestGpuDevice(options);
  if (!result.gpu) throw new BackendUnavailableError(`no WebGPU adapter: ${result.reason}`);
  return result.gpu;
}

/** Create the device on a probed adapter, requesting its limits and optional features by name. */
export async function openDevice(instance: GPU, adapter: GPUAdapter, summary: AdapterSummary): Promise<GpuDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  return new GpuDevice(instance, device, summary);
}
