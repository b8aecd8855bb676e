/**
 * Where one decode step's time goes: ORT's profiler over decode steps of the benchmark's 30M model at
 * its group shape (16 prompts × 16 samples, 16-token prompts, 64 generated slots), summed per op type
 * and reported per step. Run from packages/sampler: `npx tsx --conditions=@rlvr/source bench/profile-decode.ts`.
 * Env: PROFILE_STEPS (default 16), PROFILE_SPIN=1 for spinning intra-op threads.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWeights, parseDecoderConfig } from '@rlvr/core';
import { CausalLm, DecodeCache, type PrefillCache } from '../src/index.js';
import { BENCH_30M_CONFIG_JSON } from '../src/testing/index.js';

const config = parseDecoderConfig(BENCH_30M_CONFIG_JSON);
const PROMPTS = 16;
const SAMPLES = 16;
const PROMPT_LENGTH = 16;
const STEPS = Number(process.env.PROFILE_STEPS ?? 16);
const prefix = join(tmpdir(), `rlvr-decode-profile-${process.pid}`);
const lm = await CausalLm.fromWeights(config, initWeights(config, 1), {
  profileFilePrefix: prefix,
  spinning: process.env.PROFILE_SPIN === '1',
});
const g = lm.geometry;
// Only shapes matter for timing: the prefix caches hold constants.
const layerBlock = (): Float32Array[] =>
  Array.from({ length: g.numLayers }, () => new Float32Array(g.numKvHeads * PROMPT_LENGTH * g.headDim).fill(0.01));
const prefills: PrefillCache[] = Array.from({ length: PROMPTS }, () => ({
  length: PROMPT_LENGTH,
  keys: layerBlock(),
  values: layerBlock(),
}));
const rows = PROMPTS * SAMPLES;
const cache = DecodeCache.fromPrefills(
  lm.kvLayout,
  g,
  prefills,
  Array.from({ length: rows }, (_, r) => Math.floor(r / SAMPLES)),
  Number(process.env.PROFILE_CAPACITY ?? STEPS + 1),
);
const ids = new BigInt64Array(rows).fill(5n);
const wall: number[] = [];
for (let step = 0; step < STEPS; step++) {
  const t = performance.now();
  await lm.decode(cache, ids, new BigInt64Array(rows).fill(BigInt(PROMPT_LENGTH + step)));
  wall.push(performance.now() - t);
}
await lm.release();

const file = readdirSync(tmpdir())
  .map((f) => join(tmpdir(), f))
  .find((f) => f.startsWith(prefix));
if (!file) throw new Error(`no ORT profile written with prefix ${prefix}`);
const events = JSON.parse(readFileSync(file, 'utf8')) as {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}[];
rmSync(file);
const byOp = new Map<string, number>();
const byShape = new Map<string, number>();
let runs = 0;
for (const e of events) {
  if (e.cat === 'Session' && e.name === 'model_run') runs++;
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
  // Products are told apart by their input shapes (the linear layers, and each attention product).
  if (op === 'MatMul' || op === 'Gemm') {
    const shapes = (e.args?.input_type_shape ?? []).map((t) => `[${Object.values(t)[0]!.join('×')}]`).join('·');
    byShape.set(`${op} ${shapes}`, (byShape.get(`${op} ${shapes}`) ?? 0) + e.dur);
  }
}
const perStep = (us: number): number => us / 1000 / Math.max(runs, 1);
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
const sorted = [...wall].sort((a, b) => a - b);
console.log(
  `${runs} decode steps of ${rows} rows; wall per step median ${sorted[sorted.length >> 1]!.toFixed(1)} ms; kernels ${perStep(total).toFixed(1)} ms per step`,
);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${op.padEnd(24)} ${perStep(us).toFixed(1).padStart(7)} ms  ${((100 * us) / total).toFixed(0)} %`);
}
for (const [shape, us] of [...byShape].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`  ${shape.padEnd(60)} ${perStep(us).toFixed(1).padStart(7)} ms`);
}
