import { countdown } from './countdown/index.js';
import { exactMatch } from './exact-match/index.js';
import { gsm8k } from './gsm8k/index.js';
import { math } from './math/index.js';
import { VerifierRegistry } from './registry.js';
import type { Verifier } from './types.js';

/**
 * The built-in verifiers (fresh instances each call): countdown, gsm8k and math with their default
 * options, math-flexible (`math({ extraction: 'flexible' })`, for evaluation) and exact-match.
 */
export function builtInVerifiers(): Verifier[] {
  // Each factory returns a Verifier of its own reference type; the registry holds them type-erased.
  return [
    countdown() as Verifier,
    gsm8k() as Verifier,
    math() as Verifier,
    math({ extraction: 'flexible' }) as Verifier,
    exactMatch() as Verifier,
  ];
}

/** A registry holding the built-in verifiers with their default options. */
export function defaultRegistry(): VerifierRegistry {
  return new VerifierRegistry(builtInVerifiers());
}
