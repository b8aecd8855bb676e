/** Exact-match verifier for answers from a fixed set of strings. */
export { exactMatch, parseExactReference } from './verifier.js';
