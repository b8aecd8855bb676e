/**
 * Bandwidth of the fused loss kernel, shared by the benchmark and the device check: the forward
 * (logprob + entropy, one read of the logits) and the PG loss with dlogits (two reads, one write),
 * next to a plain buffer copy of the same logits on the same adapter (reads and writes each byte
 * once). Times include each call's small uniform upload and per-token readback; median of 7 rounds,
 * each round timing the forward, the PG loss and the copy once in turn (on a shared machine a burst
 * of load then hits all three alike instead of one).
 */
import type { GpuDevice } from '../src/device/index.js';
import { GpuTensor } from '../src/gpu/index.js';
import { logSoftmaxGather, lossBytesMoved, pgLossLogits, type LogSoftmaxGpuOptions } from '../src/loss/loss.gpu.js';
import { seededFloats, seededInts } from '@rlvr/core';
import { timeInterleaved } from './gpu-timing.js';

/** GB/s of the loss kernel's two modes and of a buffer copy, over `tokens` × `vocab` logits (`layout`: the kernel's layout options, default the adapter's). */
export async function measureLossBandwidth(
  gpu: GpuDevice,
  tokens: number,
  vocab: number,
  layout: Pick<LogSoftmaxGpuOptions, 'workgroup' | 'chunk'> = {},
): Promise<{ forwardGBs: number; pgGBs: number; copyGBs: number }> {
  const logits = GpuTensor.fromArray(gpu, seededFloats(99, tokens * vocab, 4), [tokens, vocab], 'logits');
  const targets = GpuTensor.fromArray(gpu, Float32Array.from(seededInts(98, tokens, vocab)), [tokens], 'targets');
  const copy = GpuTensor.zeros(gpu, [tokens, vocab], 'copy');
  const inputs = {
    oldLogp: new Float32Array(tokens).fill(-10),
    advantages: seededFloats(97, tokens, 1),
    mask: new Float32Array(tokens).fill(1),
  };
  const options = {
    batch: 1,
    seqLen: tokens,
    vocab,
    epsLow: 0.2,
    epsHigh: 0.28,
    beta: 0,
    aggregation: 'token-mean' as const,
    ...layout,
  };
  const dlogits = (await pgLossLogits(gpu, logits, targets, inputs, options)).dlogits;
  try {
    const copyOnce = async (): Promise<void> => {
      const encoder = gpu.device.createCommandEncoder();
      encoder.copyBufferToBuffer(logits.buffer, 0, copy.buffer, 0, tokens * vocab * 4);
      gpu.device.queue.submit([encoder.finish()]);
      await gpu.device.queue.onSubmittedWorkDone();
    };
    const [forwardSeconds, pgSeconds, copySeconds] = (await timeInterleaved(
      [
        () => logSoftmaxGather(gpu, logits, targets, layout),
        () => pgLossLogits(gpu, logits, targets, inputs, { ...options, out: dlogits }),
        copyOnce,
      ],
      7,
    )) as [number, number, number];
    return {
      forwardGBs: lossBytesMoved('forward', tokens, vocab) / forwardSeconds / 1e9,
      pgGBs: lossBytesMoved('pg', tokens, vocab) / pgSeconds / 1e9,
      copyGBs: (2 * tokens * vocab * 4) / copySeconds / 1e9,
    };
  } finally {
    for (const t of [logits, targets, copy, dlogits]) t.dispose();
  }
}
