/**
 * Backend selection: `auto | webgpu | cpu`, from an option or env `RLVR_BACKEND`. The choice and its
 * reason are always returned (and printed unless told otherwise), never swapped silently.
 */
import { BackendUnavailableError } from './errors.js';
import {
  describeAdapter,
  openDevice,
  probeAdapter,
  type AdapterSummary,
  type GpuDevice,
  type GpuDeviceOptions,
} from './gpu-device.js';

/** A training backend: WGSL kernels on Dawn, or the CPU (ONNX Runtime matmuls + typed-array loops). */
export type BackendName = 'webgpu' | 'cpu';

/** What a caller may ask for; `auto` picks `webgpu` on a hardware adapter and `cpu` otherwise. */
export type BackendChoice = 'auto' | BackendName;

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions extends GpuDeviceOptions {
  /** The requested backend; defaults to env `RLVR_BACKEND`, then `auto`. */
  backend?: BackendChoice;
  /** Where the one-line decision goes; default stderr. Pass `null` to stay quiet (the reason is still returned). */
  log?: ((line: string) => void) | null;
}

/** The outcome of {@link selectBackend}: the backend, why, and (for webgpu) the device to use. */
export type BackendSelection =
  | { backend: 'webgpu'; reason: string; gpu: GpuDevice; adapter: AdapterSummary }
  | { backend: 'cpu'; reason: string; gpu: null; adapter: AdapterSummary | null };

const CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'cpu'];

/** Parse a backend choice (e.g. from env); throws naming the variable and the accepted values. */
export function parseBackendChoice(value: string | undefined, source = 'RLVR_BACKEND'): BackendChoice {
  if (value === undefined || value === '') return 'auto';
  const normalised = value.trim().toLowerCase();
  if ((CHOICES as readonly string[]).includes(normalised)) return normalised as BackendChoice;
  throw new BackendUnavailableError(`${source}=${JSON.stringify(value)}: expected one of ${CHOICES.join(', ')}`);
}

/**
 * Pick the backend. `cpu` never loads the webgpu addon. `webgpu` uses whatever adapter exists
 * (software included: that is how CI runs GPU kernels on lavapipe) and throws when there is none.
 * `auto` uses webgpu only on a hardware adapter: on a software fallback the cpu backend's ONNX Runtime
 * matmuls are 10–30× faster than WGSL on llvmpipe (DESIGN.md, measured).
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const choice = options.backend ?? parseBackendChoice(process.env.RLVR_BACKEND);
  const source = options.backend ? 'option' : process.env.RLVR_BACKEND ? 'RLVR_BACKEND' : 'default';
  const log = options.log === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.log;
  const report = <S extends BackendSelection>(selection: S): S => {
    log?.(`@rlvr/kernels: backend ${selection.backend} (${choice} from ${source}): ${selection.reason}`);
    return selection;
  };

  if (choice === 'cpu') return report({ backend: 'cpu', reason: 'requested explicitly', gpu: null, adapter: null });

  const probe = await probeAdapter(options);
  if (!probe.found) {
    if (choice === 'webgpu') {
      throw new BackendUnavailableError(`backend webgpu requested (${source}) but ${probe.reason}`);
    }
    return report({ backend: 'cpu', reason: `no WebGPU adapter: ${probe.reason}`, gpu: null, adapter: null });
  }
  const adapter = probe.summary;
  if (choice === 'auto' && adapter.isFallbackAdapter) {
    return report({
      backend: 'cpu',
      reason: `the only adapter is a software fallback (${describeAdapter(adapter)}); the cpu backend is faster there`,
      gpu: null,
      adapter,
    });
  }
  const gpu = await openDevice(probe.gpu, probe.adapter, adapter);
  const reason =
    choice === 'webgpu'
      ? `requested explicitly; adapter ${describeAdapter(adapter)}`
      : `hardware adapter ${describeAdapter(adapter)}`;
  return report({ backend: 'webgpu', reason, gpu, adapter });
}
