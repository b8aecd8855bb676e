/**
 * Memory over a long run: 1,000 full training steps (forward, backward of a fixed dlogits, AdamW) of a
 * small decoder on each backend through createDecoderModel — Qwen2-like, hidden 64, 2 layers, 4/2
 * heads, intermediate 128, vocab 256, tied embeddings, batch 2 × seq 32 — sampling process RSS after
 * steps 100 and 1,000 (by step 100 every pool, ORT session and pipeline cache has been created).
 * Entries (merged into bench-results/kernels.json), lower is better, ≈ 0 when nothing leaks:
 *   - `memory-growth-cpu-mb`, `memory-growth-webgpu-mb`: RSS at step 1,000 minus RSS at step 100, MB.
 *   - `memory-growth-webgpu-buffers-kb`: bytes of live (created, not yet destroyed) GPU buffers at step
 *     1,000 minus at step 100, KiB. Counted by wrapping GPUDevice.createBuffer and GPUBuffer.destroy on
 *     Dawn's prototypes (every buffer: GpuTensors, uniforms, staging read-backs, kernel scratch), since
 *     GpuTensor keeps no registry; a buffer dropped without destroy() counts as live (GC may free it
 *     later, but WebGPU code here is meant to destroy explicitly).
 * One process, cpu first; no baseline (the expected value is 0). RSS moves by a few MB on its own
 * (allocator and V8 heap sizing), so read small values as noise.
 */
import { standalone, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { createDecoderModel } from '../src/backend-model/index.js';
import type { BackendName } from '../src/device/backend.js';
import { requestGpuDevice } from '../src/device/gpu-device.js';
import { initWeights, parameterCount, parseDecoderConfig } from '@rlvr/core';
import { seededFloats, seededInts } from '@rlvr/core';

const STEPS = 1000;
const FIRST_SAMPLE = 100;
const BATCH = 2;
const SEQ = 32;
const config = parseDecoderConfig({
  model_type: 'qwen2',
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 128,
  vocab_size: 256,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: true,
});
const weights = initWeights(config, 1);
const adamw = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
const MB = 1024 * 1024;

/** Live GPU buffers (created minus destroyed), counted through Dawn's prototypes. */
const live = { count: 0, bytes: 0 };

/** Wrap createBuffer/destroy on the prototypes of Dawn's GPUDevice and GPUBuffer (a probe device finds them). */
async function trackGpuBuffers(): Promise<void> {
  const probe = await requestGpuDevice();
  try {
    const deviceProto = Object.getPrototypeOf(probe.device) as GPUDevice;
    const bufferProto = Object.getPrototypeOf(probe.device.createBuffer({ size: 16, usage: 0x80 })) as GPUBuffer;
    const destroyed = new WeakSet<GPUBuffer>();
    const create = deviceProto.createBuffer;
    const destroy = bufferProto.destroy;
    deviceProto.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
      const buffer = create.call(this, descriptor);
      live.count++;
      live.bytes += buffer.size;
      return buffer;
    };
    bufferProto.destroy = function (this: GPUBuffer): undefined {
      if (!destroyed.has(this)) {
        destroyed.add(this);
        live.count--;
        live.bytes -= this.size;
      }
      return destroy.call(this);
    };
  } finally {
    probe.destroy();
  }
}

/** RSS (MB) and live GPU buffers after steps FIRST_SAMPLE and STEPS of `backend`. */
async function run(backend: BackendName): Promise<{ rss: [number, number]; buffers: [typeof live, typeof live] }> {
  const model = await createDecoderModel({ config, weights, backend });
  const tokens = seededInts(3, BATCH * SEQ, config.vocabSize);
  const mask = new Int32Array(BATCH * SEQ).fill(1);
  const dlogits = seededFloats(4, BATCH * SEQ * config.vocabSize, 1e-3);
  const rss: number[] = [];
  const buffers: (typeof live)[] = [];
  const start = process.hrtime.bigint();
  try {
    for (let step = 1; step <= STEPS; step++) {
      await model.forward(tokens, mask, BATCH, SEQ);
      await model.backward(dlogits);
      await model.step(adamw);
      if (step === FIRST_SAMPLE || step === STEPS) {
        rss.push(process.memoryUsage.rss() / MB);
        buffers.push({ ...live });
      }
      if (step % 100 === 0) {
        const s = Number(process.hrtime.bigint() - start) / 1e9;
        process.stdout.write(
          `  ${backend} step ${step}: ${s.toFixed(1)} s, RSS ${(process.memoryUsage.rss() / MB).toFixed(1)} MB, live GPU buffers ${live.count} (${(live.bytes / 1024).toFixed(0)} KiB)\n`,
        );
      }
    }
  } finally {
    await model.dispose();
  }
  return { rss: [rss[0]!, rss[1]!], buffers: [buffers[0]!, buffers[1]!] };
}

const what = `${parameterCount(config)}-parameter Qwen2-like decoder (hidden 64, 2 layers, 4/2 heads, intermediate 128, vocab 256, tied), batch ${BATCH} × seq ${SEQ}, ${STEPS} steps of forward + backward + AdamW`;
process.stdout.write(`memory bench: ${what}\n`);
const entries: BenchEntry[] = [];
const cpu = await run('cpu');
entries.push(
  standalone(
    'memory-growth-cpu-mb',
    cpu.rss[1] - cpu.rss[0],
    `MB (lower is better; 0 = no growth); process RSS after step ${STEPS} minus after step ${FIRST_SAMPLE} (${cpu.rss[0].toFixed(1)} → ${cpu.rss[1].toFixed(1)} MB); cpu backend; ${what}`,
  ),
);
// After the cpu run: a Dawn device created before ORT's thread pool starts aborted the process here (futex error).
await trackGpuBuffers();
const gpu = await run('webgpu');
const [b0, b1] = gpu.buffers;
entries.push(
  standalone(
    'memory-growth-webgpu-mb',
    gpu.rss[1] - gpu.rss[0],
    `MB (lower is better; 0 = no growth); process RSS after step ${STEPS} minus after step ${FIRST_SAMPLE} (${gpu.rss[0].toFixed(1)} → ${gpu.rss[1].toFixed(1)} MB; on a software adapter GPU memory is process memory); webgpu backend; ${what}`,
  ),
);
entries.push(
  standalone(
    'memory-growth-webgpu-buffers-kb',
    (b1.bytes - b0.bytes) / 1024,
    `KiB (lower is better; 0 = no growth); bytes of live GPU buffers (created, not destroyed) after step ${STEPS} minus after step ${FIRST_SAMPLE} (${b0.count} buffers / ${(b0.bytes / 1024).toFixed(0)} KiB → ${b1.count} / ${(b1.bytes / 1024).toFixed(0)} KiB); webgpu backend; ${what}`,
  ),
);
writeResults('kernels', entries, { merge: true });
