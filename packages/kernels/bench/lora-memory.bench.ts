/**
 * What LoRA saves: one training step of a SmolLM2-135M-shaped model (llama, hidden 576, 30 layers, 9/3
 * heads, intermediate 1536, vocab 49,152, tied; random weights) on the cpu backend's eager engine, full
 * training against LoRA r = 16 (α 32) on all seven block Linears, at 1 × 512 tokens: forward, PG loss
 * (token-mean, PPO clip, on-policy), backward, AdamW, twice; the second step is timed. Each mode runs
 * in its own child process (this file with RLVR_LORA_BENCH_CHILD=full|lora) that reports its peak RSS
 * (`process.resourceUsage().maxRSS`); the weights are generated one tensor at a time while the model
 * copies them in. Printed: the bytes of each copy the training side holds (f32 weights, gradients,
 * AdamW m and v, adapters) and what the trainer adds (the sampler's copy; a KL reference's in full
 * training only). Entries
 * (merged into bench-results/kernels.json):
 *   - `lora-r16-smollm2-135m-peak-rss`: the LoRA child's peak RSS bytes, baseline the full child's;
 *   - `lora-r16-smollm2-135m-step-seconds`: the LoRA step's wall time, baseline the full step's;
 *   - `lora-r16-smollm2-135m-step-cpu-seconds`: the same step's CPU time (all threads), steadier on a
 *     shared machine.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compared, writeResults } from '../../../tools/bench/harness.js';
import { parameterCount, parseDecoderConfig, seededFloats } from '@rlvr/core';
import { createDecoderModel } from '../src/backend-model/index.js';
import { lazyWeights, singleSequenceBatch } from './memory-bench-inputs.js';
import { loraTargets, type LoraSettings } from '../src/lora/index.js';

const SEQ = 512;
const MIB = 2 ** 20;
const config = parseDecoderConfig({
  model_type: 'llama',
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  vocab_size: 49152,
  tie_word_embeddings: true,
  rope_theta: 100000,
  rms_norm_eps: 1e-5,
  max_position_embeddings: 8192,
});
const LORA: LoraSettings = { rank: 16, alpha: 32, dropout: 0, targetModules: 'all-linear', useRslora: false };
const params = parameterCount(config);
const adapterParams = loraTargets(config, LORA).reduce((a, t) => a + LORA.rank * (t.base.in + t.base.out), 0);

/** What a child prints as its last line. */
interface ChildReport {
  peakRssBytes: number;
  rssAfterBuildBytes: number;
  stepSeconds: number;
  /** CPU time of the process (every thread) during the timed step: steadier than wall time on a shared machine. */
  stepCpuSeconds: number;
}

/** Two steps in this process (`full` or `lora`); prints a {@link ChildReport} as JSON. */
async function child(mode: string): Promise<void> {
  const model = await createDecoderModel({
    config,
    weights: lazyWeights(config, (index, n) => seededFloats(index + 1, n, 0.02 * Math.sqrt(3))),
    backend: 'cpu',
    log: null,
    cpuEngine: 'eager',
    ...(mode === 'lora' ? { lora: { settings: LORA, seed: 1 } } : {}),
  });
  (globalThis as { gc?: () => void }).gc?.();
  const rssAfterBuildBytes = process.memoryUsage.rss();
  const batch = singleSequenceBatch(config, SEQ);
  let stepSeconds = 0;
  let stepCpuSeconds = 0;
  for (let step = 0; step < 2; step++) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await model.policyLoss(batch, { epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean' });
    await model.step({ lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 });
    stepSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    stepCpuSeconds = (used.user + used.system) / 1e6;
  }
  const report: ChildReport = {
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rssAfterBuildBytes,
    stepSeconds,
    stepCpuSeconds,
  };
  await model.dispose();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Runs one child. */
function run(mode: 'full' | 'lora'): ChildReport {
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url)], {
    env: { ...process.env, RLVR_LORA_BENCH_CHILD: mode },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`${mode} child failed (status ${r.status}): ${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
}

/** Runs both children, prints the copies and records the entries. */
function parent(): void {
  const what = `SmolLM2-135M-shaped decoder (${(params / 1e6).toFixed(1)}M parameters), 1 × ${SEQ} tokens, eager engine`;
  process.stdout.write(`LoRA memory bench: two steps of a ${what}, full vs LoRA r=16 all-linear\n`);
  const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
  const copies = (trainable: number, adapters: number): string =>
    `weights ${mib(4 * params)}, adapters ${mib(4 * adapters)}, gradients ${mib(4 * trainable)}, AdamW m+v ${mib(8 * trainable)}`;
  process.stdout.write(`  full: ${copies(params, 0)}\n`);
  process.stdout.write(`  lora: ${copies(adapterParams, adapterParams)} (${adapterParams} adapter parameters)\n`);
  // The trainer adds the sampler's copy either way; a KL reference (beta > 0) is a copy only in full
  // training (under LoRA it is the policy with its adapters off).
  process.stdout.write(
    `  trainer: sampler's weights ${mib(4 * params)} either way; KL reference (beta > 0) ${mib(4 * params)} full, 0 under LoRA\n`,
  );
  const full = run('full');
  const lora = run('lora');
  for (const [mode, r] of [
    ['full', full],
    ['lora', lora],
  ] as const) {
    process.stdout.write(
      `  ${mode}: peak RSS ${mib(r.peakRssBytes)} (after construction ${mib(r.rssAfterBuildBytes)}), step ${r.stepSeconds.toFixed(2)} s wall, ${r.stepCpuSeconds.toFixed(2)} s CPU\n`,
    );
  }
  writeResults(
    'kernels',
    [
      compared(
        'lora-r16-smollm2-135m-peak-rss',
        lora.peakRssBytes,
        full.peakRssBytes,
        `bytes of peak RSS (lower is better; baseline = full training); two steps (forward, PG loss, backward, AdamW) of a ${what}, LoRA r=16 α=32 on all seven block Linears (${adapterParams} adapter parameters)`,
      ),
      compared(
        'lora-r16-smollm2-135m-step-seconds',
        lora.stepSeconds,
        full.stepSeconds,
        `seconds of the second step's wall time (lower is better; baseline = full training); ${what}`,
      ),
      compared(
        'lora-r16-smollm2-135m-step-cpu-seconds',
        lora.stepCpuSeconds,
        full.stepCpuSeconds,
        `CPU seconds of the second step, all threads (lower is better; baseline = full training); ${what}`,
      ),
    ],
    { merge: true },
  );
}

const mode = process.env.RLVR_LORA_BENCH_CHILD;
if (mode === 'full' || mode === 'lora') await child(mode);
else parent();
