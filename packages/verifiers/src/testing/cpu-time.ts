/**
 * CPU time of this process, for tests that bound how much work a call does. Unlike wall-clock time
 * it does not grow when other processes keep the cores busy, so a bound on it holds on a loaded CI
 * machine; it still counts this process's own GC and helper threads, so keep margins wide.
 */

/** CPU milliseconds (user + system) this process has used so far. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Run `fn` and return its value with the CPU milliseconds the process used meanwhile. */
export function withCpuMs<T>(fn: () => T): { value: T; cpuMs: number } {
  const start = cpuMs();
  const value = fn();
  return { value, cpuMs: cpuMs() - start };
}
