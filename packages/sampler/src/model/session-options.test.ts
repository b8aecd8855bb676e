import { availableParallelism } from 'node:os';
import { samplerThreads, sessionOptions } from './session-options.js';

describe('sampler session options', () => {
  it('threads: the caller’s count, else RLVR_CPU_THREADS, else every available core', () => {
    expect(samplerThreads(3, { RLVR_CPU_THREADS: '5' })).toBe(3);
    expect(samplerThreads(undefined, { RLVR_CPU_THREADS: '5' })).toBe(5);
    expect(samplerThreads(undefined, {})).toBe(availableParallelism());
    expect(() => samplerThreads(undefined, { RLVR_CPU_THREADS: 'two' })).toThrow(/RLVR_CPU_THREADS/);
  });

  it('idle intra-op threads sleep unless spinning is asked for; profiling only when a prefix is given', () => {
    const spinning = (o: ReturnType<typeof sessionOptions>): unknown => (o.extra as { session: { intra_op: { allow_spinning: string } } }).session.intra_op.allow_spinning;
    expect(spinning(sessionOptions({}))).toBe('0');
    expect(spinning(sessionOptions({ spinning: true }))).toBe('1');
    expect(sessionOptions({}).enableProfiling).toBeUndefined();
    expect(sessionOptions({ profileFilePrefix: '/tmp/p' })).toMatchObject({ enableProfiling: true, profileFilePrefix: '/tmp/p' });
  });
});
