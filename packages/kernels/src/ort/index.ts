/** ONNX Runtime for the cpu backend: its sessions and the matrix-product engine (graphs encoded by @rlvr/core). */
export { OrtMatmul, MatmulError, buildMatmulModel } from './ort-matmul.js';
export type { MatmulShape, OrtMatmulOptions } from './ort-matmul.js';
export { createOrtSession } from './ort-session.js';
export type { OrtThreading } from './ort-session.js';
