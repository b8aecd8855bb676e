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
import { SeededRandom } from '@rlvr/core';
import { compared, median, standalone, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { countdown, generateCountdownProblems } from '../src/countdown/index.js';
import { gsm8k } from '../src/gsm8k/index.js';
import { math } from '../src/math/index.js';
import { VerifierPool, type PoolItem } from '../src/pool/pool.js';
import type { Verifier } from '../src/types.js';

const PER_TASK = 2000;
const POOL_THREADS = 2;

// Seeded, so that the sets are the same in every run.
const generator = new SeededRandom(20260126);
const random = (): number => generator.next();
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;

const FILLER = [
  'Let me think about this step by step.',
  'First, I will look at the numbers we are given.',
  'Hmm, that does not seem right, let me try again.',
  'We can combine the two largest values first.',
  'Wait, I should double-check that computation.',
  'This gets us closer to what we need.',
  'Maybe a different order of operations works better.',
  'So the remaining part must account for the difference.',
];

/** 200–600 characters of reasoning sprinkled with small computations, like a model's scratch work. */
function reasoning(latex = false): string {
  const target = int(200, 600);
  let text = '';
  while (text.length < target) {
    const a = int(2, 99);
    const b = int(2, 99);
    text +=
      random() < 0.5
        ? `${pick(FILLER)} `
        : latex
          ? `We get $${a} \\cdot ${b} = ${a * b}$, so $\\frac{${a}}{${b}}$ remains. `
          : `${a} * ${b} = ${a * b}, and ${a} + ${b} = ${a + b}. `;
  }
  return text;
}

interface Sample {
  completion: string;
  reference: unknown;
}

/** Countdown: 35% right, 30% wrong but well-formed, 15% malformed expressions, 20% no answer. */
function countdownSet(): Sample[] {
  const problems = generateCountdownProblems({ count: PER_TASK, seed: 7 });
  return problems.map(({ target, nums, solution }) => {
    const reference = { target, nums };
    const roll = random();
    let answer: string | null;
    if (roll < 0.35) answer = random() < 0.5 ? solution : solution.replace(/\*/g, '×').replace(/ /g, '');
    else if (roll < 0.65) answer = random() < 0.5 ? nums.join(' + ') : solution.replace(/[+]/, '-').replace(/[*]/, '+');
    else if (roll < 0.8) {
      answer = pick([
        `${nums[0]} ** 2`,
        `${nums[0]}${nums[1]} - ${nums[2]}`,
        `(${nums.join(' + ')}`,
        `${nums[0]} + ${nums[0]}`,
        `${target}`,
        `${nums[0]} / 1.5`,
      ]);
    } else answer = null;
    const think = `<think>${reasoning()}</think>`;
    const completion =
      answer === null
        ? `${think} ${random() < 0.5 ? `I believe the answer is ${target}.` : '<answer>'}`
        : `${think} <answer>${answer}</answer>`;
    return { completion, reference };
  });
}

/** GSM8K: about half right; `#### N`, "The answer is N", `\boxed{N}`, a bare last number, formatted numbers. */
function gsm8kSet(): Sample[] {
  return Array.from({ length: PER_TASK }, () => {
    const gold = random() < 0.2 ? int(1000, 250_000) : int(0, 999);
    const right = random() < 0.5;
    const value = right ? gold : gold + pick([-10, -1, 1, 2, 7, 100]);
    const shown =
      value >= 1000 && random() < 0.5 ? value.toLocaleString('en-US') : random() < 0.1 ? `${value}.00` : String(value);
    const ending = pick([
      `#### ${shown}`,
      `#### ${shown}`,
      `The answer is ${shown}.`,
      `The answer is $${shown}.`,
      `\\boxed{${shown}}`,
      `So she has ${shown} apples left.`,
    ]);
    const reference = random() < 0.5 ? String(gold) : `${reasoning()}\n#### ${gold}`;
    return { completion: `${reasoning()}\n${ending}`, reference };
  });
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** One MATH answer of a random type: [gold, an equivalent spelling, a wrong answer]. */
function mathAnswer(): [string, string, string] {
  switch (int(0, 9)) {
    case 0: {
      const n = int(-500, 5000);
      return [String(n), random() < 0.5 ? `${n}.0` : `${n}`, String(n + int(1, 9))];
    }
    case 1: {
      let p = int(1, 40);
      let q = int(2, 41);
      const g = gcd(p, q);
      p /= g;
      q /= g;
      if (q === 1) q = 7;
      return [
        `\\frac{${p}}{${q}}`,
        pick([`\\dfrac{${p}}{${q}}`, `${p}/${q}`, `\\frac{${2 * p}}{${2 * q}}`]),
        `\\frac{${q}}{${p + q}}`,
      ];
    }
    case 2: {
      const k = int(2, 9);
      const m = pick([2, 3, 5, 6, 7]);
      return [`${k}\\sqrt{${m}}`, `\\sqrt{${k * k * m}}`, `${k + 1}\\sqrt{${m}}`];
    }
    case 3: {
      const a = int(-9, 9);
      const b = int(-9, 9) || 1;
      return [`(${a}, ${b})`, `(${a},${b})`, `(${b}, ${a === b ? a + 1 : a})`];
    }
    case 4: {
      const a = int(-9, 0);
      const b = int(1, 9);
      return [`[${a}, ${b})`, `[${a},${b})`, `(${a}, ${b})`];
    }
    case 5: {
      const xs = [int(-9, -1), int(0, 4), int(5, 9)];
      return [`\\{${xs.join(', ')}\\}`, `\\{${[...xs].reverse().join(',')}\\}`, `\\{${xs.slice(0, 2).join(', ')}\\}`];
    }
    case 6: {
      const m = int(1, 9);
      const c = int(1, 9);
      return [`y = ${m}x + ${c}`, `${m}x - y + ${c} = 0`, `y = ${m}x - ${c}`];
    }
    case 7: {
      const q = pick([2, 3, 4, 6]);
      return [`\\frac{\\pi}{${q}}`, `\\frac{1}{${q}}\\pi`, `\\frac{\\pi}{${q + 1}}`];
    }
    case 8: {
      const a = int(1, 9);
      return [`x^2 + ${2 * a}x + ${a * a}`, `(x+${a})^2`, `(x-${a})^2`];
    }
    default: {
      const p = int(2, 60);
      return [`${p}\\%`, `${p}\\%`, `${p + 5}\\%`];
    }
  }
}

/** MATH: reasoning then a boxed answer of mixed type (≈ half right); some use a "final answer is" fallback. */
function mathSet(): Sample[] {
  return Array.from({ length: PER_TASK }, () => {
    const [gold, same, wrong] = mathAnswer();
    const answer = random() < 0.5 ? same : wrong;
    const ending =
      random() < 0.9 ? `Therefore the answer is $\\boxed{${answer}}$.` : `The final answer is $${answer}$.`;
    const reference = random() < 0.7 ? gold : `${reasoning(true)} Hence $\\boxed{${gold}}$.`;
    return { completion: `${reasoning(true)}\n${ending}`, reference };
  });
}

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
  [countdown() as Verifier, countdownSet()],
  [gsm8k() as Verifier, gsm8kSet()],
  [math() as Verifier, mathSet()],
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

writeResults('verifiers', entries);
