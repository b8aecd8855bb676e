export { VerifierError } from './errors.js';
export { VerifierRegistry } from './registry.js';
export type { VerificationResult, Verifier } from './types.js';
