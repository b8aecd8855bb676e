/** The WGSL matmul's definition, checked without a device (uniform layout, shader text, pipeline keys, vec4 choice), and the case table's coverage of its paths. */
import { readFileSync } from 'node:fs';
import { wgslStructFields } from '../gpu/uniforms.js';
import { pipelineKey } from '../gpu/pipeline-cache.js';
import { matmulCases } from './matmul.cases.js';
import { MATMUL_PARAMS, MATMUL_WGSL, matmulPipelineSpec, matmulUsesVec4 } from './matmul.gpu.js';
import { matmulInputLengths } from './matmul.shared.js';

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

describe('matmul case table', () => {
  it('covers every layout, 1 and 7, batches and both the vec4 and scalar paths', () => {
    const names = matmulCases.map((c) => c.name).join('\n');
    for (const tag of ['NN', 'NT', 'TN', 'TT', 'batch', '1×1×1', '7×7×7']) expect(names).toContain(tag);
    expect(matmulCases.some((c) => matmulUsesVec4(c))).toBe(true);
    expect(matmulCases.some((c) => !matmulUsesVec4(c))).toBe(true);
    for (const c of matmulCases) expect(matmulInputLengths(c).c).toBeGreaterThan(0);
  });
});
