/**
 * The fused log-softmax / policy-gradient loss kernel's bandwidth on the current adapter, next to a
 * plain buffer copy of the same logits on the same adapter in the same run. Entries (merged into
 * bench-results/kernels.json): `loss-fused-webgpu` (forward: logprob + entropy, one read of the
 * logits) and `loss-pg-backward-webgpu` (loss and dlogits: two reads and one write), in GB/s with
 * the copy's GB/s as baseline. Times include each call's small uniform upload and per-token readback.
 */
import { compared, writeResults } from '../../../tools/bench/harness.js';
import { describeAdapter, requestGpuDevice } from '../src/device/index.js';
import { GpuTensor } from '../src/gpu/index.js';
import { logSoftmaxGather, lossBytesMoved, pgLossLogits } from '../src/loss/index.js';
import { seededFloats, seededInts } from '../src/random.js';
import { timeAsync } from './gpu-timing.js';

const TOKENS = 64;
const VOCAB = 32768;

const gpu = await requestGpuDevice();
try {
  const logits = GpuTensor.fromArray(gpu, seededFloats(99, TOKENS * VOCAB, 4), [TOKENS, VOCAB], 'logits');
  const targets = GpuTensor.fromArray(gpu, Float32Array.from(seededInts(98, TOKENS, VOCAB)), [TOKENS], 'targets');
  const copy = GpuTensor.zeros(gpu, [TOKENS, VOCAB], 'copy');
  const inputs = { oldLogp: new Float32Array(TOKENS).fill(-10), advantages: seededFloats(97, TOKENS, 1), mask: new Float32Array(TOKENS).fill(1) };
  const options = { batch: 1, seqLen: TOKENS, vocab: VOCAB, epsLow: 0.2, epsHigh: 0.28, beta: 0, aggregation: 'token-mean' as const };
  const dlogits = (await pgLossLogits(gpu, logits, targets, inputs, options)).dlogits;

  const forwardSeconds = await timeAsync(() => logSoftmaxGather(gpu, logits, targets), 7);
  const pgSeconds = await timeAsync(() => pgLossLogits(gpu, logits, targets, inputs, { ...options, out: dlogits }), 7);
  const copySeconds = await timeAsync(async () => {
    const encoder = gpu.device.createCommandEncoder();
    encoder.copyBufferToBuffer(logits.buffer, 0, copy.buffer, 0, TOKENS * VOCAB * 4);
    gpu.device.queue.submit([encoder.finish()]);
    await gpu.device.queue.onSubmittedWorkDone();
  }, 7);
  // A copy reads and writes every byte once.
  const copyGBs = (2 * TOKENS * VOCAB * 4) / copySeconds / 1e9;
  const unit = `GB/s (higher is better); ${TOKENS}×${VOCAB} logits on ${describeAdapter(gpu.adapter)}; baseline: buffer copy on the same adapter`;
  writeResults(
    'kernels',
    [
      compared('loss-fused-webgpu', lossBytesMoved('forward', TOKENS, VOCAB) / forwardSeconds / 1e9, copyGBs, unit),
      compared('loss-pg-backward-webgpu', lossBytesMoved('pg', TOKENS, VOCAB) / pgSeconds / 1e9, copyGBs, unit),
    ],
    { merge: true },
  );
  for (const t of [logits, targets, copy, dlogits]) t.dispose();
} finally {
  gpu.destroy();
}
