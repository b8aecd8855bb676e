/**
 * Do a sampling phase and a training phase in one process fight over the cores? An RL loop in
 * miniature on the benchmark's 30M model: the sampler's `generate` (8 prompts × 8 samples × 32 tokens),
 * then the kernels cpu backend's `policyLoss` + `step` on those rollouts, repeated. Two samplers over the
 * same weights, one with ORT's intra-op spinning on and one with it off (the trainer's sessions never
 * spin), alternate iteration by iteration, so load drifting on a shared machine hits both alike; each
 * phase's wall time and the process's CPU time are reported as medians per setting.
 *
 * Run from packages/trainer: `npx tsx --conditions=@rlvr/source --import ../kernels/bench/register-wgsl.mjs bench/sample-train-loop.ts`
 * (LOOP_ITERATIONS, default 4 per setting).
 */
import { initWeights, parseDecoderConfig, SeededRandom } from '@rlvr/core';
import { createDecoderModel, type PolicyBatch } from '@rlvr/kernels';
import { buildBpeTokenizer, CausalLm, Sampler, SamplerTokenizer, samplerThreads, type Rollout } from '@rlvr/sampler';
import { BENCH_30M_CONFIG_JSON, TINY_CORPUS } from '@rlvr/sampler/testing';

const config = parseDecoderConfig(BENCH_30M_CONFIG_JSON);
const PROMPTS = 8;
const SAMPLES = 8;
const NEW_TOKENS = 32;
const ITERATIONS = Number(process.env.LOOP_ITERATIONS ?? 4);
/** Rollouts per training micro-batch (the first ones): keeps the training phase near the sampling phase's length. */
const TRAIN_ROWS = 16;

const weights = initWeights(config, 1);
const files = buildBpeTokenizer({ corpus: [...TINY_CORPUS], vocabSize: 512 });
// No EOS: every sample has NEW_TOKENS tokens, so both settings do the same work.
const tokenizer = SamplerTokenizer.fromObjects(files.tokenizerJson, { ...files.tokenizerConfig, eos_token: null });
const prompts = Array.from(
  { length: PROMPTS },
  (_, i) => `${TINY_CORPUS[i % TINY_CORPUS.length]!.slice(0, 30 + 5 * i)}`,
);
const settings = ['spinning off', 'spinning on'] as const;
const samplers = new Map<string, Sampler>();
for (const s of settings) {
  samplers.set(
    s,
    new Sampler(await CausalLm.fromWeights(config, weights, { spinning: s === 'spinning on' }), tokenizer),
  );
}
const trainer = await createDecoderModel({ config, weights, backend: 'cpu', log: null });
const rng = new SeededRandom(3);

/** The rollouts as a right-padded policy batch: loss on completion tokens, ±1 advantages. */
function policyBatch(rollouts: Rollout[]): PolicyBatch {
  const rows = rollouts.map((r) => [...r.promptIds, ...r.completionIds]);
  const seq = Math.max(...rows.map((r) => r.length));
  const tokens = new Int32Array(rows.length * seq);
  const attentionMask = new Int32Array(rows.length * seq);
  const lossMask = new Float32Array(rows.length * (seq - 1));
  const advantages = new Float32Array(rows.length * (seq - 1));
  rows.forEach((row, b) => {
    const promptLength = rollouts[b]!.promptIds.length;
    const advantage = rng.next() < 0.5 ? -1 : 1;
    row.forEach((id, t) => {
      tokens[b * seq + t] = id;
      attentionMask[b * seq + t] = 1;
      if (t >= promptLength) {
        lossMask[b * (seq - 1) + t - 1] = 1;
        advantages[b * (seq - 1) + t - 1] = advantage;
      }
    });
  });
  return { tokens, attentionMask, batch: rows.length, seq, lossMask, advantages };
}

const measured = new Map<string, { sample: number[]; train: number[]; sampleCpu: number[]; trainCpu: number[] }>(
  settings.map((s) => [s, { sample: [], train: [], sampleCpu: [], trainCpu: [] }]),
);
/** Wall ms and process CPU ms of `fn`. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const used = process.cpuUsage(c);
  return { value, wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}
const generateOptions = { groupSize: SAMPLES, maxNewTokens: NEW_TOKENS, temperature: 1, seed: 1 };
for (let i = -1; i < ITERATIONS; i++) {
  for (let k = 0; k < settings.length; k++) {
    const s = settings[(k + Math.max(i, 0)) % settings.length]!;
    const sample = await timed(() => samplers.get(s)!.generate(prompts, generateOptions));
    const train = await timed(async () => {
      await trainer.policyLoss(policyBatch(sample.value.slice(0, TRAIN_ROWS)), {
        epsLow: 0.2,
        epsHigh: 0.28,
        beta: 0,
        aggregation: 'token-mean',
      });
      await trainer.step({ lr: 1e-6, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    });
    if (i < 0) continue; // the first round warms both up (session creation, the trainer's graphs)
    const m = measured.get(s)!;
    m.sample.push(sample.wall);
    m.sampleCpu.push(sample.cpu);
    m.train.push(train.wall);
    m.trainCpu.push(train.cpu);
  }
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
console.log(
  `${samplerThreads()} intra-op threads; ${ITERATIONS} iterations per setting, medians (wall / process CPU):`,
);
for (const [s, m] of measured) {
  const tokens = PROMPTS * SAMPLES * NEW_TOKENS;
  console.log(
    `  ${s}: sample ${median(m.sample).toFixed(0)} / ${median(m.sampleCpu).toFixed(0)} ms (${((1000 * tokens) / median(m.sample)).toFixed(0)} tokens/s), train ${median(m.train).toFixed(0)} / ${median(m.trainCpu).toFixed(0)} ms; per iteration ${m.sample.map((x, j) => (x + m.train[j]!).toFixed(0)).join(', ')} ms`,
  );
}
await trainer.dispose();
