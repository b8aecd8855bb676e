/**
 * A format reward for `reward.functions`: 1 when the completion is a whole number and nothing else,
 * whatever its value (the reference is not read), else 0.
 */
export default {
  name: 'bare-number',
  parseReference(raw) {
    return raw;
  },
  verify(completion) {
    const bare = /^\s*-?\d+\s*$/.test(completion);
    return {
      reward: bare ? 1 : 0,
      correct: bare,
      formatOk: bare,
      extracted: completion.trim().slice(0, 40),
      reason: bare ? 'bare-number' : 'extra-text',
    };
  },
};
