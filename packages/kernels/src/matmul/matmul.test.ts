import { readFileSync } from 'node:fs';
import { wgslStructFields } from '../gpu/uniforms.js';
import { pipelineKey } from '../gpu/pipeline-cache.js';
import { matmulCases } from './matmul.cases.js';
import { matmulReference, matmulInputLengths } from './matmul.reference.js';
import { MATMUL_PARAMS, MATMUL_WGSL, matmulPipelineSpec, matmulUsesVec4 } from './matmul.js';

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

describe('matmul case table', () => {
  it('covers every layout, 1 and 7, batches and both the vec4 and scalar paths', () => {
    const names = matmulCases.map((c) => c.name).join('\n');
    for (const tag of ['NN', 'NT', 'TN', 'TT', 'batch', '1×1×1', '7×7×7']) expect(names).toContain(tag);
    expect(matmulCases.some((c) => matmulUsesVec4(c))).toBe(true);
    expect(matmulCases.some((c) => !matmulUsesVec4(c))).toBe(true);
    for (const c of matmulCases) expect(matmulInputLengths(c).c).toBeGreaterThan(0);
  });
});

describe('matmul kernel definition', () => {
  it('packs uniforms in the order of the WGSL Params struct', () => {
    expect(wgslStructFields(MATMUL_WGSL, 'Params')).toEqual([...MATMUL_PARAMS]);
  });

  it('is the .wgsl file next to it, imported as text', () => {
    expect(MATMUL_WGSL).toBe(readFileSync(new URL('./matmul.wgsl', import.meta.url), 'utf8'));
  });

  it('keys pipelines by id and override constants only', () => {
    const key = pipelineKey(matmulPipelineSpec({ m: 8, n: 8, k: 8, transB: true }));
    expect(key).toBe('matmul|main|TRANS_A=0|TRANS_B=1|VEC4=1|WG_X=8|WG_Y=8');
    // Shapes are uniforms: a different size with the same alignment shares the pipeline.
    expect(pipelineKey(matmulPipelineSpec({ m: 100, n: 4, k: 4000, transB: true }))).toBe(key);
  });

  it('uses vec4 loads only where every load is aligned', () => {
    expect(matmulUsesVec4({ m: 7, n: 8, k: 4 })).toBe(true);
    expect(matmulUsesVec4({ m: 7, n: 7, k: 4 })).toBe(false); // NN reads B rows along N
    expect(matmulUsesVec4({ m: 7, n: 7, k: 4, transB: true })).toBe(true);
    expect(matmulUsesVec4({ m: 7, n: 8, k: 4, transA: true })).toBe(false); // TN reads Aᵀ rows along M
    expect(matmulUsesVec4({ m: 8, n: 8, k: 6 })).toBe(false);
    expect(matmulUsesVec4({ m: 8, n: 8, k: 8, batch: 2, strideA: 66 })).toBe(false);
  });
});
