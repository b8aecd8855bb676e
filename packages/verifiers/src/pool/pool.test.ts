import { fileURLToPath } from 'node:url';
import { VerifierError } from '../errors.js';
import { VerifierPool, type PoolItem } from './pool.js';

// The workers run the built dist/pool-worker.cjs (Nx builds the package before its tests); the
// fixture verifiers are plain JS loaded through `modules`, as a user's custom verifier would be.
const FIXTURES = fileURLToPath(new URL('./__fixtures__/test-verifiers.mjs', import.meta.url));
const CUSTOM = new URL('./__fixtures__/custom-verifier.mjs', import.meta.url);
const NO_DEFAULT = fileURLToPath(new URL('./__fixtures__/no-default.mjs', import.meta.url));
const SPINS = fileURLToPath(new URL('./__fixtures__/spinning-verifier.mjs', import.meta.url));

/**
 * The shared pool's per-item limit. The limit is wall-clock by nature (a worker is killed once an item
 * has run this long), so nothing here asserts elapsed time, and every item that must NOT time out is
 * either microseconds of work or a fixed fraction of its pool's limit: it would take a thread descheduled
 * for most of the limit to break a test, however busy the cores are. The items that must time out loop
 * forever, so they do so at any load.
 */
const TIMEOUT_MS = 2000;

/** `n` exact-match items; item i is right when i is even. */
function exactItems(n: number, verifier = 'exact'): PoolItem[] {
  return Array.from({ length: n }, (_, i) => ({ verifier, completion: ` ${i % 2 === 0 ? i : -i} `, reference: String(i) }));
}

function expectExact(results: { correct: boolean; extracted: string | null; reward: number }[], items: PoolItem[]): void {
  expect(results).toHaveLength(items.length);
  results.forEach((result, i) => {
    expect(result.extracted).toBe(items[i]!.completion.trim());
    expect(result.correct).toBe(items[i]!.completion.trim() === items[i]!.reference);
    expect(result.reward).toBe(result.correct ? 1 : 0);
  });
}

describe('VerifierPool', () => {
  let pool: VerifierPool;

  beforeAll(() => {
    pool = new VerifierPool({ threads: 2, timeoutMs: TIMEOUT_MS, modules: [FIXTURES] });
  });

  afterAll(async () => {
    await pool.close();
  });

  test('results come back in input order over many items and chunks', async () => {
    const items = exactItems(5000);
    expectExact(await pool.score(items), items);
  });

  test('an empty call resolves to []', async () => {
    await expect(pool.score([])).resolves.toEqual([]);
  });

  test('a check that throws: reward 0, reason "error: <message>", neighbours unaffected', async () => {
    const items = exactItems(200, 'throws');
    items[57] = { verifier: 'throws', completion: 'boom', reference: 'x' };
    const results = await pool.score(items);
    expect(results[57]).toEqual({ reward: 0, correct: false, formatOk: false, extracted: null, reason: 'error: kaboom' });
    expectExact([...results.slice(0, 57), ...results.slice(58)], [...items.slice(0, 57), ...items.slice(58)]);
  });

  test('a bad reference or an unknown verifier is an error for that item only', async () => {
    const items = exactItems(10);
    items[3] = { verifier: 'exact', completion: '3', reference: 3 };
    items[6] = { verifier: 'no-such-verifier', completion: '6', reference: '6' };
    const results = await pool.score(items);
    expect(results[3]!.reason).toBe('error: reference: expected a string, got 3');
    expect(results[6]!.reward).toBe(0);
    expect(results[6]!.reason).toMatch(/^error: verifier: unknown verifier "no-such-verifier"; registered: .*exact/);
    expect(results[9]!.correct).toBe(false);
    expect(results[8]!.correct).toBe(true);
  });

  test('a result that is not a VerificationResult becomes an error, not a NaN reward', async () => {
    const [result] = await pool.score([{ verifier: 'broken', completion: 'x', reference: 'x' }]);
    expect(result!.reward).toBe(0);
    expect(result!.reason).toMatch(/^error: verifier "broken" returned an invalid result/);
  });

  test('an infinite loop: only the culprit gets "timeout", the worker is replaced, the pool keeps serving', async () => {
    const items = exactItems(600, 'loops');
    items[123] = { verifier: 'loops', completion: 'loop', reference: 'x' };
    items[456] = { verifier: 'loops', completion: 'loop again', reference: 'x' };
    const before = pool.stats();
    const results = await pool.score(items);
    for (const i of [123, 456]) expect(results[i]).toEqual({ reward: 0, correct: false, formatOk: false, extracted: null, reason: 'timeout' });
    // A loop that never checks the deadline is what the backstop is for: one thread each.
    const after = pool.stats();
    expect(after.terminations - before.terminations).toBe(2);
    expect(after.timeouts - before.timeouts).toBe(2);
    const others = items.map((_, i) => i).filter((i) => i !== 123 && i !== 456);
    expectExact(
      others.map((i) => results[i]!),
      others.map((i) => items[i]!),
    );
    // Later calls are served by the replacement workers.
    const later = exactItems(300);
    expectExact(await pool.score(later), later);
  });

  test('the limit is per item: a chunk of slow items that together exceed it does not time out', async () => {
    // One thread, so 41 items go out in chunks of ceil(41 / 4) = 11. Each item busy-waits a tenth of
    // the limit (by the clock, so at least that long at any load): every chunk runs over 1.1 limits,
    // no item comes near one.
    const limit = 1000;
    const slowPool = new VerifierPool({ threads: 1, timeoutMs: limit, modules: [FIXTURES] });
    try {
      const items: PoolItem[] = Array.from({ length: 41 }, (_, i) => ({ verifier: 'slow', completion: String(i), reference: limit / 10 }));
      const results = await slowPool.score(items);
      expect(results.map((r) => r.reason)).toEqual(items.map(() => 'correct'));
    } finally {
      await slowPool.close();
    }
  });

  test('items that stop at the deadline cost no thread: every one times out, the rest of each chunk is graded', async () => {
    // A grace far beyond any descheduling: the backstop cannot fire first, so the counts are exact at any load.
    const cheap = new VerifierPool({ threads: 2, timeoutMs: 1, graceMs: 600_000, modules: [SPINS] });
    try {
      const items = exactItems(3000, 'spins');
      const spinning = new Set<number>();
      for (let i = 5; i < items.length; i += 10) {
        items[i] = { verifier: 'spins', completion: `spin ${i}`, reference: 'x' };
        spinning.add(i);
      }
      const results = await cheap.score(items);
      expect(results).toHaveLength(items.length);
      for (const i of spinning) expect(results[i]!.reason).toBe('timeout');
      const others = items.map((_, i) => i).filter((i) => !spinning.has(i));
      // Any of these may also time out on a loaded machine (1 ms is short), but never with a wrong verdict.
      for (const i of others) {
        const result = results[i]!;
        if (result.reason === 'timeout') continue;
        expect(result.correct).toBe(items[i]!.completion.trim() === items[i]!.reference);
      }
      const stats = cheap.stats();
      expect(stats.terminations).toBe(0);
      expect(stats.stoppedAtDeadline).toBe(spinning.size);
      expect(stats.timeouts).toBe(results.filter((r) => r.reason === 'timeout').length);
      const later = exactItems(100);
      const laterResults = await cheap.score(later);
      expect(laterResults).toHaveLength(100);
    } finally {
      await cheap.close();
    }
  });

  test('an item that returns after the limit gets "timeout" in the worker, which goes on: no thread is terminated', async () => {
    const limit = 300;
    const late = new VerifierPool({ threads: 1, timeoutMs: limit, graceMs: 600_000, modules: [FIXTURES] });
    try {
      // Each slow item busy-waits 1.5 limits by the clock, so it is late at any load.
      const items: PoolItem[] = exactItems(40, 'slow').map((item) => ({ ...item, reference: 0 }));
      for (const i of [3, 17, 30]) items[i] = { verifier: 'slow', completion: String(i), reference: 1.5 * limit };
      const results = await late.score(items);
      expect(results.map((r, i) => (r.reason === 'timeout' ? i : -1)).filter((i) => i >= 0)).toEqual([3, 17, 30]);
      expect(late.stats()).toEqual({ timeouts: 3, stoppedAtDeadline: 0, terminations: 0 });
    } finally {
      await late.close();
    }
  });

  test('graceMs 0: the worker does not time items, every timeout terminates a thread', async () => {
    const strict = new VerifierPool({ threads: 1, timeoutMs: 300, graceMs: 0, modules: [SPINS] });
    try {
      const items = exactItems(20, 'spins');
      for (const i of [4, 9]) items[i] = { verifier: 'spins', completion: 'spin', reference: 'x' };
      const results = await strict.score(items);
      expect(results[4]!.reason).toBe('timeout');
      expect(results[9]!.reason).toBe('timeout');
      expect(strict.stats()).toEqual({ timeouts: 2, stoppedAtDeadline: 0, terminations: 2 });
    } finally {
      await strict.close();
    }
  });

  test('a memory hog: "error: …" naming the memory limit, the pool keeps serving', async () => {
    // Its own pool with a generous time limit: near its heap limit V8 collects garbage over and over,
    // and under the shared pool's short limit the item could end as a timeout instead.
    const hogPool = new VerifierPool({ threads: 2, timeoutMs: 15_000, maxMemoryMb: 32, modules: [FIXTURES] });
    try {
      const items = exactItems(300, 'hog');
      items[200] = { verifier: 'hog', completion: 'hog', reference: 'x' };
      const results = await hogPool.score(items);
      expect(results[200]!.reward).toBe(0);
      expect(results[200]!.reason).toMatch(/^error: .*memory limit/);
      expectExact([...results.slice(0, 200), ...results.slice(201)], [...items.slice(0, 200), ...items.slice(201)]);
      const later = exactItems(100);
      expectExact(await hogPool.score(later), later);
    } finally {
      await hogPool.close();
    }
  });

  test('concurrent calls each get their own results in order', async () => {
    const a = exactItems(700);
    const b = exactItems(333).map((item) => ({ ...item, completion: `${item.completion}x` }));
    const [ra, rb] = await Promise.all([pool.score(a), pool.score(b)]);
    expectExact(ra, a);
    expectExact(rb, b);
  });

  test('bad items are VerifierErrors naming the item', async () => {
    await expect(pool.score('nope' as unknown as PoolItem[])).rejects.toThrow(/^items: expected an array/);
    const bad = [
      { verifier: 'exact', completion: 'a', reference: 'a' },
      { verifier: 'exact', completion: 5, reference: 'a' },
    ] as unknown as PoolItem[];
    const error = await pool.score(bad).catch((e: unknown) => e);
    expect(VerifierError.isInstance(error)).toBe(true);
    expect((error as VerifierError).argument).toBe('items[1].completion');
  });
});

describe('VerifierPool: options, custom modules, lifecycle', () => {
  test.each([
    [{ threads: 0 }, 'threads'],
    [{ threads: 1.5 }, 'threads'],
    [{ timeoutMs: -1 }, 'timeoutMs'],
    [{ timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ maxMemoryMb: 0 }, 'maxMemoryMb'],
    [{ chunkSize: 0 }, 'chunkSize'],
    [{ graceMs: -1 }, 'graceMs'],
    [{ modules: 'x.mjs' }, 'modules'],
    [{ modules: [''] }, 'modules[0]'],
  ])('%j is a VerifierError naming %s', (options, argument) => {
    let caught: unknown;
    try {
      new VerifierPool(options as never);
    } catch (error) {
      caught = error;
    }
    expect(VerifierError.isInstance(caught)).toBe(true);
    expect((caught as VerifierError).argument).toBe(argument);
  });

  test('a custom verifier module (single default export, file: URL) works with no change elsewhere', async () => {
    const pool = new VerifierPool({ threads: 1, modules: [CUSTOM] });
    try {
      const results = await pool.score([
        { verifier: 'length-at-least', completion: 'abcdef', reference: 3 },
        { verifier: 'length-at-least', completion: 'ab', reference: 3 },
        { verifier: 'length-at-least', completion: 'ab', reference: 'three' },
      ]);
      expect(results.map((r) => r.reason)).toEqual(['correct', 'too-short', 'error: reference: expected an integer, got "three"']);
      expect(results[0]).toEqual({ reward: 1, correct: true, formatOk: true, extracted: '6', reason: 'correct' });
    } finally {
      await pool.close();
    }
  });

  test('a module that cannot be used rejects score with a VerifierError naming it', async () => {
    const pool = new VerifierPool({ threads: 1, modules: [NO_DEFAULT, '/does/not/exist.mjs'] });
    try {
      const error = await pool.score([{ verifier: 'exact', completion: 'a', reference: 'a' }]).catch((e: unknown) => e);
      expect(VerifierError.isInstance(error)).toBe(true);
      expect((error as VerifierError).argument).toBe('modules');
      expect((error as Error).message).toMatch(/no-default\.mjs: expected a default export/);
    } finally {
      await pool.close();
    }
  });

  test('close() waits for running calls, is idempotent, and a closed pool refuses work', async () => {
    const pool = new VerifierPool({ threads: 2, modules: [FIXTURES] });
    const items = exactItems(1000);
    const running = pool.score(items);
    const closed = pool.close();
    expectExact(await running, items);
    await closed;
    await pool.close();
    await expect(pool.score(items)).rejects.toThrow(/^pool: closed/);
  });
});
