/**
 * What a tight per-item time limit costs VerifierPool: 20,000 mixed completions (a third each of
 * Countdown, GSM8K and MATH, from bench/sets.ts) scored at a 1 ms limit, as `rlvr verify --timeout-ms 1`
 * does (a fresh pool, one `score` call, start-up included). At 1 ms, items that run into a cold JIT, a
 * garbage collection or a descheduled thread time out; what matters is what each timeout costs.
 *
 * Entries (merged into bench-results/verifiers.json):
 * - `timeout-1ms-20k-s`: seconds for the 20,000 items at 1 ms; baseline: the same items under a 60 s
 *   limit (no timeouts), so the ratio is the cost of the limit. Median of interleaved rounds.
 * - `timeout-1ms-items-per-s`: items/s at 1 ms; baseline: items/s at 1 ms with `graceMs: 0`, where
 *   the worker does not time items and every timeout terminates its thread (the backstop alone), on
 *   the first 100 items only, since it runs about three orders of magnitude slower.
 * - `timeout-1ms-terminations-per-1000`: worker threads terminated per 1,000 items, same baseline.
 * - `timeout-1ms-timeouts-per-1000`: items that got `timeout` per 1,000, same baseline.
 */
import { comparedRounds, compared, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { VerifierPool, type PoolItem, type PoolStats, type VerifierPoolOptions } from '../src/pool/pool.js';
import { countdownSet, gsm8kSet, mathSet } from './sets.js';

const ITEMS = 20_000;
const LIMIT_MS = 1;
const BASELINE_ITEMS = 100;
const ROUNDS = 3;

/** The three tasks interleaved, so that every chunk mixes them as a multi-task run would. */
function mixedItems(count: number): PoolItem[] {
  const per = Math.ceil(count / 3);
  const sets: [string, ReturnType<typeof mathSet>][] = [
    ['countdown', countdownSet(per)],
    ['gsm8k', gsm8kSet(per)],
    ['math', mathSet(per)],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [verifier, samples] = sets[i % 3]!;
    const sample = samples[Math.floor(i / 3)]!;
    return { verifier, completion: sample.completion, reference: sample.reference };
  });
}

/** One fresh pool, one `score` call: seconds from construction to the results, and the pool's counts. */
async function run(
  options: VerifierPoolOptions,
  items: readonly PoolItem[],
): Promise<{ seconds: number; stats: PoolStats }> {
  const start = process.hrtime.bigint();
  const pool = new VerifierPool({ threads: 2, ...options });
  try {
    const results = await pool.score(items);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (results.length !== items.length) throw new Error('a result is missing');
    return { seconds, stats: pool.stats() };
  } finally {
    await pool.close();
  }
}

const items = mixedItems(ITEMS);
const limited: number[] = [];
const unlimited: number[] = [];
// Summed over the rounds.
const stats: PoolStats = { timeouts: 0, stoppedAtDeadline: 0, terminations: 0 };
for (let round = 0; round < ROUNDS; round++) {
  const cheap = await run({ timeoutMs: LIMIT_MS }, items);
  const free = await run({ timeoutMs: 60_000 }, items);
  limited.push(cheap.seconds);
  unlimited.push(free.seconds);
  stats.timeouts += cheap.stats.timeouts;
  stats.stoppedAtDeadline += cheap.stats.stoppedAtDeadline;
  stats.terminations += cheap.stats.terminations;
  console.error(
    `round ${round + 1}: ${cheap.seconds.toFixed(2)} s at ${LIMIT_MS} ms (${JSON.stringify(cheap.stats)}), ${free.seconds.toFixed(2)} s at 60 s`,
  );
}
const old = await run({ timeoutMs: LIMIT_MS, graceMs: 0 }, items.slice(0, BASELINE_ITEMS));
console.error(`graceMs 0: ${old.seconds.toFixed(2)} s for ${BASELINE_ITEMS} items (${JSON.stringify(old.stats)})`);

const perThousand = (count: number, n: number) => (1000 * count) / n;
const sortedLimited = [...limited].sort((a, b) => a - b);
const entries: BenchEntry[] = [
  comparedRounds(
    'timeout-1ms-20k-s',
    limited,
    unlimited,
    `s for ${ITEMS} mixed items through a fresh 2-thread pool at a ${LIMIT_MS} ms limit (lower is better); baseline: the same under a 60 s limit`,
  ),
  compared(
    'timeout-1ms-items-per-s',
    ITEMS / sortedLimited[sortedLimited.length >> 1]!,
    BASELINE_ITEMS / old.seconds,
    `items/s at a ${LIMIT_MS} ms limit (higher is better); baseline: graceMs 0 (every timeout terminates a thread), first ${BASELINE_ITEMS} items`,
  ),
  compared(
    'timeout-1ms-terminations-per-1000',
    perThousand(stats.terminations, ROUNDS * ITEMS),
    perThousand(old.stats.terminations, BASELINE_ITEMS),
    `worker threads terminated per 1,000 items at a ${LIMIT_MS} ms limit (lower is better); baseline: graceMs 0`,
  ),
  compared(
    'timeout-1ms-timeouts-per-1000',
    perThousand(stats.timeouts, ROUNDS * ITEMS),
    perThousand(old.stats.timeouts, BASELINE_ITEMS),
    `items that got "timeout" per 1,000 at a ${LIMIT_MS} ms limit (lower is better); baseline: graceMs 0`,
  ),
];
writeResults('verifiers', entries, { merge: true });
