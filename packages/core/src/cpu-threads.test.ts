import { CoreError } from './errors.js';
import { cpuThreadsFromEnv } from './cpu-threads.js';

describe('cpuThreadsFromEnv', () => {
  it('reads a positive integer; unset or empty means the caller decides', () => {
    expect(cpuThreadsFromEnv({ RLVR_CPU_THREADS: '1' })).toBe(1);
    expect(cpuThreadsFromEnv({ RLVR_CPU_THREADS: ' 16 ' })).toBe(16);
    expect(cpuThreadsFromEnv({})).toBeUndefined();
    expect(cpuThreadsFromEnv({ RLVR_CPU_THREADS: '' })).toBeUndefined();
  });

  it.each(['0', '-2', '1.5', 'two'])('refuses %p, naming the variable', (value) => {
    expect(() => cpuThreadsFromEnv({ RLVR_CPU_THREADS: value })).toThrow(CoreError);
    expect(() => cpuThreadsFromEnv({ RLVR_CPU_THREADS: value })).toThrow(`RLVR_CPU_THREADS: expected a positive integer, got "${value}"`);
  });
});
