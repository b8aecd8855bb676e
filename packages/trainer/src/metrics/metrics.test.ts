import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../errors.js';
import { useTempDir } from '../testing/temp-dir.js';
import { thrownBy } from '../testing/thrown.js';
import { groupStats } from './group-stats.js';
import { MetricsError } from './metrics-error.js';
import { MetricsWriter, readMetrics, rewindMetrics } from './metrics-file.js';
import { meanAtK, meanPassAtK, passAtK } from './pass-at-k.js';
import type { EvalMetrics, StepMetrics } from './records.js';
import { syntheticStep } from './testing/synthetic-metrics.js';

const tempDir = useTempDir('rlvr-metrics-');

/** 1 − C(n−c, k)/C(n, k) with exact BigInt binomials: an independent reference for the product form. */
function passAtKExact(n: number, c: number, k: number): number {
  const choose = (a: number, b: number): bigint => {
    if (b < 0 || b > a) return 0n;
    let r = 1n;
    for (let i = 1; i <= b; i++) r = (r * BigInt(a - b + i)) / BigInt(i);
    return r;
  };
  const num = choose(n - c, k);
  const den = choose(n, k);
  // Scale before dividing so the quotient keeps ~18 significant digits.
  const scale = 10n ** 18n;
  return 1 - Number((num * scale) / den) / 1e18;
}

describe('pass@k (Chen et al. 2021) and mean@k', () => {
  test('hand-computed values', () => {
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 15); // 1 − 3/5
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 15); // 1 − C(3,2)/C(5,2) = 1 − 3/10
    expect(passAtK(5, 2, 3)).toBeCloseTo(0.9, 15); // 1 − 1/10
    expect(passAtK(5, 2, 4)).toBe(1); // only 3 wrong samples: every 4-subset has a correct one
    expect(passAtK(4, 1, 2)).toBeCloseTo(0.5, 15); // 1 − 3/6
    expect(passAtK(10, 0, 5)).toBe(0);
    expect(passAtK(10, 10, 1)).toBe(1);
  });

  test('pass@1 is c/n, and the product form matches exact binomials for every n ≤ 40', () => {
    for (let n = 1; n <= 40; n++) {
      for (let c = 0; c <= n; c++) {
        expect(passAtK(n, c, 1)).toBeCloseTo(c / n, 14);
        for (const k of [2, 3, 7, n]) {
          if (k > n) continue;
          expect(Math.abs(passAtK(n, c, k) - passAtKExact(n, c, k))).toBeLessThan(1e-12);
        }
      }
    }
  });

  test('averages over prompts', () => {
    const results = [
      { n: 4, c: 1 },
      { n: 4, c: 3 },
    ];
    expect(meanAtK(results)).toBeCloseTo(0.5, 15); // (1/4 + 3/4) / 2
    expect(meanPassAtK(results, 2)).toBeCloseTo(0.75, 15); // (0.5 + 1) / 2
  });

  test('bad inputs are typed errors naming the argument', () => {
    expect(() => passAtK(4, 5, 1)).toThrow(/passAtK: expected c an integer in \[0, n = 4\], got 5/);
    expect(() => passAtK(4, 1, 5)).toThrow(/expected k an integer in \[1, n = 4\], got 5/);
    expect(() => passAtK(0, 0, 1)).toThrow(MetricsError);
    expect(() => meanAtK([])).toThrow(/at least one prompt/);
    expect(() =>
      meanPassAtK(
        [
          { n: 2, c: 1 },
          { n: 2, c: 3 },
        ],
        1,
      ),
    ).toThrow(/results\[1\]/);
  });
});

describe('group statistics', () => {
  test('hand-computed: mean reward, accuracy, ρ̂ histogram, no-signal share', () => {
    const rewards = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0.1, 0.1, 1, 0];
    const correct = rewards.map((r) => r === 1);
    const stats = groupStats(rewards, correct, 4);
    expect(stats.rewardMean).toBeCloseTo(6.2 / 16, 15);
    expect(stats.accuracy).toBe(6 / 16);
    expect(stats.rhoHistogram).toEqual([1, 2, 0, 0, 1]); // groups with k = 1, 0, 4, 1 correct
    expect(stats.noSignalFraction).toBe(0.5); // the all-0 and all-1 groups
  });

  test('refuses mismatched lengths, partial groups and non-finite rewards', () => {
    expect(() => groupStats([1, 0], [true], 2)).toThrow(/differ in length/);
    expect(() => groupStats([1, 0, 1], [true, false, true], 2)).toThrow(/multiple of groupSize = 2/);
    expect(() => groupStats([1, NaN], [true, false], 2)).toThrow(/rewards\[1\]: expected a finite reward, got NaN/);
  });
});

describe('metrics.jsonl', () => {
  const evalRecord: EvalMetrics = {
    kind: 'eval',
    step: 2,
    prompts: 10,
    samples: 4,
    pass1Greedy: 0.3,
    meanAccuracy: 0.25,
    passAtK: { '1': 0.25, '4': 0.6 },
    rewardMean: 0.3,
    seconds: 1.5,
  };

  test('one line per record, steps and evals told apart by kind, read back equal', async () => {
    const runDir = join(tempDir(), 'run-a');
    const writer = new MetricsWriter(runDir);
    const steps = [syntheticStep(1, 4), syntheticStep(2, 4)];
    writer.append(steps[0]!);
    writer.append(steps[1]!);
    writer.append(evalRecord);
    const text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8');
    expect(text.split('\n')).toHaveLength(4); // three lines + the final newline
    expect(
      text
        .split('\n')
        .slice(0, 3)
        .map((l) => (JSON.parse(l) as { kind: string }).kind),
    ).toEqual(['step', 'step', 'eval']);
    const read = await readMetrics(writer.path);
    expect(read).toEqual({ steps, evals: [evalRecord], truncated: false });
    // A second writer on the same run (a resume) appends.
    new MetricsWriter(runDir).append(syntheticStep(3, 4));
    expect((await readMetrics(writer.path)).steps.map((s) => s.step)).toEqual([1, 2, 3]);
  });

  test('NaN or ∞ anywhere is refused with its field, and nothing is written', async () => {
    const runDir = join(tempDir(), 'run-nan');
    const writer = new MetricsWriter(runDir);
    expect(() => writer.append({ ...syntheticStep(1, 4), loss: NaN })).toThrow('loss: expected a finite number, got NaN');
    const step = syntheticStep(1, 4);
    expect(() => writer.append({ ...step, phaseSeconds: { ...step.phaseSeconds, train: Infinity } })).toThrow(/^phaseSeconds\.train: expected a finite number, got Infinity/);
    expect(() => writer.append({ ...step, accuracy: 1.5 })).toThrow(/accuracy: Too big/);
    expect(() => writer.append({ ...step, extra: 1 } as StepMetrics)).toThrow(/Unrecognized key/);
    await expect(readFile(writer.path, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  test('a truncated last line (crash mid-append) is ignored and flagged; a bad middle line names file:line', async () => {
    const runDir = join(tempDir(), 'run-crash');
    const writer = new MetricsWriter(runDir);
    writer.append(syntheticStep(1, 4));
    await appendFile(writer.path, JSON.stringify(syntheticStep(2, 4)).slice(0, 40));
    const read = await readMetrics(writer.path);
    expect(read.truncated).toBe(true);
    expect(read.tornLine).toBe(2);
    expect(read.steps.map((s) => s.step)).toEqual([1]);
    const bad = join(tempDir(), 'bad.jsonl');
    await writeFile(bad, `${JSON.stringify(syntheticStep(1, 4))}\n{"kind": "step", "step": 0}\n${JSON.stringify(syntheticStep(2, 4))}\n`);
    await expect(readMetrics(bad)).rejects.toThrow(/bad\.jsonl:2: /);
  });

  test('a failed append leaves the file as it was and says which record was not written', async () => {
    const runDir = join(tempDir(), 'run-fail');
    const writer = new MetricsWriter(runDir);
    writer.append(syntheticStep(1, 4));
    const before = await readFile(writer.path, 'utf8');
    // A directory where the file should be: the open fails with a real file-system error.
    const blocked = Object.assign(Object.create(MetricsWriter.prototype) as MetricsWriter, { path: runDir });
    const error = thrownBy(() => blocked.append(syntheticStep(2, 4)), StorageError);
    expect(error.message).toMatch(/^cannot append .*run-fail: is a directory \(EISDIR\); the metrics of step 2 were not written/);
    expect(await readFile(writer.path, 'utf8')).toBe(before);
  });

  test('rewind keeps the records up to a checkpoint step and drops later and truncated ones', async () => {
    const runDir = join(tempDir(), 'run-rewind');
    const writer = new MetricsWriter(runDir);
    for (let s = 1; s <= 5; s++) writer.append(syntheticStep(s, 4));
    writer.append({ ...evalRecord, step: 3 });
    await appendFile(writer.path, '{"kind": "st');
    expect(await rewindMetrics(writer.path, 3)).toBe(3); // steps 4 and 5 and the partial line; the eval at step 3 stays
    const read = await readMetrics(writer.path);
    expect(read.steps.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(read.evals.map((e) => e.step)).toEqual([3]);
    expect(read.truncated).toBe(false);
    expect(await rewindMetrics(join(tempDir(), 'no-such.jsonl'), 3)).toBe(0);
  });
});
