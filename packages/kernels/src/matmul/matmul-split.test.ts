import { matmulInputLengths, type MatmulShape } from './matmul.shared.js';
import { matmulBlocks, matmulLeadingDims, matmulTiles } from './matmul-split.js';

const SLACK = 256 + 16;

/**
 * Check a split by counting: every element of C is written by exactly one tile with accumulate off
 * and then by one tile per further K block with it on, in K order; each operand range of each tile
 * covers exactly the elements that tile reads (its rows × its K columns) and fits the limit once
 * aligned.
 */
function checkTiles(shape: MatmulShape, maxBytes: number): number {
  const tiles = matmulTiles(shape, matmulBlocks(shape, maxBytes, SLACK));
  const { ldA, ldB, ldC } = matmulLeadingDims(shape);
  const writes = new Map<number, number[]>();
  for (const t of tiles) {
    for (const r of [t.a, t.b, t.c]) expect(r.end - r.start + SLACK / 4).toBeLessThanOrEqual(maxBytes / 4);
    for (let i = 0; i < t.m; i++) {
      for (let j = 0; j < t.n; j++) {
        const c = (t.m0 + i) * ldC + t.n0 + j;
        expect(c >= t.c.start && c < t.c.end).toBe(true);
        const seen = writes.get(c) ?? [];
        expect(t.accumulate).toBe(seen.length > 0);
        expect(seen.length === 0 ? 0 : seen[seen.length - 1]! + 1).toBe(t.k0 === 0 ? 0 : seen.length);
        seen.push(seen.length);
        writes.set(c, seen);
      }
    }
    for (let p = 0; p < t.k; p++) {
      const aFirst = shape.transA ? (t.k0 + p) * ldA + t.m0 : t.m0 * ldA + t.k0 + p;
      const aLast = shape.transA ? (t.k0 + p) * ldA + t.m0 + t.m - 1 : (t.m0 + t.m - 1) * ldA + t.k0 + p;
      const bFirst = shape.transB ? t.n0 * ldB + t.k0 + p : (t.k0 + p) * ldB + t.n0;
      const bLast = shape.transB ? (t.n0 + t.n - 1) * ldB + t.k0 + p : (t.k0 + p) * ldB + t.n0 + t.n - 1;
      for (const [v, r] of [
        [aFirst, t.a],
        [aLast, t.a],
        [bFirst, t.b],
        [bLast, t.b],
      ] as const) {
        expect(v >= r.start && v < r.end).toBe(true);
      }
    }
  }
  const kBlocks = Math.max(1, Math.ceil(shape.k / matmulBlocks(shape, maxBytes, SLACK).k));
  expect(writes.size).toBe(shape.m * shape.n);
  for (const w of writes.values()) expect(w.length).toBe(kBlocks);
  return tiles.length;
}

describe('matmul split into sub-products over binding windows', () => {
  it('leaves a product that fits alone: one tile binding each operand whole', () => {
    const shape = { m: 12, n: 37, k: 32, transB: true };
    const tiles = matmulTiles(shape, matmulBlocks(shape, 1 << 20, SLACK));
    const need = matmulInputLengths(shape);
    expect(tiles).toEqual([{ m0: 0, n0: 0, k0: 0, m: 12, n: 37, k: 32, accumulate: false, a: { start: 0, end: need.a }, b: { start: 0, end: need.b }, c: { start: 0, end: need.c } }]);
  });

  it.each([
    ['NT LM head (B rows split by N, C and A by M)', { m: 12, n: 37, k: 32, transB: true }],
    ['TN head weight gradient (A split by K, C by M)', { m: 37, n: 32, k: 12, transA: true }],
    ['NN head input gradient (B split by K: accumulate)', { m: 12, n: 32, k: 37 }],
    ['TT odd sizes', { m: 9, n: 23, k: 7, transA: true, transB: true }],
  ] as [string, MatmulShape][])('%s covers C exactly once per K block', (_name, shape) => {
    expect(checkTiles(shape, 1024)).toBeGreaterThan(1);
  });

  it('splits the Qwen2.5-0.5B tied LM head (151936 × 896) at 128 MiB: 5 N blocks; M blocks once the logits exceed a binding', () => {
    const shape = { m: 128, n: 151936, k: 896, transB: true };
    const blocks = matmulBlocks(shape, 128 * 2 ** 20, SLACK);
    expect(blocks).toMatchObject({ m: 128, k: 896 });
    expect(Math.ceil(shape.n / blocks.n)).toBe(5);
    // 512 tokens of logits are 311 MB: C is split by rows too (the loss kernel must then take them in row windows).
    const big = matmulBlocks({ ...shape, m: 512 }, 128 * 2 ** 20, SLACK);
    expect(big.m).toBeLessThan(512);
    expect(big.m * shape.n * 4).toBeLessThanOrEqual(128 * 2 ** 20);
  });

  it('refuses batched splits and rows too long for one binding, naming the operand', () => {
    expect(() => matmulBlocks({ m: 64, n: 64, k: 64, batch: 2 }, 1024, SLACK)).toThrow(/matmul: A needs 32768 bytes.*batched products are not split/);
    expect(() => matmulBlocks({ m: 64, n: 8, k: 1000 }, 4096, SLACK)).toThrow(/4 rows of A \(1000 elements each\) exceed one storage binding \(4096 bytes\)/);
  });
});
