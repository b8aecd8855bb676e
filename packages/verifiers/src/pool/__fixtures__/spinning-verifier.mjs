/**
 * A custom verifier for the pool tests that checks the pool's deadline through its own import of the
 * package (the built one, as a user's module would), kept apart from test-verifiers.mjs so that the
 * benchmarks can load those without the package's dependencies.
 */
import { checkDeadline } from '../../../dist/index.js';

/**
 * Like the `exact` fixture (correct when the trimmed completion equals the reference), but on a
 * completion containing "spin" it loops until the pool's deadline stops it.
 */
export default {
  name: 'spins',
  parseReference(raw) {
    if (typeof raw !== 'string') throw new Error(`reference: expected a string, got ${JSON.stringify(raw)}`);
    return raw;
  },
  verify(completion, reference) {
    if (completion.includes('spin')) for (;;) checkDeadline();
    const correct = completion.trim() === reference;
    return { reward: correct ? 1 : 0, correct, formatOk: true, extracted: completion.trim(), reason: correct ? 'correct' : 'wrong-answer' };
  },
};
