/**
 * A custom verifier for `rlvr train` and `rlvr eval` (task.verifier): the last whole number of the
 * completion must equal the reference. Plain JS with a default export, so the VerifierPool's worker
 * threads load it as they are.
 */
export default {
  name: 'last-number',
  parseReference(raw) {
    const text = String(raw).trim();
    if (!/^-?\d+$/.test(text)) throw new Error(`reference: expected a whole number, got ${JSON.stringify(raw)}`);
    return text;
  },
  verify(completion, reference) {
    const numbers = completion.match(/-?\d+/g);
    if (numbers === null) return { reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer' };
    const extracted = numbers[numbers.length - 1];
    const correct = extracted === reference;
    return {
      reward: correct ? 1 : 0,
      correct,
      formatOk: true,
      extracted,
      reason: correct ? 'correct' : 'wrong-answer',
    };
  },
};
