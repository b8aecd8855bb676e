/**
 * The per-call bound the fuzz tests hold every verification to: a quarter of the pool's default
 * per-item time limit (2 s), so any input that passes fuzzing also passes the pool; generous enough
 * that GC pauses on a loaded 2-core CI machine (≈ 50 ms seen) do not fail the suite, tight enough to
 * catch a quadratic blow-up on the fuzzers' 60k-character inputs.
 */
export const FUZZ_CALL_LIMIT_MS = 500;
