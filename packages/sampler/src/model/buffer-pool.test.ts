import { BufferPool } from './buffer-pool.js';

describe('BufferPool', () => {
  it('hands a released array of the asked length back zero-filled, and keeps only the last release', () => {
    const pool = new BufferPool();
    const a = pool.take(4);
    a.fill(7);
    const b = new Float32Array(3);
    pool.release([a, b]);
    const again = pool.take(4);
    expect(again).toBe(a);
    expect(Array.from(again)).toEqual([0, 0, 0, 0]);
    expect(pool.take(4)).not.toBe(a); // taken once only
    pool.release([new Float32Array(5)]);
    expect(pool.take(3)).not.toBe(b); // dropped by the later release
  });
});
