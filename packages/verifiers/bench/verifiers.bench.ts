/**
 * Speed of the built-in verifiers on realistic mixed sets of completions (generated here with a
 * seeded RNG, 2,000 per task): per-verification latency (median, p99; each call timed on its own
 * after warm-up), one-thread throughput, and the VerifierPool's throughput on 2 threads over the whole
 * set in one `score` call, compared with the one-thread figure of the same run. A no-op verifier
 * through the pool measures the pool's own overhead per item.
 *
 * Entries (bench-results/verifiers.json): `<task>-median-ms`, `<task>-p99-ms`, `<task>-per-s` (one
 * thread), `<task>-pool-per-s` (baseline: one thread), `pool-overhead-us` (baseline: in-process no-op).
 */
import { fileURLToPath } from 'node:url';
import { compared, median, standalone, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { countdown } from '../src/countdown/index.js';
import { gsm8k } from '../src/gsm8k/index.js';
import { math } from '../src/math/index.js';
import { VerifierPool, type PoolItem } from '../src/pool/pool.js';
import type { Verifier } from '../src/types.js';
import { countdownSet, gsm8kSet, mathSet, type Sample } from './sets.js';

const PER_TASK = 2000;
const POOL_THREADS = 2;

/** Per-call latencies (ms) after two untimed passes, and one-thread throughput (median of 5 passes). */
function measureOneThread(verifier: Verifier, samples: readonly Sample[]): { latencies: number[]; perSecond: number } {
  const refs = samples.map((s) => verifier.parseReference(s.reference));
  const pass = () => {
    for (let i = 0; i < samples.length; i++) verifier.verify(samples[i]!.completion, refs[i]);
  };
  pass();
  pass();
  const latencies: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const start = process.hrtime.bigint();
    verifier.verify(samples[i]!.completion, refs[i]);
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const passes: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    pass();
    passes.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { latencies, perSecond: samples.length / median(passes) };
}

/** Pool throughput: one `score` over the whole set, median of 5 after one warm-up call. */
async function measurePool(pool: VerifierPool, name: string, samples: readonly Sample[]): Promise<number> {
  const items: PoolItem[] = samples.map((s) => ({ verifier: name, completion: s.completion, reference: s.reference }));
  for (let r = 0; r < 5; r++) await pool.score(items);
  const times: number[] = [];
  for (let r = 0; r < 11; r++) {
    const start = process.hrtime.bigint();
    await pool.score(items);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return items.length / median(times);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const sets: [Verifier, Sample[]][] = [
  [countdown() as Verifier, countdownSet(PER_TASK)],
  [gsm8k() as Verifier, gsm8kSet(PER_TASK)],
  [math() as Verifier, mathSet(PER_TASK)],
];

const entries: BenchEntry[] = [];
// One-thread measurements first, with no pool alive: piscina starts its workers as soon as it is
// constructed, and their start-up would otherwise compete for the 2 cores with the timed loop.
const oneThread = new Map<string, number>();
for (const [verifier, samples] of sets) {
  // Not an entry: a check that the set is the realistic mix it claims to be.
  const verdicts = samples.map((s) => verifier.verify(s.completion, verifier.parseReference(s.reference)));
  const share = (f: (r: (typeof verdicts)[number]) => boolean) =>
    ((100 * verdicts.filter(f).length) / verdicts.length).toFixed(0);
  const reasons = new Map<string, number>();
  for (const v of verdicts) reasons.set(v.reason.split(':')[0]!, (reasons.get(v.reason.split(':')[0]!) ?? 0) + 1);
  console.error(
    `${verifier.name}: ${share((r) => r.correct)}% correct, ${share((r) => r.formatOk)}% formatOk; reasons ${JSON.stringify(Object.fromEntries(reasons))}`,
  );
  const { latencies, perSecond } = measureOneThread(verifier, samples);
  oneThread.set(verifier.name, perSecond);
  const name = verifier.name;
  entries.push(
    standalone(
      `${name}-median-ms`,
      median(latencies),
      `ms per verification, median over ${samples.length} mixed completions (lower is better)`,
    ),
    standalone(`${name}-p99-ms`, percentile(latencies, 99), 'ms per verification, 99th percentile (lower is better)'),
    standalone(`${name}-per-s`, perSecond, 'verifications/s on one thread, in-process (higher is better)'),
  );
}
const pool = new VerifierPool({ threads: POOL_THREADS, timeoutMs: 5000 });
try {
  for (const [verifier, samples] of sets) {
    const poolPerSecond = await measurePool(pool, verifier.name, samples);
    entries.push(
      compared(
        `${verifier.name}-pool-per-s`,
        poolPerSecond,
        oneThread.get(verifier.name)!,
        `verifications/s through VerifierPool on ${POOL_THREADS} threads, one score() call (higher is better); baseline: one thread in-process`,
      ),
    );
  }
} finally {
  await pool.close();
}

// The pool's own cost per item: a verifier that does nothing, through 1 worker vs in-process.
const noopModule = fileURLToPath(new URL('../src/pool/__fixtures__/test-verifiers.mjs', import.meta.url));
const noopItems: PoolItem[] = Array.from({ length: 20_000 }, (_, i) => ({
  verifier: 'exact',
  completion: `answer ${i % 10}`,
  reference: 'answer 3',
}));
const noopPool = new VerifierPool({ threads: 1, modules: [noopModule] });
try {
  const perSecond = await measurePool(
    noopPool,
    'exact',
    noopItems.map((item) => ({ completion: item.completion, reference: item.reference })),
  );
  const local = (await import(noopModule)) as { exact: Verifier };
  const { perSecond: localPerSecond } = measureOneThread(
    local.exact,
    noopItems.map((item) => ({ completion: item.completion, reference: item.reference })),
  );
  entries.push(
    compared(
      'pool-overhead-us',
      1e6 / perSecond,
      1e6 / localPerSecond,
      'µs per item through a 1-thread pool with a trivial verifier (lower is better); baseline: the same verifier in-process',
    ),
  );
} finally {
  await noopPool.close();
}

// Merged: bench/timeouts.bench.ts writes its entries into the same file.
writeResults('verifiers', entries, { merge: true });
