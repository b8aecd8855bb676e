/**
 * Exact match: the completion, with surrounding whitespace removed, must equal the reference string.
 * For tasks whose answer is one of a fixed set of short strings (a choice among K, a class label),
 * where any extraction would let extra text through: `23 or 24` is not `23`. Reward 1 or 0; no
 * format credit, so the rewards are binary.
 */
import { VerifierError } from '../errors.js';
import type { Verifier } from '../types.js';
import { withCappedExtracted } from '../text/extracted.js';

/** A reference answer: a string, or a finite number (compared as its decimal text). */
export function parseExactReference(raw: unknown): string {
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw === 'string' && raw.trim() !== '') return raw.trim();
  throw new VerifierError(
    'reference',
    `expected a non-empty string or a finite number, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)?.slice(0, 60)}`,
  );
}

/** The `exact-match` verifier: correct iff `completion.trim() === reference`. */
export function exactMatch(): Verifier<string> {
  return withCappedExtracted({
    name: 'exact-match',
    parseReference: parseExactReference,
    verify(completion, reference) {
      const answer = completion.trim();
      if (answer === '') return { reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer' };
      const correct = answer === reference;
      return {
        reward: correct ? 1 : 0,
        correct,
        formatOk: true,
        extracted: answer,
        reason: correct ? 'correct' : 'wrong-answer',
      };
    },
  });
}
