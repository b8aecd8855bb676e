export { VerifierError } from './errors.js';
export { VerifierRegistry } from './registry.js';
export type { VerificationResult, Verifier } from './types.js';
export { builtInVerifiers, defaultRegistry } from './builtins.js';
export { VerifierPool, type PoolItem, type PoolStats, type VerifierPoolOptions } from './pool/pool.js';
export { checkDeadline, DeadlineError, isDeadlineError, remainingMs } from './deadline.js';
export { lastBoxed, type BoxedAnswer } from './text/boxed.js';
export { lastAnswerTag, type AnswerTag } from './text/answer-tag.js';
export { MAX_EXTRACTED_LENGTH } from './text/extracted.js';
export {
  countdown,
  evaluate as evaluateCountdownExpression,
  parseExpression as parseCountdownExpression,
  generateCountdownProblems,
  parseCountdownReference,
  solveCountdown,
  MAX_SOLVER_NUMBERS,
  type CountdownGeneratorOptions,
  type CountdownOptions,
  type CountdownProblem,
  type CountdownReference,
  type SolveOptions,
} from './countdown/index.js';
export {
  extractGsm8kAnswer,
  gsm8k,
  parseGsm8kReference,
  type Gsm8kAnswer,
  type Gsm8kMode,
  type Gsm8kOptions,
} from './gsm8k/index.js';
export {
  math,
  normalizeAnswer,
  MIN_APPROX_DIGITS,
  REL_TOL,
  type MathExtraction,
  type MathOptions,
} from './math/index.js';
export { extractAnswer as extractMathAnswer, type ExtractedAnswer as ExtractedMathAnswer } from './math/index.js';
export { exactMatch, parseExactReference } from './exact-match/index.js';
