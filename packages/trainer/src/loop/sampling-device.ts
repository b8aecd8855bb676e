/**
 * The device of the sampler's ONNX Runtime sessions (`sampling.device`, `--device` of `rlvr generate` and
 * `rlvr eval`): `cpu`; `webgpu`, ORT's WebGPU execution provider on whatever adapter there is (software
 * included; an EP that cannot start is an error, never a switch to the CPU); or `auto`, webgpu only on a
 * hardware adapter, since on a software one (lavapipe) the CPU EP is ≈ 25× faster (deps.md §2). The
 * adapter is asked through @rlvr/kernels' Dawn, which sees the same drivers as ORT's own. The choice and
 * its reason are printed once, like the training backend's.
 */
import { describeAdapter, probeAdapter } from '@rlvr/kernels';
import { assertDeviceStarts, probeWebGpuEp, type SamplerDevice } from '@rlvr/sampler';
import type { SAMPLING_DEVICE_CHOICES } from '../config/index.js';

/** What `sampling.device` may ask for. */
export type SamplingDeviceChoice = (typeof SAMPLING_DEVICE_CHOICES)[number];

/** The device the sampler will use, and why. */
export interface SamplingDeviceSelection {
  device: SamplerDevice;
  /** The GPU adapter's name when sampling on webgpu, else null. */
  adapter: string | null;
  reason: string;
}

/** Options of {@link selectSamplingDevice}. */
export interface SelectSamplingDeviceOptions {
  /** The setting that asked, named in the printed line and in errors; default `sampling.device`. */
  source?: string;
  /** Where the one-line decision goes; null stays quiet (the reason is still returned). */
  log: ((line: string) => void) | null;
}

/** The line printed for a selection, e.g. `sampling on webgpu (NVIDIA H100 …): hardware adapter, …`. */
export function samplingDeviceLine(selection: SamplingDeviceSelection): string {
  const adapter = selection.adapter === null ? '' : ` (${selection.adapter})`;
  return `sampling on ${selection.device}${adapter}: ${selection.reason}`;
}

/** The adapter's name for the printed line, e.g. `NVIDIA H100 80GB HBM3` or `llvmpipe: Mesa 25.0.7 …`. */
function adapterName(summary: { description: string; device: string; vendor: string }): string {
  return summary.description || summary.device || summary.vendor || 'unnamed adapter';
}

/** Resolves `choice` (see the module comment), prints the decision through `log`, and returns it. */
export async function selectSamplingDevice(
  choice: SamplingDeviceChoice,
  options: SelectSamplingDeviceOptions,
): Promise<SamplingDeviceSelection> {
  const source = options.source ?? 'sampling.device';
  const decide = async (): Promise<SamplingDeviceSelection> => {
    if (choice === 'cpu') return { device: 'cpu', adapter: null, reason: `${source} cpu` };
    if (choice === 'webgpu') {
      await assertDeviceStarts('webgpu', `${source} webgpu`);
      const probe = await probeAdapter();
      const name = probe.found ? adapterName(probe.summary) : 'adapter not named by Dawn';
      return { device: 'webgpu', adapter: name, reason: `${source} webgpu` };
    }
    const probe = await probeAdapter();
    if (!probe.found) return { device: 'cpu', adapter: null, reason: `no hardware GPU adapter (${probe.reason})` };
    if (probe.summary.isFallbackAdapter) {
      return {
        device: 'cpu',
        adapter: null,
        reason: `no hardware GPU adapter (only ${describeAdapter(probe.summary)}, where the CPU EP is faster)`,
      };
    }
    const ep = await probeWebGpuEp();
    if (!ep.ok) {
      return {
        device: 'cpu',
        adapter: null,
        reason: `ONNX Runtime's WebGPU EP cannot start on ${adapterName(probe.summary)}: ${ep.reason}`,
      };
    }
    return { device: 'webgpu', adapter: adapterName(probe.summary), reason: `hardware adapter, ${source} auto` };
  };
  const selection = await decide();
  options.log?.(samplingDeviceLine(selection));
  return selection;
}
