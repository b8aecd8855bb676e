/**
 * Where a sampler session runs: ONNX Runtime's CPU execution provider, or its WebGPU execution provider
 * (bundled in onnxruntime-node on Linux; it drives its own Dawn). Under `webgpu`, ORT places the ops the
 * EP has no kernel for — the int64 shape arithmetic and the causal-mask construction of the decoder graph —
 * on its CPU EP and inserts the copies itself.
 *
 * `webgpu` is checked on a one-node graph before a model is loaded, so a machine where the EP cannot
 * start fails with one {@link SamplerDeviceError} carrying ORT's words, never by running on the CPU
 * instead.
 */
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel } from '@rlvr/core';
import { SamplerDeviceError } from '../errors.js';

/** The execution providers a sampler session can run on. */
export const SAMPLER_DEVICES = ['cpu', 'webgpu'] as const;

/** An execution provider of a sampler session. */
export type SamplerDevice = (typeof SAMPLER_DEVICES)[number];

/** Whether ORT's WebGPU EP can start here, or ORT's reason why not. */
export type WebGpuEpProbe = { ok: true } | { ok: false; reason: string };

// One probe per process: ORT creates its WebGPU context (adapter and device) once and keeps it.
let probe: Promise<WebGpuEpProbe> | null = null;

/** Creates and runs a one-node graph (y = x + x) on the WebGPU EP; resolves with ORT's error message when that fails. */
export function probeWebGpuEp(): Promise<WebGpuEpProbe> {
  probe ??= (async (): Promise<WebGpuEpProbe> => {
    const model = encodeOnnxModel({
      nodes: [{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
      inputs: [{ name: 'x', dims: [2] }],
      outputs: [{ name: 'y', dims: [2] }],
    });
    try {
      const session = await ort.InferenceSession.create(model, { executionProviders: ['webgpu'] });
      try {
        const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2), [2]) });
        const data = y!.data as Float32Array;
        if (data[0] !== 2 || data[1] !== 4) return { ok: false, reason: `x + x gave ${Array.from(data).join(', ')}` };
      } finally {
        await session.release();
      }
      return { ok: true };
    } catch (error) {
      // ORT prefixes its messages with the source location; the last line says what failed.
      const message = (error as Error).message.trim().split('\n').pop()!;
      return { ok: false, reason: message.replace(/^.*? was false\. /, '') };
    }
  })();
  return probe;
}

/**
 * Throws a {@link SamplerDeviceError} naming `device` (and `requestedBy`, the setting that asked for it,
 * e.g. `sampling.device`) unless its execution provider starts here.
 */
export async function assertDeviceStarts(device: SamplerDevice, requestedBy?: string): Promise<void> {
  if (!(SAMPLER_DEVICES as readonly string[]).includes(device)) {
    throw new SamplerDeviceError(String(device), `unknown device; expected one of ${SAMPLER_DEVICES.join(', ')}`);
  }
  if (device === 'cpu') return;
  const result = await probeWebGpuEp();
  if (!result.ok) {
    throw new SamplerDeviceError(
      device,
      `${requestedBy === undefined ? '' : `requested by ${requestedBy}, but `}ONNX Runtime's WebGPU execution provider cannot start: ${result.reason} (a GPU with a Vulkan driver is needed; on Debian 12 tools/scripts/install-lavapipe.sh installs the software one)`,
    );
  }
}
