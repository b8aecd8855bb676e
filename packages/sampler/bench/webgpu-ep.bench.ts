/**
 * Rollout throughput on ONNX Runtime's WebGPU execution provider against its CPU EP: the same model, the
 * same weights and prompts, in the same process, the two devices alternating in rounds (each round's
 * ratio cancels the machine's load of the moment). Greedy tokens of both are compared once and printed.
 *
 * Run: `npm run bench -w @rlvr/sampler` (after group-sampling.bench.ts; merges its entries into
 * bench-results/sampler.json), or this file alone with
 * `tsx --conditions=@rlvr/source bench/webgpu-ep.bench.ts` from packages/sampler. It runs unchanged on any
 * machine where the WebGPU EP starts; where it does not, it says so and writes nothing.
 * Env: BENCH_CASES=1m,30m picks the models (default 1m: on a software adapter such as lavapipe the
 * 30M model takes minutes per round); BENCH_WEBGPU_SHAPE=PxMxN sets prompts × samples × new tokens
 * (default 8x8x32); BENCH_RUNS=n the rounds (default 3; BENCH_QUICK=1: 1).
 */
import { availableParallelism, cpus } from 'node:os';
import { initWeights, parameterCount, parseDecoderConfig, type DecoderConfig } from '@rlvr/core';
import { comparedRounds, compared, median, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { CausalLm, probeWebGpuEp, Sampler, SamplerTokenizer, type SamplerDevice } from '../src/index.js';
import { BENCH_30M_CONFIG_JSON, TINY_CORPUS } from '../src/testing/index.js';
import { BENCH_1M_CONFIG, benchTokenizer } from './bench-setup.js';

const cases: { name: string; config: DecoderConfig }[] = [
  { name: '1m', config: BENCH_1M_CONFIG },
  { name: '30m', config: parseDecoderConfig(BENCH_30M_CONFIG_JSON) },
];
const only = process.env.BENCH_CASES?.split(',').map((s) => s.trim()) ?? ['1m'];
const shape = /^(\d+)x(\d+)x(\d+)$/.exec(process.env.BENCH_WEBGPU_SHAPE ?? '8x8x32');
if (!shape) throw new Error(`BENCH_WEBGPU_SHAPE=${process.env.BENCH_WEBGPU_SHAPE}: expected PxMxN, e.g. 8x8x32`);
const [prompts, samples, newTokens] = shape.slice(1).map(Number) as [number, number, number];
const runs = process.env.BENCH_RUNS ? Number(process.env.BENCH_RUNS) : process.env.BENCH_QUICK === '1' ? 1 : 3;
const devices: SamplerDevice[] = ['cpu', 'webgpu'];

const probe = await probeWebGpuEp();
if (!probe.ok) {
  console.log(`webgpu-ep bench skipped: ONNX Runtime's WebGPU EP does not start here (${probe.reason})`);
  process.exit(0);
}
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores available to ORT's CPU EP`);
console.log(`shape: ${prompts} prompts × ${samples} samples × ${newTokens} new tokens; ${runs} rounds`);

const entries: BenchEntry[] = [];
for (const c of cases.filter((k) => only.includes(k.name))) {
  const tokenizerFiles = benchTokenizer(c.config.vocabSize);
  const tokenizer = SamplerTokenizer.fromObjects(tokenizerFiles.tokenizerJson, tokenizerFiles.tokenizerConfig);
  const weights = initWeights(c.config, 1);
  const texts = Array.from({ length: prompts }, (_, i) => `${TINY_CORPUS[i % TINY_CORPUS.length]!.slice(0, 40)} ${i}`);
  const options = { groupSize: samples, maxNewTokens: newTokens, temperature: 1, seed: 1 };
  console.log(`model ${c.name}: ${(parameterCount(c.config) / 1e6).toFixed(2)}M parameters`);

  // Each device with its default weight mode (auto: initializers on webgpu); one untimed warm-up at the
  // full shape, which on webgpu also compiles the kernels of every shape the rounds will see.
  const lms = new Map<SamplerDevice, CausalLm>();
  const warmup: Record<string, number> = {};
  for (const device of devices) {
    const t = performance.now();
    const lm = await CausalLm.fromWeights(c.config, weights, { device });
    await new Sampler(lm, tokenizer).generate(texts, options);
    warmup[device] = (performance.now() - t) / 1e3;
    lms.set(device, lm);
    console.log(`  ${device}: weights as ${lm.weightMode}; session + warm-up ${warmup[device]!.toFixed(1)} s`);
  }
  const greedy = await Promise.all(
    devices.map(async (d) =>
      (await new Sampler(lms.get(d)!, tokenizer).generate(texts.slice(0, 2), { greedy: true, maxNewTokens: 8 })).map(
        (r) => r.completionIds.join(','),
      ),
    ),
  );
  console.log(`  greedy tokens agree between the EPs: ${JSON.stringify(greedy[0]) === JSON.stringify(greedy[1])}`);

  const rates: Record<SamplerDevice, number[]> = { cpu: [], webgpu: [] };
  for (let round = 0; round < runs; round++) {
    for (const device of round % 2 === 0 ? devices : [...devices].reverse()) {
      const t = performance.now();
      const rollouts = await new Sampler(lms.get(device)!, tokenizer).generate(texts, options);
      const tokens = rollouts.reduce((n, r) => n + r.completionIds.length, 0);
      rates[device].push(tokens / ((performance.now() - t) / 1e3));
    }
  }
  for (const device of devices) {
    console.log(
      `  ${device}: ${rates[device].map((r) => r.toFixed(0)).join(', ')} → median ${median(rates[device]).toFixed(0)} tokens/s`,
    );
  }
  // A weight swap on webgpu rebuilds the session (weights are initializers there).
  const t = performance.now();
  await lms.get('webgpu')!.setWeights(weights);
  const swap = performance.now() - t;
  const cpuSwapStart = performance.now();
  await lms.get('cpu')!.setWeights(weights);
  const cpuSwap = performance.now() - cpuSwapStart;
  console.log(`  setWeights: webgpu ${swap.toFixed(0)} ms, cpu ${cpuSwap.toFixed(0)} ms`);
  for (const lm of lms.values()) await lm.release();

  entries.push(
    comparedRounds(
      `rollouts-webgpu-ep-${c.name}`,
      rates.webgpu,
      rates.cpu,
      `tokens/s on ORT's WebGPU EP (${prompts} prompts × ${samples} samples × ${newTokens} new tokens; higher is better; baseline: ORT's CPU EP, same model and run; ratio = median of per-round ratios)`,
    ),
    compared(
      `set-weights-webgpu-ep-${c.name}`,
      swap,
      cpuSwap,
      'ms per setWeights on the WebGPU EP, a session rebuild (lower is better; baseline: the CPU EP with its default weight mode)',
    ),
  );
}
writeResults('sampler', entries, { merge: true });
