/** GSM8K: verifier, answer extraction and the exact numeric-expression scanner it uses. */
export {
  afterReasoning,
  expressionAfter,
  extractGsm8kAnswer,
  gsm8k,
  lastHashAnswer,
  lastPhraseAnswer,
  parseGsm8kReference,
} from './verifier.js';
export type { AnswerSource, Gsm8kAnswer, Gsm8kMode, Gsm8kOptions } from './verifier.js';
export {
  allExpressions,
  lastExpression,
  NumberToken,
  readExpressionAt,
  scanExpressions,
  startsExpression,
} from './expressions.js';
export {
  canonicalDecimal,
  canonicalFraction,
  canonicalRational,
  exactRoot,
  power,
  readPlainNumber,
} from './numbers.js';
export type { PlainNumber, Rational } from './numbers.js';
