/**
 * How many threads ONNX Runtime's CPU sessions may use, when the caller did not say: the
 * `RLVR_CPU_THREADS` environment variable (a positive integer), else undefined (each package then
 * keeps its own default, all cores). Set it when several runs share one machine, e.g. one thread
 * per run for a comparison of many small runs in parallel.
 */
import { CoreError } from './errors.js';

/** `RLVR_CPU_THREADS` as a positive integer, undefined when unset or empty; any other value is a {@link CoreError}. */
export function cpuThreadsFromEnv(env: Record<string, string | undefined> = process.env): number | undefined {
  const raw = env.RLVR_CPU_THREADS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new CoreError(`RLVR_CPU_THREADS: expected a positive integer, got "${raw}"`);
  return n;
}
