export { matmul, planMatmul, matmulShapeOf, matmulUsesVec4, matmulPipelineSpec, MATMUL_PARAMS, MATMUL_WGSL } from './matmul.js';
export type { MatmulOptions, MatmulPlan } from './matmul.js';
export { matmulReference, matmulStrides, matmulInputLengths } from './matmul.reference.js';
export type { MatmulShape } from './matmul.reference.js';
export { matmulCases } from './matmul.cases.js';
export type { MatmulCase } from './matmul.cases.js';
export { matmulBlocks, matmulTiles, matmulLeadingDims } from './matmul-split.js';
export type { MatmulBlocks, MatmulTile, ElementRange } from './matmul-split.js';
