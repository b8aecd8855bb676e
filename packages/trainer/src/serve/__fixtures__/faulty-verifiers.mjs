/**
 * Custom verifiers for the serve tests, loaded with --verifier NAME=MODULE (plain JavaScript, as the
 * pool's workers need). Each answers correct when the trimmed completion equals the reference, and
 * misbehaves on one word: the faults a user's checker can have.
 */

function stringReference(raw) {
  if (typeof raw !== 'string') throw new Error(`reference: expected a string, got ${JSON.stringify(raw)}`);
  return raw;
}

function result(completion, reference) {
  const correct = completion.trim() === reference;
  return { reward: correct ? 1 : 0, correct, formatOk: true, extracted: completion.trim(), reason: correct ? 'correct' : 'wrong-answer' };
}

export default [
  {
    // Never returns on "spin", and never checks the deadline: only the pool's backstop stops it.
    name: 'spins',
    parseReference: stringReference,
    verify(completion, reference) {
      if (completion.includes('spin')) for (;;);
      return result(completion, reference);
    },
  },
  {
    name: 'throws',
    parseReference: stringReference,
    verify(completion, reference) {
      if (completion.includes('boom')) throw new Error('kaboom');
      return result(completion, reference);
    },
  },
  {
    // Ends its worker thread on "exit" (a crash as far as the pool can tell).
    name: 'exits',
    parseReference: stringReference,
    verify(completion, reference) {
      if (completion.includes('exit')) process.exit(7);
      return result(completion, reference);
    },
  },
  {
    // Busy-waits as many ms as the completion says, then answers: work that holds the queue.
    name: 'slow',
    parseReference: stringReference,
    verify(completion, reference) {
      const until = Date.now() + Number(completion);
      while (Date.now() < until);
      return result(completion, reference);
    },
  },
];
