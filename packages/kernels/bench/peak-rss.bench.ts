/**
 * Peak memory of one training step of a Qwen2.5-0.5B-shaped model on the cpu backend's eager engine
 * (hidden 896, 24 layers, 14/2 heads, head_dim 64, intermediate 4864, vocab 151,936, tied embeddings,
 * q/k/v biases, random weights): forward, the PG loss (token-mean, PPO clip, on-policy), backward and
 * AdamW at 1 × 1024 tokens, with activation checkpointing on every layer and the LM head in 64 MiB
 * chunks. The step runs in a child process (this file with RLVR_PEAK_RSS_CHILD=1), which reports its
 * peak RSS (`process.resourceUsage().maxRSS`) at the end, so nothing of the parent counts. Its weights
 * are generated one tensor at a time while the model copies them in, so no second copy of the
 * parameters exists. Entry (merged into bench-results/kernels.json):
 *   - `train-step-cpu-vocab152k-peak-rss`: peak RSS bytes of the child (lower is better) against
 *     16 B × parameters (weights, gradients, AdamW m and v in f32) + 2 GB (10⁹ B); ratio ≤ 1 passes.
 * The child also prints the step's wall time (construction excluded) and the RSS after construction.
 * For comparisons, RLVR_PEAK_RSS_LAYERS (default 24) and RLVR_PEAK_RSS_CHECKPOINT=0 (no checkpointing)
 * change the run; the entry is written only for the default one.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compared, writeResults } from '../../../tools/bench/harness.js';
import { parameterCount, parseDecoderConfig } from '@rlvr/core';
import { createDecoderModel } from '../src/backend-model/index.js';
import { lazyWeights, singleSequenceBatch } from './memory-bench-inputs.js';
import { QWEN25_05B_JSON } from '../src/testing/model-shapes.js';

const SEQ = 1024;
const GIB = 2 ** 30;
/** What the step may hold besides 16 B per parameter. */
const ALLOWANCE_BYTES = 2e9;
const LAYERS = Number(process.env.RLVR_PEAK_RSS_LAYERS ?? 24);
const CHECKPOINT = process.env.RLVR_PEAK_RSS_CHECKPOINT !== '0';
const config = parseDecoderConfig({ ...QWEN25_05B_JSON, num_hidden_layers: LAYERS });
const params = parameterCount(config);

/** What the child prints as its last line. */
interface ChildReport {
  peakRssBytes: number;
  rssAfterBuildBytes: number;
  stepSeconds: number;
  loss: number;
}

/** Deterministic N(0, 0.02)-ish values (xorshift, uniform with that std) for tensor `index`. */
function randomTensor(index: number, n: number): Float32Array {
  const out = new Float32Array(n);
  let x = (0x9e3779b9 ^ (index * 0x85ebca6b)) >>> 0 || 1;
  const scale = 0.02 * Math.sqrt(12) * 2 ** -32;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x - 2 ** 31) * scale;
  }
  return out;
}

/** One step in this process; prints a {@link ChildReport} as JSON. */
async function child(): Promise<void> {
  const model = await createDecoderModel({
    config,
    weights: lazyWeights(config, randomTensor),
    backend: 'cpu',
    log: null,
    cpuEngine: 'eager',
    cpuMemory: { checkpointLayers: CHECKPOINT },
  });
  (globalThis as { gc?: () => void }).gc?.();
  const rssAfterBuildBytes = process.memoryUsage.rss();
  const batch = singleSequenceBatch(config, SEQ);
  const start = process.hrtime.bigint();
  const stats = await model.policyLoss(batch, { epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean' });
  await model.step({ lr: 1e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 });
  const stepSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const report: ChildReport = {
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rssAfterBuildBytes,
    stepSeconds,
    loss: stats.loss,
  };
  await model.dispose();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Runs the child and records the entry. */
function parent(): void {
  const what = `Qwen2.5-0.5B-shaped decoder (${LAYERS} layers, ${(params / 1e6).toFixed(1)}M parameters, vocab 151,936, tied), 1 × ${SEQ} tokens, eager engine, ${CHECKPOINT ? 'every layer checkpointed' : 'no checkpointing'}`;
  process.stdout.write(`peak RSS bench: one step of a ${what} in a child process\n`);
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url)], {
    env: { ...process.env, RLVR_PEAK_RSS_CHILD: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`peak RSS child failed (status ${r.status}): ${r.stdout}`);
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
  const baseline = 16 * params + ALLOWANCE_BYTES;
  process.stdout.write(
    `  peak RSS ${(report.peakRssBytes / GIB).toFixed(2)} GiB (after construction ${(report.rssAfterBuildBytes / GIB).toFixed(2)} GiB), budget ${(baseline / GIB).toFixed(2)} GiB, step ${report.stepSeconds.toFixed(1)} s, loss ${report.loss.toFixed(4)}\n`,
  );
  if (LAYERS !== 24 || !CHECKPOINT) return;
  writeResults(
    'kernels',
    [
      compared(
        'train-step-cpu-vocab152k-peak-rss',
        report.peakRssBytes,
        baseline,
        `bytes of peak RSS (lower is better; baseline = 16 B × ${params} parameters + 2 GB, ratio ≤ 1 passes); one step (forward, PG loss, backward, AdamW) of a ${what}; step ${report.stepSeconds.toFixed(1)} s`,
      ),
    ],
    { merge: true },
  );
}

if (process.env.RLVR_PEAK_RSS_CHILD === '1') await child();
else parent();
