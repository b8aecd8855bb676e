import { DatasetError } from './dataset-error.js';
import { seededPermutation } from './shuffle.js';

/** A train/test split of examples. */
export interface TrainTestSplit<T> {
  /** Training examples, in their original order. */
  train: T[];
  /** Held-out examples, in their original order. */
  test: T[];
}

/**
 * Split `examples` into train and test. `testSize` < 1 is a fraction (rounded to the nearest
 * count), ≥ 1 a count. The held-out examples are those at the first `testCount` positions of a
 * seeded permutation (see {@link seededPermutation}), so the same data and seed always hold out the
 * same examples; both parts keep the original order. At least one example stays for training.
 */
export function splitTrainTest<T>(
  examples: readonly T[],
  testSize: number,
  seed: number,
  source = 'dataset',
): TrainTestSplit<T> {
  if (!(testSize > 0) || (testSize >= 1 && !Number.isInteger(testSize))) {
    throw new DatasetError(
      source,
      undefined,
      `task.testSize: expected a fraction in (0, 1) or a whole count ≥ 1, got ${testSize}`,
    );
  }
  const testCount = testSize < 1 ? Math.round(testSize * examples.length) : testSize;
  if (testCount >= examples.length) {
    throw new DatasetError(
      source,
      undefined,
      `task.testSize = ${testSize} holds out ${testCount} of ${examples.length} examples; at least one must stay for training`,
    );
  }
  const heldOut = new Uint8Array(examples.length);
  const order = seededPermutation(examples.length, seed);
  for (let i = 0; i < testCount; i++) heldOut[order[i]!] = 1;
  const train: T[] = [];
  const test: T[] = [];
  examples.forEach((example, i) => (heldOut[i] ? test : train).push(example));
  return { train, test };
}
