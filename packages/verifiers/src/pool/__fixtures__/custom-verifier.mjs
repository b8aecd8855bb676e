/** A custom verifier as a user would ship it: one object, default export, nothing else changed. */
export default {
  name: 'length-at-least',
  parseReference(raw) {
    if (!Number.isInteger(raw)) throw new Error(`reference: expected an integer, got ${JSON.stringify(raw)}`);
    return raw;
  },
  verify(completion, minimum) {
    const correct = completion.length >= minimum;
    return { reward: correct ? 1 : 0, correct, formatOk: true, extracted: String(completion.length), reason: correct ? 'correct' : 'too-short' };
  },
};
