import { matmulCaseInputs, matmulCases } from './matmul.cases.js';
import { matmulReference, referenceMatmulProduct } from './matmul.reference.js';

const f32 = (values: number[]): Float32Array => Float32Array.from(values);

describe('matmulReference', () => {
  // A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[7, 8], [9, 10], [11, 12]] (3×2):
  // C = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]] = [[58, 64], [139, 154]].
  const a = f32([1, 2, 3, 4, 5, 6]);
  const b = f32([7, 8, 9, 10, 11, 12]);
  const expected = [58, 64, 139, 154];

  it('computes a hand-worked 2×3 · 3×2 product', () => {
    expect([...matmulReference(a, b, { m: 2, n: 2, k: 3 })]).toEqual(expected);
  });

  it('reads transposed operands (NT, TN, TT give the same product)', () => {
    const aT = f32([1, 4, 2, 5, 3, 6]); // 3×2
    const bT = f32([7, 9, 11, 8, 10, 12]); // 2×3
    expect([...matmulReference(a, bT, { m: 2, n: 2, k: 3, transB: true })]).toEqual(expected);
    expect([...matmulReference(aT, b, { m: 2, n: 2, k: 3, transA: true })]).toEqual(expected);
    expect([...matmulReference(aT, bT, { m: 2, n: 2, k: 3, transA: true, transB: true })]).toEqual(expected);
  });

  it('batches with per-batch and shared (stride 0) operands', () => {
    // Batch 0 uses B, batch 1 uses [[1, 0], [0, 1], [0, 0]], which picks A's first two columns.
    const b2 = f32([7, 8, 9, 10, 11, 12, 1, 0, 0, 1, 0, 0]);
    const c = matmulReference(a, b2, { m: 2, n: 2, k: 3, batch: 2, strideA: 0 });
    expect([...c]).toEqual([...expected, 1, 2, 4, 5]);
  });

  it('accumulates in f64 (f32 accumulation would lose the small terms)', () => {
    // 1 + 4095 · 2^-25: in f32 each 1 + 2^-25 rounds back to 1, so an f32 loop returns exactly 1.
    const k = 4096;
    const ones = new Float32Array(k).fill(1);
    const small = new Float32Array(k).fill(2 ** -25);
    small[0] = 1;
    const c = matmulReference(ones, small, { m: 1, n: 1, k })[0]!;
    expect(c).toBe(Math.fround(1 + (k - 1) * 2 ** -25));
    expect(c).toBeGreaterThan(1);
  });

  it('handles K = 0 (zeros) and size-1 products', () => {
    expect([...matmulReference(new Float32Array(0), new Float32Array(0), { m: 2, n: 1, k: 0 })]).toEqual([0, 0]);
    expect([...matmulReference(f32([3]), f32([-2]), { m: 1, n: 1, k: 1 })]).toEqual([-6]);
  });
});

describe("referenceMatmulProduct (the CPU decoder's reference engine)", () => {
  // Its stacked products are packed (no shared operands), so it covers the table's unstrided cases.
  const packed = matmulCases.filter((c) => c.strideA === undefined && c.strideB === undefined && c.m * c.n * c.k <= 1 << 16);

  it.each(packed.map((c) => [c.name, c] as const))('equals matmulReference: %s', (_, c) => {
    const { a, b } = matmulCaseInputs(c, matmulCases.indexOf(c));
    const product = referenceMatmulProduct(a, b, c);
    expect(product).toBeInstanceOf(Float32Array);
    expect(Array.from(product)).toEqual(Array.from(matmulReference(a, b, c)));
  });

  it('keeps f64 inputs in f64 and writes into a given output', () => {
    const a = Float64Array.of(1 / 3, 1);
    const out = new Float64Array(1);
    expect(referenceMatmulProduct(a, Float64Array.of(3, 1), { m: 1, n: 1, k: 2 }, out)).toBe(out);
    expect(out[0]).toBe(2);
  });
});
