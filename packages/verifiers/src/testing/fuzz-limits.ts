/**
 * The per-call bound the fuzz tests hold every verification to, in **CPU** milliseconds of the test
 * process ({@link cpuMs} in cpu-time.ts), never wall-clock: a wall-clock bound breaks whenever other
 * work keeps the cores busy, while CPU time only grows with the work the call itself does (plus this
 * process's GC threads). 500 CPU ms is over 10× the largest call an idle run measures (≈ 40 ms, a
 * 60k-character input with a major GC) and a quarter of the pool's default per-item limit (2 s), so
 * it still catches a quadratic blow-up on the fuzzers' 60k-character inputs.
 */
export const FUZZ_CALL_LIMIT_MS = 1000;
