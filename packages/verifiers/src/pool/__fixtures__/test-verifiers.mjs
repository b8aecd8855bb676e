/**
 * Verifiers for the pool tests, loaded into the workers through `modules` (plain JavaScript: workers
 * do not compile TypeScript). Each misbehaves in one way a real checker might.
 */

/** Builds a result; `extracted` is the trimmed completion. */
function result(correct, completion) {
  return { reward: correct ? 1 : 0, correct, formatOk: true, extracted: completion.trim(), reason: correct ? 'correct' : 'wrong-answer' };
}

/** Reference must be a string; an item with any other reference gets `error: reference: …`. */
function stringReference(raw) {
  if (typeof raw !== 'string') throw new Error(`reference: expected a string, got ${JSON.stringify(raw)}`);
  return raw;
}

/** Correct when the trimmed completion equals the reference. */
export const exact = { name: 'exact', parseReference: stringReference, verify: (completion, reference) => result(completion.trim() === reference, completion) };

/** Like `exact`, but throws on a completion containing "boom". */
export const throws = {
  name: 'throws',
  parseReference: stringReference,
  verify(completion, reference) {
    if (completion.includes('boom')) throw new Error('kaboom');
    return result(completion.trim() === reference, completion);
  },
};

/** Like `exact`, but never returns on a completion containing "loop" (a synchronous infinite loop). */
export const loops = {
  name: 'loops',
  parseReference: stringReference,
  verify(completion, reference) {
    if (completion.includes('loop')) for (;;);
    return result(completion.trim() === reference, completion);
  },
};

/** Like `exact`, but allocates without bound on a completion containing "hog". */
export const hog = {
  name: 'hog',
  parseReference: stringReference,
  verify(completion, reference) {
    if (completion.includes('hog')) {
      const kept = [];
      for (let i = 0; ; i++) kept.push({ i, text: `${completion}${i}` });
    }
    return result(completion.trim() === reference, completion);
  },
};

/** Busy-waits `reference` milliseconds, then answers correct: time limits must be per item, not per chunk. */
export const slow = {
  name: 'slow',
  parseReference: (raw) => Number(raw),
  verify(completion, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end);
    return result(true, completion);
  },
};

/** Returns something that is not a VerificationResult. */
export const broken = { name: 'broken', parseReference: (raw) => raw, verify: () => ({ reward: Number.NaN }) };

export default [exact, throws, loops, hog, slow, broken];
