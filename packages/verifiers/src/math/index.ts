export { math, DEFAULT_MAX_ANSWER_LENGTH, MAX_NESTING } from './verifier.js';
export type { MathOptions } from './verifier.js';
export { extractAnswer } from './extract.js';
export type { ExtractedAnswer, MathExtraction } from './extract.js';
export { normalizeAnswer } from './normalize.js';
export { MIN_APPROX_DIGITS, REL_TOL } from './compare.js';
