/** GSM8K: verifier, answer extraction and the exact number scanner it uses. */
export { extractGsm8kAnswer, gsm8k, lastHashAnswer, lastPhraseAnswer, parseGsm8kReference } from './verifier.js';
export type { AnswerSource, Gsm8kAnswer, Gsm8kMode, Gsm8kOptions } from './verifier.js';
export { allNumbers, canonicalDecimal, canonicalFraction, lastNumber, numberAfter, readNumberAt } from './numbers.js';
export type { NumberToken } from './numbers.js';
