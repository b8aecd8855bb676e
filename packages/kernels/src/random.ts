/** The seeded PRNG now lives in @rlvr/core (shared with the sampler); re-exported for existing imports. */
export { SeededRandom, seededFloats, seededInts } from '@rlvr/core';
