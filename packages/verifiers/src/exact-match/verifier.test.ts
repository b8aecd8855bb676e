import { VerifierError } from '../errors.js';
import { exactMatch, parseExactReference } from './verifier.js';
import { MAX_EXTRACTED_LENGTH } from '../text/extracted.js';

describe('exact-match verifier', () => {
  const v = exactMatch();

  it('accepts the reference alone, with any surrounding whitespace', () => {
    for (const completion of ['23', ' 23', '23\n', '\t23  ']) {
      expect(v.verify(completion, '23')).toEqual({
        reward: 1,
        correct: true,
        formatOk: true,
        extracted: '23',
        reason: 'correct',
      });
    }
  });

  it('rejects anything else, including text that contains the reference', () => {
    for (const completion of ['24', '23 24', '023', '23.0', 'x23', '2 3', 'the answer is 23']) {
      const r = v.verify(completion, '23');
      expect([r.reward, r.correct, r.reason]).toEqual([0, false, 'wrong-answer']);
    }
  });

  it('scores an empty completion as no answer', () => {
    expect(v.verify('  \n', '23')).toMatchObject({ reward: 0, correct: false, formatOk: false, reason: 'no-answer' });
  });

  it('shows only the start of a very long completion', () => {
    const r = v.verify('9'.repeat(1_000_000), '9');
    expect(r.correct).toBe(false);
    expect(r.extracted).toBe(`${'9'.repeat(MAX_EXTRACTED_LENGTH)}…(1000000 characters)`);
  });

  it('reads string and number references, and names a bad one', () => {
    expect(parseExactReference(' B ')).toBe('B');
    expect(parseExactReference(17)).toBe('17');
    for (const bad of [undefined, null, '', '  ', Number.NaN, { answer: 1 }]) {
      expect(() => parseExactReference(bad)).toThrow(VerifierError);
    }
  });
});
