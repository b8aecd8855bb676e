/**
 * The fused log-softmax / policy-gradient loss kernel's bandwidth on the current adapter, next to a
 * plain buffer copy of the same logits on the same adapter in the same run. Entries (merged into
 * bench-results/kernels.json): `loss-fused-webgpu` (forward: logprob + entropy, one read of the
 * logits) and `loss-pg-backward-webgpu` (loss and dlogits: two reads and one write), in GB/s with
 * the copy's GB/s as baseline. Times include each call's small uniform upload and per-token readback.
 */
import { compared, writeResults } from '../../../tools/bench/harness.js';
import { describeAdapter, requestGpuDevice } from '../src/device/index.js';
import { measureLossBandwidth } from './loss-timing.js';

const TOKENS = 64;
const VOCAB = 32768;

const gpu = await requestGpuDevice();
try {
  const { forwardGBs, pgGBs, copyGBs } = await measureLossBandwidth(gpu, TOKENS, VOCAB);
  const unit = `GB/s (higher is better); ${TOKENS}×${VOCAB} logits on ${describeAdapter(gpu.adapter)}; baseline: buffer copy on the same adapter`;
  writeResults(
    'kernels',
    [
      compared('loss-fused-webgpu', forwardGBs, copyGBs, unit),
      compared('loss-pg-backward-webgpu', pgGBs, copyGBs, unit),
    ],
    { merge: true },
  );
} finally {
  gpu.destroy();
}
