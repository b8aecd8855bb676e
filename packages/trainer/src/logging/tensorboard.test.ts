/**
 * The event files against the format itself, read back by the independent reader of
 * testing/event-file-reader.ts (its own bit-by-bit CRC-32C and protobuf decoding).
 */
import { appendFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalMetrics, MetricsRecord } from '../metrics/records.js';
import { syntheticStep } from '../metrics/testing/synthetic-metrics.js';
import { useTempDir } from '../testing/temp-dir.js';
import { bitwiseCrc32c, readEventFile } from './testing/event-file-reader.js';
import { crc32c, maskedCrc32c } from './crc32c.js';
import { recordScalars, scalarTag } from './scalar-tags.js';
import { TensorBoardWriter } from './tensorboard-writer.js';

const tempDir = useTempDir('rlvr-tensorboard-');

const evalRecord: EvalMetrics = {
  kind: 'eval',
  step: 2,
  prompts: 16,
  samples: 4,
  pass1Greedy: 0.25,
  meanAccuracy: 0.2,
  passAtK: { '1': 0.2, '4': 0.5 },
  rewardMean: 0.3,
  seconds: 1.5,
};

describe('CRC-32C', () => {
  test('the check value and RFC 3720 (B.4) test vectors, table and bitwise alike', () => {
    const vectors: [Uint8Array, number][] = [
      [new TextEncoder().encode('123456789'), 0xe3069283],
      [new Uint8Array(32), 0x8a9136aa],
      [new Uint8Array(32).fill(0xff), 0x62a8ab43],
      [Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
      [Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ];
    for (const [bytes, crc] of vectors) {
      expect(crc32c(bytes)).toBe(crc);
      expect(bitwiseCrc32c(bytes)).toBe(crc);
    }
  });

  test('masking: rotate right by 15, add 0xa282ead8', () => {
    // 0xe3069283 rotated right by 15 is 0x2507c60d; + 0xa282ead8 = 0xc78ab0e5 (mod 2³²).
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe(0xc78ab0e5);
  });
});

describe('scalar tags', () => {
  test('TRL names where TRL has the metric, snake_case paths elsewhere, eval pass@k by k', () => {
    const tags = recordScalars(syntheticStep(3, 4)).map((s) => s.tag);
    expect(tags).toEqual(
      expect.arrayContaining([
        'train/loss',
        'train/reward',
        'train/kl',
        'train/entropy',
        'train/grad_norm',
        'train/learning_rate',
        'train/clip_ratio/region_mean',
        'train/frac_reward_zero_std',
        'train/completions/mean_length',
        'train/phase_seconds/sample',
        'train/rho_histogram/4',
        'train/accuracy',
      ]),
    );
    expect(tags).not.toContain('train/step');
    expect(recordScalars(evalRecord)).toEqual([
      { tag: 'eval/prompts', value: 16 },
      { tag: 'eval/samples', value: 4 },
      { tag: 'eval/pass@1_greedy', value: 0.25 },
      { tag: 'eval/mean_accuracy', value: 0.2 },
      { tag: 'eval/pass@1', value: 0.2 },
      { tag: 'eval/pass@4', value: 0.5 },
      { tag: 'eval/reward', value: 0.3 },
      { tag: 'eval/seconds', value: 1.5 },
    ]);
  });

  test('a field the schema does not know yet is logged too', () => {
    const later = { ...syntheticStep(1, 4), gradNormClipped: 0.4, rewards: { format: 0.9 } } as MetricsRecord;
    expect(recordScalars(later)).toEqual(
      expect.arrayContaining([
        { tag: 'train/grad_norm_clipped', value: 0.4 },
        { tag: 'train/rewards/format/mean', value: 0.9 },
      ]),
    );
    expect(scalarTag('step', 'truncatedFraction')).toBe('train/completions/clipped_ratio');
    expect(scalarTag('step', 'clipLowFraction')).toBe('train/clip_ratio/low_mean');
    expect(scalarTag('step', 'clipHighFraction')).toBe('train/clip_ratio/high_mean');
    expect(scalarTag('step', 'clipRegionFraction')).toBe('train/clip_region_fraction');
  });
});

describe('event files', () => {
  let clockValue = 1_700_000_000.25;
  const clock = () => clockValue;

  test('round trip: the file version first, then one event per record with every scalar at its step', () => {
    const dir = join(tempDir(), 'tb');
    const writer = new TensorBoardWriter(dir, { clock });
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^events\.out\.tfevents\.1700000000\.\S+$/)]);
    const records: MetricsRecord[] = [syntheticStep(1, 4), syntheticStep(2, 4), evalRecord, { ...syntheticStep(2 ** 31 + 5, 4) }];
    for (const record of records) {
      clockValue += 1;
      writer.write(record);
    }
    const { events, torn } = readEventFile(writer.path);
    expect(torn).toBe(0);
    expect(events[0]).toEqual({ wallTime: 1_700_000_000.25, step: 0, fileVersion: 'brain.Event:2' });
    expect(events).toHaveLength(1 + records.length);
    records.forEach((record, i) => {
      const event = events[i + 1]!;
      expect(event.step).toBe(record.step);
      expect(event.wallTime).toBe(1_700_000_000.25 + i + 1);
      // simple_value is a float32: each value comes back as its nearest float.
      expect(event.scalars).toEqual(recordScalars(record).map(({ tag, value }) => ({ tag, value: Math.fround(value) })));
    });
    expect(events[1]!.scalars!.find((s) => s.tag === 'train/loss')!.value).toBe(Math.fround(0.01));
  });

  test('a torn last record (killed mid-write) is cut back on the next open; a resumed run starts with a session START', () => {
    const dir = join(tempDir(), 'tb-crash');
    const first = new TensorBoardWriter(dir, { clock });
    first.write(syntheticStep(1, 4));
    const before = statSync(first.path).size;
    first.write(syntheticStep(2, 4));
    const whole = statSync(first.path).size;
    // The first 20 bytes of another record: a process killed during its write.
    appendFileSync(first.path, readFileSync(first.path).subarray(before, before + 20));
    expect(readEventFile(first.path).torn).toBe(20);

    const resumed = new TensorBoardWriter(dir, { clock, resumedAfter: 1 });
    expect(resumed.path).not.toBe(first.path);
    expect(statSync(first.path).size).toBe(whole);
    expect(readEventFile(first.path)).toMatchObject({ torn: 0, events: { length: 3 } });
    resumed.write(syntheticStep(2, 4));
    const events = readEventFile(resumed.path).events;
    expect(events.map((e) => [e.step, e.fileVersion ?? e.sessionStatus ?? 'scalars'])).toEqual([
      [0, 'brain.Event:2'],
      [2, 1],
      [2, 'scalars'],
    ]);
  });
});
