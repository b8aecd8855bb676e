/**
 * Verifiers for the `rlvr verify` tests, loaded into the pool's workers through `modules`: `exact`
 * (trimmed completion equals the string reference) and `hang` (like exact, but loops forever on a
 * completion containing "hang").
 */
function check(completion, reference) {
  const extracted = completion.trim();
  const correct = extracted === reference;
  return { reward: correct ? 1 : 0, correct, formatOk: true, extracted, reason: correct ? 'correct' : 'wrong-answer' };
}

function parseReference(raw) {
  if (typeof raw !== 'string') throw new Error(`reference: expected a string, got ${JSON.stringify(raw)}`);
  return raw;
}

export default [
  { name: 'exact', parseReference, verify: check },
  {
    name: 'hang',
    parseReference,
    verify(completion, reference) {
      if (completion.includes('hang')) for (;;);
      return check(completion, reference);
    },
  },
];
